/**
 * Progress notes for long operations, on stderr so that stdout stays parseable. On a TTY a note is
 * rewritten in place; elsewhere each note is one plain line (no spinner characters).
 */

/** Reports what a long operation is doing; `done` clears an in-place note. */
export interface Progress {
  note(text: string): void;
  done(): void;
}

/** A progress reporter writing to stderr; `quiet` (e.g. under `--json`) silences it off a TTY. */
export function createProgress(options: { quiet?: boolean } = {}): Progress {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  return {
    note(text) {
      if (tty) {
        process.stderr.write(`\r\x1b[2K${text}…`);
        shown = true;
      } else if (!options.quiet) {
        process.stderr.write(`${text}…\n`);
      }
    },
    done() {
      if (tty && shown) process.stderr.write("\r\x1b[2K");
      shown = false;
    },
  };
}
