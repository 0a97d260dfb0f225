/**
 * Log fields for an error. An error that carries a stable string `code` (imsg-rpc's, the gateway's,
 * config errors, Node's system errors) is an expected condition — imsg restarting, backoff, a config
 * file saved half-way, a shutdown — and is logged as one line without a stack. Anything else (a
 * TypeError, a bug) keeps pino's full `err` with its stack.
 */
export function logErrorFields(error: unknown): { error: string; code: string } | { err: unknown } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return { error: error.message, code };
  }
  return { err: error };
}
