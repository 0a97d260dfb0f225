import { type Clock, type Logger, systemClock } from "@imgate/channel-core";
import { systemTimers, type Timers } from "@imgate/imsg-rpc";
import type { AccountLease, AccountLeases } from "@imgate/state-postgres";
import { PostgresErrorCode, PostgresStateError } from "@imgate/state-postgres/errors";
import { leaseRenewIntervalMs } from "./lease-timing.ts";

/** Why a gateway stopped serving an account (see {@link LeaseKeeperOptions.onLost}). */
export type LeaseLossReason =
  /** The database says another gateway has it, or it expired and was released (`renew` threw `PG_LEASE_LOST`). */
  | { kind: "taken"; message: string }
  /** No renewal succeeded within ttl (database unreachable or hanging): the lease may have expired. */
  | { kind: "unreachable"; message: string };

/** One account as the keeper sees it. */
export interface LeaseKeeperEntry {
  accountId: string;
  /** `serving`: this gateway holds the lease; `standby`: someone else does (or the database cannot be asked). */
  role: "serving" | "standby" | "stopped";
  /** This gateway's lease while serving. */
  lease?: AccountLease;
  /** The other gateway holding it, as last seen, while standing by. */
  holder?: AccountLease;
}

/** Options of {@link createLeaseKeeper}. */
export interface LeaseKeeperOptions {
  /** `createAccountLeases(...)` on the shared database, with this gateway's holder id. */
  leases: AccountLeases;
  /** The accounts this gateway is configured to serve. */
  accountIds: readonly string[];
  /** Called when this gateway may start serving `accountId` (a new lease, or the same one again after a loss). */
  onAcquired(accountId: string, lease: AccountLease): void;
  /**
   * Called when this gateway must stop serving `accountId` AT ONCE: another gateway took it, or no renewal
   * succeeded within ttl. The keeper keeps trying to take it back every ttl/3 and calls `onAcquired` if it does.
   */
  onLost(accountId: string, reason: LeaseLossReason): void;
  logger: Logger;
  /** Where the database is, for logs: `describeDatabaseTarget(url)`, never the URL. */
  database: string;
  /** Turns a database error into one safe sentence (e.g. translated and redacted); default its message. */
  explainError?: (error: unknown) => string;
  /** Measures the renew deadline; must be the clock `leases` was created with. */
  clock?: Clock;
  /** Schedules renewals, standby retries and deadline checks. */
  timers?: Timers;
}

/** Keeps this gateway's account leases: acquire, renew every ttl/3, stand by, release. */
export interface LeaseKeeper {
  /** Tries every account once (resolves when each try settled); then renews or retries on its own. */
  start(): Promise<void>;
  /**
   * Changes the accounts kept (a config reload): new ones are tried at once (resolves when those tries settled),
   * removed ones stop renewing and are released (no `onLost`: the caller stops serving them itself).
   */
  setAccounts(accountIds: readonly string[]): Promise<void>;
  /** Whether this gateway may serve `accountId` right now (it holds the lease and its deadline has not passed). */
  serving(accountId: string): boolean;
  /** Every account's role, holder and lease. */
  entries(): LeaseKeeperEntry[];
  /** Resolves once the acquire and renew calls in flight right now have settled (and their outcome applied). */
  settled(): Promise<void>;
  /**
   * Stops renewing and releases every lease (a standby takes over on its next try); calls no `onLost`. Gives up
   * waiting for the database after ttl/3: an unreleased lease expires by itself.
   */
  stop(): Promise<void>;
}

interface Slot {
  accountId: string;
  role: LeaseKeeperEntry["role"];
  lease: AccountLease | undefined;
  holder: AccountLease | undefined;
  /** The next renew or acquire try. */
  tick: unknown;
  /** Fires when the lease's local deadline passes without a renewal. */
  deadline: unknown;
  /** The acquire or renew in flight, if any (a hanging database must not pile up queries). */
  inFlight: Promise<void> | undefined;
  /** Bumped on every loss and on stop: results of older operations are ignored. */
  epoch: number;
  /** Whether the last database call failed (logged once per streak, not every ttl/3). */
  failing: boolean;
}

function isLeaseLost(error: unknown): boolean {
  return error instanceof PostgresStateError && error.code === PostgresErrorCode.leaseLost;
}

/**
 * Keeps the leases of `accountIds` (ADR 0016 §4): acquires each at start; a lease held by another gateway is
 * tried again every ttl/3 (standby); a held lease is renewed every ttl/3. The gateway is told to stop serving an
 * account at once when a renewal reports the lease lost, or when the holder's own deadline (ttl after it sent the
 * last successful acquire or renew) passes — also while a renewal hangs on an unreachable database.
 */
