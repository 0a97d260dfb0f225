import type { Event } from "vscode-jsonrpc";
import type { Timers } from "./clock.ts";
import type { ImsgClientState } from "./imsg-client.ts";
import type { ImsgConnection } from "./imsg-connection.ts";
import { ImsgAbortedError, ImsgStoppedError, ImsgTimeoutError } from "./imsg-error.ts";

/** What the waits read from the supervised client. */
export interface ReadySource {
  /** The current state (read afresh on each call). */
  state(): ImsgClientState;
  /** The ready connection, if any. */
  connection(): ImsgConnection | undefined;
  /** Fires on every state change. */
  readonly onState: Event<ImsgClientState>;
  readonly timers: Timers;
}

/** Resolves once the client is ready; rejects when it fails or is stopped first. */
export function untilReady(source: ReadySource): Promise<void> {
  const { status, lastError } = source.state();
  if (status === "ready") return Promise.resolve();
  if (status === "failed" || status === "stopped") {
    return Promise.reject(lastError ?? new ImsgStoppedError(status));
  }
  return new Promise((resolve, reject) => {
    const subscription = source.onState((state) => {
      if (state.status === "ready") {
        subscription.dispose();
        resolve();
      } else if (state.status === "failed" || state.status === "stopped") {
        subscription.dispose();
        reject(state.lastError ?? new ImsgStoppedError(state.status));
      }
    });
  });
}

/** Waits (within the request's timeout) for a ready connection. */
export function readyConnection(
  source: ReadySource,
  key: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ImsgConnection> {
  const { status, lastError } = source.state();
  const current = source.connection();
  if (status === "ready" && current) return Promise.resolve(current);
  if (status === "idle") return Promise.reject(new ImsgStoppedError("not started (call start() first)"));
  if (status === "stopped" || status === "failed") {
    return Promise.reject(new ImsgStoppedError(status, lastError));
  }
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      source.timers.clearTimeout(timer);
      subscription.dispose();
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      cleanup();
      reject(new ImsgAbortedError(key, signal?.reason));
    };
    const timer = source.timers.setTimeout(() => {
      cleanup();
      reject(new ImsgTimeoutError(key, timeoutMs));
    }, timeoutMs);
    const subscription = source.onState((state) => {
      const connection = source.connection();
      if (state.status === "ready" && connection) {
        cleanup();
        resolve(connection);
      } else if (state.status === "stopped" || state.status === "failed") {
        cleanup();
        reject(new ImsgStoppedError(state.status, state.lastError));
      }
    });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}
