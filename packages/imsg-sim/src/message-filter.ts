import { isoToAppleNs } from "./apple-time.ts";
import type { MessageFilter, MessageRow } from "./message-store.ts";
import { RPC_CODES, RpcError } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";
import type { CompatMode } from "./sim-options.ts";

/**
 * Reads `participants`, `start`, `end` (§2.4). A bad ISO date is -32603 in 0.9 and -32602 in 0.15 (§2.9).
 */
export function readMessageFilter(params: Params, mode: CompatMode): MessageFilter {
  const filter: MessageFilter = {};
  const participants = params.strings("participants");
  if (participants && participants.length > 0) filter.participants = participants;
  for (const key of ["start", "end"] as const) {
    const text = params.str(key);
    if (text === undefined || text === "") continue;
    const ns = isoToAppleNs(text);
    if (ns === undefined) {
      const code = mode === "0.9" ? RPC_CODES.internalError : RPC_CODES.invalidParams;
      throw new RpcError(code, `Invalid ISO8601 date: ${text}`);
    }
    if (key === "start") filter.startNs = ns;
    else filter.endNs = ns;
  }
  return filter;
}

/** Watch-side filtering after the fetch (`MessageFilter.allows`): participants match `sender`, case-insensitively. */
export function filterAllows(filter: MessageFilter, row: MessageRow, sender: string): boolean {
  if (filter.startNs !== undefined && row.date < filter.startNs) return false;
  if (filter.endNs !== undefined && row.date >= filter.endNs) return false;
  if (filter.participants && filter.participants.length > 0) {
    const lower = sender.toLowerCase();
    if (!filter.participants.some((p) => p.toLowerCase() === lower)) return false;
  }
  return true;
}
