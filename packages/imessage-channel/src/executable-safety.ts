/**
 * `cliPath` safety (channel-behavior §3, the original `isSafeExecutableValue`): the value is run as a
 * program, so anything that a shell or an argument parser could read as more than one word is refused.
 */

// Shell metacharacters, quotes, CR/LF and NUL.
const FORBIDDEN = /[;&|`$<>'"\r\n\0]/;
const BARE_NAME = /^[A-Za-z0-9._+-]+$/;

/** Whether the value looks like a path rather than a bare program name. */
function looksLikePath(value: string): boolean {
  return value.startsWith(".") || value.startsWith("~") || value.includes("/") || value.includes("\\");
}

/**
 * Returns why `value` is not a safe executable, or `undefined` when it is safe.
 * Rules: no shell metacharacters, quotes, CR/LF or NUL; a leading `-` only for path-like values;
 * a bare name must match `[A-Za-z0-9._+-]+`.
 */
export function explainUnsafeExecutable(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === "") return 'must not be empty; use a program name such as "imsg" or an absolute path';
  if (FORBIDDEN.test(value)) {
    return "must not contain shell metacharacters (; & | ` $ < >), quotes, line breaks or NUL; point it at a wrapper script instead";
  }
  const pathLike = looksLikePath(trimmed);
  if (trimmed.startsWith("-") && !pathLike) {
    return 'must not start with "-" (it would be read as an option); use a path such as ./-name';
  }
  if (!pathLike && !BARE_NAME.test(trimmed)) {
    return "a bare program name may only contain letters, digits and . _ + -; use an absolute path otherwise";
  }
  return undefined;
}

/** Whether `value` is safe to run as an executable (see {@link explainUnsafeExecutable}). */
export function isSafeExecutableValue(value: string): boolean {
  return explainUnsafeExecutable(value) === undefined;
}
