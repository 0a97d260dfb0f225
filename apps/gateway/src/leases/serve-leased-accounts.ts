import type { Clock, Logger } from "@imgate/channel-core";
import type { AccountLease } from "@imgate/state-postgres";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import type { AccountReadiness } from "../control-api/control-api-types.ts";
import type { WatcherPlan } from "../pipeline/plan-accounts.ts";
import type { PostgresState } from "../state/open-postgres-state.ts";
import type { LeaseKeeper } from "./lease-keeper.ts";
import type { LeaseView } from "./lease-view.ts";
import { type LeaseKeeping, startLeaseKeeping } from "./start-lease-keeping.ts";

/** Options of {@link serveLeasedAccounts}. */
export interface ServeLeasedAccountsOptions {
  state: Pick<PostgresState, "pool" | "url" | "database">;
  config: GatewayConfig;
  logger: Logger;
  clock?: Clock;
  /** Starts the watcher of `plan` (its owner's lease is held): the runtime carries `lease`. */
  startWatcher(plan: WatcherPlan, lease: LeaseView): void;
  /** Stops the watcher of `plan` at once (the lease is lost, or the plan changed or went away). */
  stopWatcher(plan: WatcherPlan): Promise<void>;
}

/** Watchers that run only while this gateway holds their account's lease (`gateway.state.postgres`). */
export interface LeasedAccounts {
  /**
   * Sets the watchers wanted (at start and on a config reload): leases of new owners are tried at once,
   * watchers whose plan changed restart (if served), removed ones stop and their leases are released.
   */
  serve(plans: readonly WatcherPlan[]): Promise<void>;
  /** Readiness rows of the wanted accounts this gateway does not serve now (another gateway holds them). */
  standby(): AccountReadiness[];
  /** Releases every lease (a standby takes over on its next try); the watchers are stopped by the caller. */
  stop(): Promise<void>;
}

/**
 * Serves each watcher only while this gateway holds its owner account's lease (ADR 0016 §4): started on
 * `onAcquired` (it resumes from the shared cursor and reconciles the account's outbox as any start does),
 * stopped at once on `onLost`. Starts and stops of one account run one after the other, never interleaved.
 */
export function serveLeasedAccounts(options: ServeLeasedAccountsOptions): LeasedAccounts {
  const { logger } = options;
  const plans = new Map<string, WatcherPlan>();
  /** Owners whose watcher runs, with the plan it runs. */
  const running = new Map<string, WatcherPlan>();
  const held = new Map<string, AccountLease>();
  const transitions = new Map<string, Promise<void>>();
  let keeping: LeaseKeeping | undefined;
  let keeper: LeaseKeeper | undefined;
  let stopped = false;

  /** Runs `step` after the account's earlier start/stop; a failure is logged, never thrown. */
  const transition = (owner: string, step: () => Promise<void> | void): Promise<void> => {
    const next = (transitions.get(owner) ?? Promise.resolve())
      .then(step)
      .catch((error: unknown) =>
        logger.error({ err: error, accountId: owner }, "account lease: could not start or stop the watcher"),
      );
    transitions.set(owner, next);
    return next;
  };

  const viewOf = (owner: string): LeaseView => ({
    current: () => {
      const lease = held.get(owner);
      return lease ? { holderId: lease.holderId, fencingToken: lease.fencingToken } : undefined;
    },
    serving: () => held.has(owner) && (keeper?.serving(owner) ?? true),
  });

  const startIfServed = (owner: string) =>
    transition(owner, () => {
      const plan = plans.get(owner);
      if (stopped || !plan || running.has(owner) || !held.has(owner)) return;
      running.set(owner, plan);
      options.startWatcher(plan, viewOf(owner));
    });
  const stopRunning = (owner: string) =>
    transition(owner, async () => {
      const plan = running.get(owner);
      if (!plan) return;
      running.delete(owner);
      await options.stopWatcher(plan);
    });

  const onAcquired = (owner: string, lease: AccountLease) => {
    held.set(owner, lease);
    void startIfServed(owner);
  };
  const onLost = (owner: string) => {
    held.delete(owner);
    void stopRunning(owner);
  };

  return {
    async serve(next) {
      const wanted = new Map(next.map((plan) => [plan.owner.accountId, plan]));
      const changes: Promise<void>[] = [];
      for (const [owner, plan] of running) {
        const replacement = wanted.get(owner);
        if (replacement?.fingerprint === plan.fingerprint) continue;
        changes.push(stopRunning(owner));
      }
      plans.clear();
      for (const [owner, plan] of wanted) plans.set(owner, plan);
      await Promise.all(changes);
      if (keeper) {
        await keeper.setAccounts([...wanted.keys()]);
        for (const owner of [...held.keys()]) if (!wanted.has(owner)) held.delete(owner);
      } else {
        keeping = await startLeaseKeeping({
          state: options.state,
          config: options.config,
          logger,
          ...(options.clock ? { clock: options.clock } : {}),
          accountIds: [...wanted.keys()],
          onAcquired,
          onLost,
        });
        keeper = keeping.keeper;
      }
      // A changed plan whose lease is still held starts again with its new settings.
      await Promise.all([...wanted.keys()].map(startIfServed));
    },
    standby() {
      const rows: AccountReadiness[] = [];
      for (const entry of keeper?.entries() ?? []) {
        const plan = plans.get(entry.accountId);
        if (!plan || running.has(entry.accountId)) continue;
        for (const account of plan.accounts) {
          rows.push({
            accountId: account.accountId,
            state: "standby",
            transport: account.remote ? "ssh" : "local",
            restarts: 0,
            ...(entry.holder ? { servedBy: `${entry.holder.host}:${entry.holder.pid}` } : {}),
          });
        }
      }
      return rows;
    },
    async stop() {
      stopped = true;
      await Promise.all([...transitions.values()]);
      await keeping?.stop();
    },
  };
}
