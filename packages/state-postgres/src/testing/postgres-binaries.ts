import { accessSync, constants, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Where Debian's `postgresql-N` packages put the server programs (not on PATH). */
const DEBIAN_ROOT = "/usr/lib/postgresql";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasServer(dir: string): boolean {
  return executable(join(dir, "initdb")) && executable(join(dir, "postgres"));
}

/**
 * The directory holding PostgreSQL's `initdb` and `postgres`: `IMGATE_PG_BIN` when set, else the newest
 * `/usr/lib/postgresql/N/bin` (Debian), else the first PATH directory with both (Homebrew, other distributions).
 * The same order `scripts/provision-test-deps.sh` checks. Throws one line naming the fix when there is none.
 */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.IMGATE_PG_BIN;
  if (override) {
    if (hasServer(override)) return override;
    throw new Error(
      `IMGATE_PG_BIN=${override} has no executable initdb and postgres: point it at PostgreSQL's bin directory, or unset it.`,
    );
  }
  let versions: number[] = [];
  try {
    versions = readdirSync(DEBIAN_ROOT)
      .map(Number)
      .filter((n) => Number.isInteger(n))
      .sort((a, b) => b - a);
  } catch {
    // No Debian layout: fall through to PATH.
  }
  for (const version of versions) {
    const dir = join(DEBIAN_ROOT, String(version), "bin");
    if (hasServer(dir)) return dir;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && hasServer(dir)) return dir;
  }
  throw new Error(
    "PostgreSQL's initdb and postgres were not found: install Debian's postgresql package (`npm test` does it for you: " +
      "scripts/provision-test-deps.sh), or set IMGATE_PG_BIN to the directory that holds them.",
  );
}
