/**
 * An error with a stable, machine-readable `code`: the base of each package's own error class
 * (`StateError`, the gateway's `GatewayError`, …), so callers branch on codes, never on message text.
 */
export class CodedError<C extends string> extends Error {
  /** Stable, machine-readable code; never changes between releases. */
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
