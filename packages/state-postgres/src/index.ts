/**
 * `@imgate/state-postgres`: PostgreSQL state shared by several gateways. The database URL comes only from an
 * environment variable and is never logged; the schema is migrated under an advisory lock.
 */

export {
  type AccountLease,
  type AccountLeaseStatus,
  type AccountLeases,
  type AccountLeasesOptions,
  type AcquireResult,
  createAccountLeases,
} from "./account-leases.ts";
export {
  DEFAULT_DATABASE_URL_ENV,
  describeDatabaseTarget,
  type ReadDatabaseUrlOptions,
  readDatabaseUrl,
  redactDatabaseUrl,
} from "./database-url.ts";
export { MIGRATION_LOCK_KEY, type MigratePostgresOptions, migratePostgres } from "./migrate-postgres.ts";
export { openPostgresPool, type PostgresPoolOptions } from "./open-postgres-pool.ts";
export {
  createPostgresBackend,
  type PostgresBackend,
  type PostgresBackendOptions,
} from "./postgres-backend.ts";
export { LEASE_LOST_SQLSTATE } from "./postgres-commit-outcomes.ts";
export { PostgresErrorCode, PostgresStateError } from "./postgres-errors.ts";
export { type PostgresMigration, postgresMigrations } from "./postgres-migrations.ts";
export type { PostgresOutbox } from "./postgres-outbox.ts";
export { createPostgresPairing, PAIRING_LOCK_KEY, type PostgresPairingOptions } from "./postgres-pairing.ts";
export { translatePostgresError } from "./translate-postgres-error.ts";
