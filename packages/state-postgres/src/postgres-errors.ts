/**
 * Errors of the PostgreSQL state package. Each has a stable `code` for programs and a message that tells a
 * person what to do; none ever contains the database URL or its password.
 */

import { CodedError } from "@imgate/channel-core";

/** Stable codes of {@link PostgresStateError}. */
export const PostgresErrorCode = {
  /** The environment variable that should hold the database URL is unset or empty. */
  urlMissing: "PG_URL_MISSING",
  /** The database URL is not a `postgres://` / `postgresql://` URL. */
  urlInvalid: "PG_URL_INVALID",
  /** The server could not be reached (refused, no socket, timeout, name not found, shutting down). */
  unreachable: "PG_UNREACHABLE",
  /** The server refused the login (wrong user or password, or no pg_hba.conf entry). */
  auth: "PG_AUTH",
  /** The database named in the URL does not exist. */
  databaseMissing: "PG_DATABASE_MISSING",
  /** The database's schema was written by a newer imgate. */
  schemaTooNew: "PG_SCHEMA_TOO_NEW",
  /** A migration step failed; nothing of that run was applied. */
  migrationFailed: "PG_MIGRATION_FAILED",
  /** The account lease is held by another gateway (or expired): this gateway must stop serving the account. */
  leaseLost: "PG_LEASE_LOST",
} as const;

/** One of the {@link PostgresErrorCode} values. */
export type PostgresErrorCode = (typeof PostgresErrorCode)[keyof typeof PostgresErrorCode];

/** An error of the PostgreSQL state package. */
export class PostgresStateError extends CodedError<PostgresErrorCode> {}
