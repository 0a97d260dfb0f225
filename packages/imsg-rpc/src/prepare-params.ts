import { ImsgInvalidParamsError } from "./imsg-error.ts";
import type { Logger } from "./logger.ts";
import type { ImsgMethod } from "./protocol/define-method.ts";

/**
 * Turns caller params into what the detected imsg accepts: `undefined` values removed, keys the
 * version family does not know dropped (0.14+ rejects unknown keys with -32602; 0.9 has no
 * `buffer_limit`), then validated. Throws `ImsgInvalidParamsError` before anything is sent.
 */
export function prepareParams<P extends object>(
  method: ImsgMethod<P, unknown>,
  params: object | undefined,
  logger: Logger,
): P {
  const kept: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    if (method.paramKeys.has(key)) kept[key] = value;
    else dropped.push(key);
  }
  if (dropped.length > 0) {
    logger.debug({ method: method.method, dropped }, "not sending params this imsg version does not accept");
  }
  const parsed = method.params.safeParse(kept);
  if (!parsed.success) {
    const detail = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "params"}: ${issue.message}`,
    );
    throw new ImsgInvalidParamsError(method.method, detail.join("; "), parsed.error);
  }
  return parsed.data;
}
