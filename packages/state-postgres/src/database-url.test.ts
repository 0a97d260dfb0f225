import { describe, expect, it } from "vitest";
import { describeDatabaseTarget, readDatabaseUrl, redactDatabaseUrl } from "./database-url.ts";
import { PostgresErrorCode, PostgresStateError } from "./postgres-errors.ts";

const secretUrl = "postgresql://gate:p%40ss%2Fw0rd-XYZ@db.internal:6543/imgate?sslmode=require";

function caught(fn: () => unknown): PostgresStateError {
  try {
    fn();
  } catch (error) {
    return error as PostgresStateError;
  }
  throw new Error("expected a throw");
}

describe("readDatabaseUrl", () => {
  it("reads IMGATE_DATABASE_URL by default, or the named variable", () => {
    expect(readDatabaseUrl({ env: { IMGATE_DATABASE_URL: ` ${secretUrl} ` } })).toBe(secretUrl);
    expect(readDatabaseUrl({ env: { OTHER: "postgres://u@h/d" }, name: "OTHER" })).toBe("postgres://u@h/d");
  });

  it("unset or empty: names the variable and how to set it", () => {
    for (const env of [{}, { IMGATE_DATABASE_URL: "  " }]) {
      const error = caught(() => readDatabaseUrl({ env }));
      expect(error).toBeInstanceOf(PostgresStateError);
      expect(error.code).toBe(PostgresErrorCode.urlMissing);
      expect(error.message).toMatch(/^IMGATE_DATABASE_URL is not set: set it to the PostgreSQL URL/);
    }
  });

  it("not a postgres URL: says so without repeating the value (it may hold a password)", () => {
    for (const value of ["mysql://root:hunter2secret@h/db", "hunter2secret", "postgres//hunter2secret"]) {
      const error = caught(() => readDatabaseUrl({ env: { IMGATE_DATABASE_URL: value } }));
      expect(error.code).toBe(PostgresErrorCode.urlInvalid);
      expect(error.message).not.toContain("hunter2secret");
      expect(error.cause).toBeUndefined();
    }
  });
});

describe("describeDatabaseTarget", () => {
  it("user@host:port/database, no password or query", () => {
    expect(describeDatabaseTarget(secretUrl)).toBe("gate@db.internal:6543/imgate");
  });

  it("a unix socket URL names the socket directory", () => {
    expect(describeDatabaseTarget("postgresql://imgate@localhost:5432/state?host=%2Ftmp%2Fpg")).toBe(
      "imgate@/tmp/pg/state",
    );
  });
});

describe("redactDatabaseUrl", () => {
  it("removes the URL, its password (encoded and decoded) and a password= parameter", () => {
    const text = `failed for ${secretUrl}; auth p%40ss%2Fw0rd-XYZ / p@ss/w0rd-XYZ`;
    const out = redactDatabaseUrl(text, secretUrl);
    expect(out).not.toMatch(/w0rd-XYZ/);
    expect(out).toBe("failed for [Redacted]; auth [Redacted] / [Redacted]");
    expect(redactDatabaseUrl("pw=qp-secret-1", "postgres://u@h/d?password=qp-secret-1")).toBe(
      "pw=[Redacted]",
    );
  });
});
