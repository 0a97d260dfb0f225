/**
 * Whether a running account actually works (issue 15, "mute"): sends that keep failing, or an imsg that
 * stopped answering the watchdog's cheap probe, mark it degraded — shown in `/readyz` and `imgate status`
 * with the fix — until a send or a probe succeeds again.
 */
import type { Clock, Logger } from "@imgate/channel-core";
import type { DegradedReport } from "../control-api/control-api-types.ts";

/** Consecutive failures that mark an account degraded. */
export const DEGRADED_AFTER_FAILURES = 3;

/** Options of {@link createAccountHealth}. */
export interface AccountHealthOptions {
  logger: Logger;
  clock: Clock;
  /** Consecutive failures before degraded (default {@link DEGRADED_AFTER_FAILURES}). */
  threshold?: number;
}

/** The degraded/healthy verdict of one account. */
export interface AccountHealth {
  deliveryFailed(message: string): void;
  deliverySucceeded(): void;
  probeFailed(message: string): void;
  probeSucceeded(): void;
  /** The current verdict, when degraded. */
  degraded(): DegradedReport | undefined;
}

type Kind = "send-failures" | "imsg-not-answering";

const FIXES: Record<Kind, string> = {
  "send-failures":
    "Check that Messages on the Mac is signed in and can send (`imgate doctor`, or send one by hand); the outbox retries on its own. If Apple restricted the Apple ID, run `imgate pause` until it is sorted out.",
  "imsg-not-answering":
    "imsg stopped answering: check the Mac (Messages running, Full Disk Access, the SSH connection) with `imgate doctor`, then restart the gateway if it does not recover.",
};

/** Creates the {@link AccountHealth} of one account. */
export function createAccountHealth(options: AccountHealthOptions): AccountHealth {
  const threshold = options.threshold ?? DEGRADED_AFTER_FAILURES;
  const failures: Record<Kind, { count: number; last?: string }> = {
    "send-failures": { count: 0 },
    "imsg-not-answering": { count: 0 },
  };
  let current: DegradedReport | undefined;

  const fail = (kind: Kind, message: string) => {
    const state = failures[kind];
    state.count += 1;
    state.last = message;
    if (state.count < threshold) return;
    const detail =
      kind === "send-failures"
        ? `${state.count} sends in a row failed; last: ${message}`
        : `imsg did not answer ${state.count} probes in a row; last: ${message}`;
    if (!current || current.reason !== kind) {
      current = {
        reason: kind,
        since: new Date(options.clock.now()).toISOString(),
        detail,
        fix: FIXES[kind],
      };
      options.logger.error({ reason: kind, detail, fix: FIXES[kind] }, "account degraded");
    } else {
      current.detail = detail;
    }
  };
  const succeed = (kind: Kind) => {
    failures[kind].count = 0;
    if (current?.reason === kind) {
      options.logger.info({ reason: kind }, "account recovered");
      current = undefined;
    }
  };

  return {
    deliveryFailed: (message) => fail("send-failures", message),
    deliverySucceeded: () => succeed("send-failures"),
    probeFailed: (message) => fail("imsg-not-answering", message),
    probeSucceeded: () => succeed("imsg-not-answering"),
    degraded: () => current,
  };
}
