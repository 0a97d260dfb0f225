/**
 * Classifies a failed imsg send (protocol §2.9, §9): may the message have gone out (`unknown`), did it
 * certainly not (`failed`, maybe `retryable`)? Duck-typed on imsg-rpc's error family (`code`, `rpcCode`,
 * `data`), so any client with the same error shape works.
 */

/** How a send error is to be treated. */
export type SendErrorKind = { kind: "unknown" } | { kind: "failed"; retryable: boolean };

const RPC_DELIVERY_UNKNOWN = -32001;
const RPC_BUSY = -32000;
const RPC_DB_UNAVAILABLE = -32002;
const RPC_BRIDGE_DOWN = -32003;
const RPC_LANE_POISONED = -32004;
const RPC_INVALID_PARAMS = -32602;

/** Classifies `error` from a `send` / `send.tracked` call. */
export function classifySendError(error: unknown): SendErrorKind {
  const e = error as { code?: unknown; rpcCode?: unknown; data?: unknown };
  // Timeouts and a peer that died mid-call: the send may have happened.
  if (e.code === "IMSG_TIMEOUT" || e.code === "IMSG_EXITED" || e.code === "IMSG_ABORTED")
    return { kind: "unknown" };
  if (e.code === "IMSG_SPAWN_FAILED" || e.code === "IMSG_STOPPED" || e.code === "IMSG_INVALID_PARAMS") {
    return { kind: "failed", retryable: true };
  }
  if (typeof e.rpcCode === "number") {
    const data =
      typeof e.data === "object" && e.data !== null ? (e.data as { disposition?: unknown }) : undefined;
    if (data?.disposition === "not_started") return { kind: "failed", retryable: true };
    if (data?.disposition === "may_have_completed" || data?.disposition === "still_in_flight") {
      return { kind: "unknown" };
    }
    switch (e.rpcCode) {
      case RPC_DELIVERY_UNKNOWN:
      case RPC_LANE_POISONED:
        return { kind: "unknown" };
      case RPC_BUSY:
      case RPC_DB_UNAVAILABLE:
      case RPC_BRIDGE_DOWN:
        return { kind: "failed", retryable: true };
      case RPC_INVALID_PARAMS:
        return { kind: "failed", retryable: false };
      default:
        return { kind: "failed", retryable: false };
    }
  }
  // The invalid-result case: imsg answered, but not in a shape we understand — it did send.
  if (e.code === "IMSG_INVALID_RESULT") return { kind: "unknown" };
  return { kind: "failed", retryable: false };
}
