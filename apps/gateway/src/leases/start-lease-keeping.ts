import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Clock, Logger } from "@imgate/channel-core";
import type { Timers } from "@imgate/imsg-rpc";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import type { PostgresState } from "../state/open-postgres-state.ts";
import { createLeaseKeeper, type LeaseKeeper, type LeaseKeeperOptions } from "./lease-keeper.ts";

/** Options of {@link startLeaseKeeping}. */
export interface StartLeaseKeepingOptions
  extends Pick<LeaseKeeperOptions, "accountIds" | "onAcquired" | "onLost"> {
  /** The shared state opened by `openPostgresState` (its pool; the keeper does not end it). */
  state: Pick<PostgresState, "pool" | "url" | "database">;
  /** The config's `gateway.leases.ttlMs`. */
  config: GatewayConfig;
  logger: Logger;
  /** This process's holder id; default `<host>:<pid>:<random>` (a restart is a new holder). */
  holderId?: string;
  clock?: Clock;
  timers?: Timers;
}

/** A running {@link LeaseKeeper}. */
export interface LeaseKeeping {
  keeper: LeaseKeeper;
  holderId: string;
  /** `user@host:port/database`, for logs and status; never the URL. */
  database: string;
  /** Releases every lease (the pool stays open: its owner ends it). */
  stop(): Promise<void>;
}

/**
 * The gateway's leases on the shared database of `gateway.state.postgres` (ADR 0016 step 7): a
 * {@link LeaseKeeper} for `accountIds` with a per-process holder id, started (resolved once every account had its
 * first try). Nothing logs the URL: driver errors are translated and redacted.
 */
export async function startLeaseKeeping(options: StartLeaseKeepingOptions): Promise<LeaseKeeping> {
  const { logger, state } = options;
  // Loaded here, not at the top: whoever imports the gateway without shared state never loads the driver.
  const { createAccountLeases, redactDatabaseUrl, translatePostgresError } = await import(
    "@imgate/state-postgres"
  );
  const holderId = options.holderId ?? `${hostname()}:${process.pid}:${randomUUID()}`;
  const leases = createAccountLeases({
    pool: state.pool,
    holderId,
    ttlMs: options.config.gateway.leases.ttlMs,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const keeper = createLeaseKeeper({
    leases,
    accountIds: options.accountIds,
    onAcquired: options.onAcquired,
    onLost: options.onLost,
    logger,
    database: state.database,
    explainError: (error) =>
      translatePostgresError(error, state.url)?.message ??
      redactDatabaseUrl((error as Error)?.message ?? String(error), state.url),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.timers ? { timers: options.timers } : {}),
  });
  await keeper.start();
  return { keeper, holderId, database: state.database, stop: () => keeper.stop() };
}
