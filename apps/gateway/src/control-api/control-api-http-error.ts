/** An error a control-API handler throws to answer with a specific HTTP status and stable code. */
export class ControlApiHttpError extends Error {
  /** HTTP status to answer with. */
  readonly status: number;
  /** Stable code in the JSON error body (`{ error: { code, message } }`). */
  readonly code: string;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ControlApiHttpError";
    this.status = status;
    this.code = code;
  }
}
