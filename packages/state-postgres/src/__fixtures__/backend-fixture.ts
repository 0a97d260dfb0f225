import { type Envelope, type PendingTurnDraft, silentLogger } from "@imgate/channel-core";
import { createManualClock, type ManualClock } from "@imgate/channel-core/testing";
import type { Pool } from "pg";
import { migratePostgres } from "../migrate-postgres.ts";
import { openPostgresPool } from "../open-postgres-pool.ts";
import {
  createPostgresBackend,
  type PostgresBackend,
  type PostgresBackendOptions,
} from "../postgres-backend.ts";
import type { PostgresHarness } from "../testing/postgres-harness.ts";

/** A migrated database of the test server, and a backend (a gateway) on it. */
export interface BackendFixture {
  url: string;
  pool: Pool;
  clock: ManualClock;
  /** What the backends logged as warnings and errors. */
  warnings: Array<{ level: "warn" | "error"; fields: unknown; text: string }>;
  backend: PostgresBackend;
  /** Another gateway on the same database: its own pool, clock-shared, its own backend. */
  second(options?: Partial<PostgresBackendOptions>): Promise<PostgresBackend>;
  /** Row count of a table (to check that nothing was written). */
  count(table: string): Promise<number>;
}

/** Opens fresh databases on `server` and closes every pool at the end ({@link BackendFixtures.end}). */
export function backendFixtures(server: () => PostgresHarness) {
  const pools: Pool[] = [];
  let ids = 0;
  return {
    async open(options: Partial<PostgresBackendOptions> = {}): Promise<BackendFixture> {
      const url = await server().createDatabase();
      const pool = await openPostgresPool({ url, max: 4 });
      pools.push(pool);
      await migratePostgres(pool);
      const clock = createManualClock();
      const warnings: BackendFixture["warnings"] = [];
      const make = (on: Pool, extra: Partial<PostgresBackendOptions>) =>
        createPostgresBackend({
          pool: on,
          url,
          clock,
          logger: {
            ...silentLogger,
            warn: (fields: object, text: string) => void warnings.push({ level: "warn", fields, text }),
            error: (fields: object, text: string) => void warnings.push({ level: "error", fields, text }),
          },
          generateId: () => `session-${++ids}`,
          ...options,
          ...extra,
        });
      return {
        url,
        pool,
        clock,
        warnings,
        backend: make(pool, {}),
        async second(extra = {}) {
          const other = await openPostgresPool({ url, max: 4 });
          pools.push(other);
          return make(other, extra);
        },
        async count(table) {
          if (!/^[a-z_]+$/.test(table)) throw new TypeError(table);
          const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
          return Number(rows[0]?.n);
        },
      };
    },
    async end() {
      await Promise.all(pools.splice(0).map((pool) => pool.end()));
    },
  };
}

export const envelope = (guid: string, text = "hello"): Envelope => ({
  channel: "imessage",
  accountId: "bot",
  chatType: "direct",
  chatKey: "7",
  senderRaw: "+15550001111",
  sender: "+15550001111",
  text,
  attachments: [],
  timestamp: 1_000,
  messageId: "42",
  guid,
  participants: [],
});

export const turnDraft = (
  clock: ManualClock,
  guid: string,
  extra: Partial<PendingTurnDraft> = {},
): PendingTurnDraft => ({
  accountId: "bot",
  envelope: envelope(guid),
  sessionKey: "agent:main:main",
  agentId: "main",
  target: "chat_id:7",
  request: { text: "hello", history: [] },
  meta: { answeringAccountId: "bot" },
  arrivedAt: clock.now(),
  attempts: 1,
  nextAttemptAt: clock.now() + 1_000,
  lastError: "HTTP 503",
  ...extra,
});
