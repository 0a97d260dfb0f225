/**
 * `@imgate/state-postgres/testing`: a real PostgreSQL server for tests (`startPostgres()`). Not part of the
 * public API.
 */

export { findPostgresBin } from "./postgres-binaries.ts";
export { type PostgresHarness, type StartPostgresOptions, startPostgres } from "./postgres-harness.ts";
