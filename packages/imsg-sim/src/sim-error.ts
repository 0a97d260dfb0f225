/** Stable codes of the errors the stand-in raises outside the JSON-RPC error table. */
export type SimErrorCode = "SIM_CONFIG_INVALID" | "SIM_USAGE" | "SIM_DB_UNAVAILABLE" | "SIM_NOT_FOUND";

/** An error of the stand-in itself (bad env, bad flags, unusable database) with a message that says what to do. */
export class SimError extends Error {
  /** Stable machine-readable code. */
  readonly code: SimErrorCode;

  constructor(code: SimErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SimError";
    this.code = code;
  }
}
