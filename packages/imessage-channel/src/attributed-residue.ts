/**
 * Attributed-body residue (openclaw/openclaw#64309, #59973, #59386): when Messages' `text` column is empty,
 * the text is decoded from `attributedBody`, and reflected copies of a sent message can start with a few
 * bytes of that encoding — control characters such as U+0093 "b" U+0002, an object replacement character
 * (U+FFFC), a replacement character (U+FFFD) or a BOM. For echo matching, such a prefix is not part of the
 * text: `"\u0093b\u0002Hello"` compares equal to the `"Hello"` that was sent.
 */

/** C0/C1 controls (tab and newline included: a sent text never starts with them after trimming), FEFF, FFFC–FFFF. */
const RESIDUE = "[\\u0000-\\u001F\\u007F-\\u009F\\uFEFF\\uFFFC-\\uFFFF]";
/** A run of residue, optionally with up to two ordinary characters sandwiched between residue (`\x93b\x02`). */
const LEADING_RESIDUE = new RegExp(
  `^(?:${RESIDUE}+(?:[^\\u0000-\\u001F\\u007F-\\u009F\\uFEFF\\uFFFC-\\uFFFF]{1,2}(?=${RESIDUE}))?)+`,
);

/** `text` without a leading attributed-body residue prefix (unchanged when it has none). */
export function stripAttributedResidue(text: string): string {
  return text.replace(LEADING_RESIDUE, "");
}
