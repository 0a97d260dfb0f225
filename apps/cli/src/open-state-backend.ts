/**
 * The state the CLI's commands read and write (issue 16, ADR 0016 step 7): the SQLite file
 * `<stateDir>/state.db` by default, or the shared PostgreSQL database when the config has
 * `gateway.state.postgres` — the same state every gateway of the team uses, so a code approved here is valid on
 * every gateway and a pause stops them all.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { StateBackend } from "@imgate/channel-core";
import type { LoadedConfig } from "./cli-config.ts";
import { CliError } from "./cli-error.ts";

/** An open {@link StateBackend} and how to let go of it. */
export interface OpenedStateBackend {
  backend: StateBackend;
  /** Closes the SQLite file or ends the PostgreSQL pool; never throws. */
  close(): Promise<void>;
}

/** Options of {@link openStateBackend}. */
export interface OpenStateBackendOptions {
  /**
   * Whether a missing SQLite file (and the state directory) is created. When false and nothing was ever stored,
   * `openStateBackend` returns `undefined` instead. A PostgreSQL database is always opened (and migrated).
   */
  create: boolean;
  /** Where `gateway.state.postgres.urlEnv` is read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Whether a PostgreSQL schema is brought up to date first (`migratePostgres`, under its advisory lock).
   * Default true; readers pass false and treat a missing table as empty.
   */
  migrate?: boolean;
  /** How long connecting to PostgreSQL may take before it counts as unreachable. Default 5000 ms. */
  connectTimeoutMs?: number;
}

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Opens the configured state backend. PostgreSQL's client is imported only when the config asks for it (the CLI's
 * cold start stays SQLite's). Failures are one {@link CliError} (`CLI_FAILED`, exit 1) naming the fix: an unset
 * variable names the variable, an unreachable database names the target `user@host:port/database` — never the
 * URL or its password.
 */
export async function openStateBackend(
  loaded: LoadedConfig,
  options: OpenStateBackendOptions,
): Promise<OpenedStateBackend | undefined> {
  if (loaded.config.gateway.state?.postgres) return openPostgres(loaded, options);
  const path = join(loaded.stateDir, "state.db");
  if (!options.create && !existsSync(path)) return undefined;
  const [{ createSqliteBackend, openStateStore }, { pairingOptionsOf }] = await Promise.all([
    import("@imgate/channel-core"),
    import("@imgate/gateway/pairing-options-of"),
  ]);
  const settings = pairingOptionsOf(loaded.config);
  if (options.create) mkdirSync(loaded.stateDir, { recursive: true, mode: 0o700 });
  const backend = createSqliteBackend(openStateStore({ path }), {
    pairing: {
      expiryMs: settings.pairingExpiryMs,
      ...(settings.pairingRejectCooldownMs !== undefined
        ? { rejectCooldownMs: settings.pairingRejectCooldownMs }
        : {}),
    },
  });
  return { backend, close: () => backend.close().catch(() => {}) };
}

/** The gateway's own opener of the shared state (same URL variable, migrations and pairing settings). */
async function openPostgres(
  loaded: LoadedConfig,
  options: OpenStateBackendOptions,
): Promise<OpenedStateBackend> {
  const [{ openPostgresState }, { silentLogger, systemClock }] = await Promise.all([
    import("@imgate/gateway/open-postgres-state"),
    import("@imgate/channel-core"),
  ]);
  try {
    const state = await openPostgresState({
      config: loaded.config,
      env: options.env ?? process.env,
      logger: silentLogger,
      clock: systemClock,
      applicationName: "imgate cli",
      // A CLI run before any gateway finds an empty database: the same migrations, under the same advisory lock.
      migrate: options.migrate !== false,
      poolMax: 2,
      connectTimeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    });
    return { backend: state.backend, close: () => state.close() };
  } catch (error) {
    throw await stateBackendError(error);
  }
}

/**
 * The {@link CliError} for a failure of the shared database (connection, login, a missing variable): its own
 * sentence, which names the fix and never the URL (openPostgresState translates and redacts driver errors).
 */
async function stateBackendError(error: unknown): Promise<unknown> {
  const { PostgresStateError } = await import("@imgate/state-postgres");
  return error instanceof PostgresStateError
    ? new CliError("CLI_FAILED", error.message, { cause: error })
    : error;
}