export function createLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const { leases, logger, database } = options;
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const explain = options.explainError ?? ((error: unknown) => (error as Error)?.message ?? String(error));
  const interval = leaseRenewIntervalMs(leases.ttlMs);
  let stopped = false;
  const newSlot = (accountId: string): Slot => ({
    accountId,
    role: "standby",
    lease: undefined,
    holder: undefined,
    tick: undefined,
    deadline: undefined,
    inFlight: undefined,
    epoch: 0,
    failing: false,
  });
  const slots = new Map<string, Slot>([...new Set(options.accountIds)].map((id) => [id, newSlot(id)]));
  let started = false;

  const clear = (slot: Slot) => {
    if (slot.tick !== undefined) timers.clearTimeout(slot.tick);
    if (slot.deadline !== undefined) timers.clearTimeout(slot.deadline);
    slot.tick = undefined;
    slot.deadline = undefined;
  };

  const schedule = (slot: Slot) => {
    if (stopped) return;
    if (slot.tick !== undefined) timers.clearTimeout(slot.tick);
    slot.tick = timers.setTimeout(() => {
      slot.tick = undefined;
      if (slot.inFlight) schedule(slot);
      else
        slot.inFlight = (slot.role === "serving" ? renew(slot) : acquire(slot)).finally(() => {
          slot.inFlight = undefined;
        });
    }, interval);
  };

  /** Arms the check at the holder's own deadline: ttl after `sentAt`, as `leases.holds` judges it. */
  const armDeadline = (slot: Slot, sentAt: number) => {
    if (slot.deadline !== undefined) timers.clearTimeout(slot.deadline);
    const epoch = slot.epoch;
    slot.deadline = timers.setTimeout(
      () => {
        slot.deadline = undefined;
        if (slot.epoch !== epoch || slot.role !== "serving" || leases.holds(slot.accountId)) return;
        lose(slot, {
          kind: "unreachable",
          message: `no renewal of the lease of ${slot.accountId} succeeded within ${leases.ttlMs} ms (is ${database} reachable?); stopped serving it`,
        });
      },
      Math.max(0, sentAt + leases.ttlMs - clock.now()),
    );
  };

  const failed = (slot: Slot, what: string, error: unknown) => {
    if (slot.failing) return;
    slot.failing = true;
    logger.warn(
      { accountId: slot.accountId, database, error: explain(error) },
      `account lease: ${what} failed; trying again every ${interval} ms`,
    );
  };

  const recovered = (slot: Slot) => {
    if (!slot.failing) return;
    slot.failing = false;
    logger.info({ accountId: slot.accountId, database }, "account lease: the database answers again");
  };

  /** Runs a callback of the caller; its failure is logged, never breaks the keeper's loop. */
  const notify = (slot: Slot, what: string, callback: () => void) => {
    try {
      callback();
    } catch (error) {
      logger.error(
        { accountId: slot.accountId, error: (error as Error)?.message ?? String(error) },
        `account lease: the ${what} handler threw`,
      );
    }
  };

  function lose(slot: Slot, reason: LeaseLossReason) {
    slot.epoch += 1;
    clear(slot);
    slot.role = "standby";
    slot.lease = undefined;
    logger.warn({ accountId: slot.accountId, database, reason: reason.kind }, reason.message);
    schedule(slot);
    notify(slot, "onLost", () => options.onLost(slot.accountId, reason));
  }

  async function acquire(slot: Slot): Promise<void> {
    const epoch = slot.epoch;
    const sentAt = clock.now();
    let result: Awaited<ReturnType<AccountLeases["acquire"]>>;
    try {
      result = await leases.acquire(slot.accountId);
    } catch (error) {
      if (stopped || slot.epoch !== epoch) return;
      failed(slot, "taking the lease", error);
      schedule(slot);
      return;
    }
    if (stopped || slot.epoch !== epoch) return;
    recovered(slot);
    if (result.acquired) {
      slot.role = "serving";
      slot.lease = result.lease;
      slot.holder = undefined;
      armDeadline(slot, sentAt);
      schedule(slot);
      logger.info(
        { accountId: slot.accountId, database, fencingToken: result.lease.fencingToken },
        "account lease acquired: serving this account",
      );
      const lease = result.lease;
      notify(slot, "onAcquired", () => options.onAcquired(slot.accountId, lease));
      return;
    }
    const previous = slot.holder;
    slot.holder = result.holder;
    if (result.holder && previous?.holderId !== result.holder.holderId) {
      logger.info(
        {
          accountId: slot.accountId,
          database,
          holder: result.holder.holderId,
          host: result.holder.host,
          pid: result.holder.pid,
        },
        `account served by another gateway; standing by (trying every ${interval} ms)`,
      );
    }
    schedule(slot);
  }

  async function renew(slot: Slot): Promise<void> {
    const epoch = slot.epoch;
    const sentAt = clock.now();
    try {
      const lease = await leases.renew(slot.accountId);
      if (stopped || slot.epoch !== epoch) return;
      recovered(slot);
      slot.lease = lease;
      armDeadline(slot, sentAt);
      schedule(slot);
    } catch (error) {
      if (stopped || slot.epoch !== epoch) return;
      if (isLeaseLost(error)) {
        lose(slot, { kind: "taken", message: (error as Error).message });
        return;
      }
      failed(slot, "renewing the lease", error);
      // The deadline check ends serving if no later renewal succeeds in time.
      schedule(slot);
    }
  }

  /** The first acquire of an account, tracked like a scheduled one. */
  const firstTry = (slot: Slot): Promise<void> => {
    const attempt = acquire(slot).finally(() => {
      slot.inFlight = undefined;
    });
    slot.inFlight = attempt;
    return attempt;
  };

  return {
    async start() {
      started = true;
      await Promise.all([...slots.values()].map(firstTry));
    },
    async setAccounts(accountIds) {
      if (stopped) return;
      const wanted = new Set(accountIds);
      const removed = [...slots.values()].filter((slot) => !wanted.has(slot.accountId));
      const added = [...wanted].filter((id) => !slots.has(id)).map(newSlot);
      for (const slot of removed) {
        slots.delete(slot.accountId);
        slot.epoch += 1;
        clear(slot);
        slot.role = "stopped";
        slot.lease = undefined;
        // Not awaited: a hanging database must not hold up a config reload; the lease expires by itself.
        void Promise.resolve(slot.inFlight)
          .then(() => leases.release(slot.accountId))
          .then(
            (released) => {
              if (released) logger.info({ accountId: slot.accountId, database }, "account lease released");
            },
            (error: unknown) =>
              logger.warn(
                { accountId: slot.accountId, database, error: explain(error) },
                "account lease: release failed; it expires by itself within the ttl",
              ),
          );
      }
      for (const slot of added) slots.set(slot.accountId, slot);
      if (started) await Promise.all(added.map(firstTry));
    },
    serving(accountId) {
      const slot = slots.get(accountId);
      return slot?.role === "serving" && leases.holds(accountId);
    },
    entries() {
      return [...slots.values()].map((slot) => ({
        accountId: slot.accountId,
        role: slot.role,
        ...(slot.lease ? { lease: slot.lease } : {}),
        ...(slot.holder && slot.role !== "serving" ? { holder: slot.holder } : {}),
      }));
    },
    async settled() {
      await Promise.allSettled([...slots.values()].map((slot) => slot.inFlight));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const all = [...slots.values()];
      for (const slot of all) {
        slot.epoch += 1;
        clear(slot);
        slot.role = "stopped";
        slot.lease = undefined;
      }
      const releasing = (async () => {
        await Promise.allSettled(all.map((slot) => slot.inFlight));
        // Every account, not just the served ones: an acquire that settled during stop may have taken one.
        await Promise.all(
          all.map(async (slot) => {
            try {
              if (await leases.release(slot.accountId)) {
                logger.info({ accountId: slot.accountId, database }, "account lease released");
              }
            } catch (error) {
              logger.warn(
                { accountId: slot.accountId, database, error: explain(error) },
                "account lease: release failed; it expires by itself within the ttl",
              );
            }
          }),
        );
      })();
      // A hanging database must not hang the shutdown: what is not released by then expires by itself.
      let timer: unknown;
      const gaveUp = new Promise<boolean>((resolve) => {
        timer = timers.setTimeout(() => resolve(true), interval);
      });
      const late = await Promise.race([releasing.then(() => false), gaveUp]);
      timers.clearTimeout(timer);
      if (late) {
        logger.warn(
          { database, accounts: all.map((slot) => slot.accountId) },
          `account leases: the database did not answer within ${interval} ms of stopping; unreleased leases expire by themselves within ${leases.ttlMs} ms`,
        );
      }
    },
  };
}
