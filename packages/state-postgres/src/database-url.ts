import { REDACTED } from "@imgate/channel-core";
import { z } from "zod";
import { PostgresErrorCode, PostgresStateError } from "./postgres-errors.ts";

/** The environment variable that holds the database URL unless configured otherwise. */
export const DEFAULT_DATABASE_URL_ENV = "IMGATE_DATABASE_URL";

const databaseUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  });

/** Options of {@link readDatabaseUrl}. */
export interface ReadDatabaseUrlOptions {
  /** Where to read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** The variable's name (default {@link DEFAULT_DATABASE_URL_ENV}). */
  name?: string;
}

/**
 * The database URL from the environment: the only place it may come from, so it is never in a config file.
 * Throws a {@link PostgresStateError} naming the variable (never its value) when it is unset or not a
 * `postgres://` / `postgresql://` URL.
 */
export function readDatabaseUrl(options: ReadDatabaseUrlOptions = {}): string {
  const env = options.env ?? process.env;
  const name = options.name ?? DEFAULT_DATABASE_URL_ENV;
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") {
    throw new PostgresStateError(
      PostgresErrorCode.urlMissing,
      `${name} is not set: set it to the PostgreSQL URL, e.g. postgresql://imgate:PASSWORD@db.example:5432/imgate ` +
        "(in the service's environment, not in the config file).",
    );
  }
  const parsed = databaseUrl.safeParse(raw);
  if (!parsed.success) {
    // The value may hold a password: say what is wrong with it, never what it is.
    throw new PostgresStateError(
      PostgresErrorCode.urlInvalid,
      `${name} is not a PostgreSQL URL: it must look like postgresql://USER:PASSWORD@HOST:PORT/DATABASE ` +
        "(or ?host=/socket/dir for a unix socket); percent-encode special characters in the password.",
    );
  }
  return parsed.data;
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * Where a database URL points, for logs and messages: `user@host:port/database` (or `user@socket-dir/database`),
 * never the password or other query parameters.
 */
export function describeDatabaseTarget(url: string): string {
  const parsed = parse(url);
  if (!parsed) return "(unparsable database URL)";
  const socket = parsed.searchParams.get("host");
  const user = decodeURIComponent(parsed.username) || "(default user)";
  const where =
    socket ?? (parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname || "localhost");
  return `${user}@${where}/${decodeURIComponent(parsed.pathname.slice(1)) || user}`;
}

/**
 * `text` with the database URL and its password (raw and percent-decoded, and a `password=` query parameter)
 * replaced by `[Redacted]`. For error messages from the driver before they reach a log or a person.
 */
export function redactDatabaseUrl(text: string, url: string): string {
  const secrets = new Set<string>([url]);
  const parsed = parse(url);
  if (parsed) {
    if (parsed.password) {
      secrets.add(parsed.password);
      secrets.add(decodeURIComponent(parsed.password));
    }
    const queryPassword = parsed.searchParams.get("password");
    if (queryPassword) secrets.add(queryPassword);
  }
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret) out = out.split(secret).join(REDACTED);
  }
  return out;
}
