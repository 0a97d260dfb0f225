import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "@imgate/imsg-sim/testing";
import { Client } from "pg";
import { findPostgresBin } from "./postgres-binaries.ts";

/** A throwaway PostgreSQL server on a private unix socket, for tests and benchmarks. */
export interface PostgresHarness {
  /** URL of the database made for this server (`imgate`), over the private socket; no password (trust auth). */
  url: string;
  /** The temp directory holding the data directory and the socket; removed by {@link stop}. */
  dir: string;
  /** Directory of the unix socket (the URL's `host`). */
  socketDir: string;
  /** The server's major version, e.g. 15. */
  version: number;
  /** Pid of the postmaster, or undefined once it stopped. */
  pid(): number | undefined;
  /** Everything the server wrote to stderr (for failure messages). */
  logs(): string;
  /** Creates another empty database on this server and returns its URL (one per test for isolation). */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (fast shutdown, then harder) and deletes {@link dir}. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Directory of `initdb` and `postgres` (default: {@link findPostgresBin}). */
  binDir?: string;
  /**
   * When the tests run as root (CI), the server runs as this user, because PostgreSQL refuses to run as root.
   * Default `IMGATE_PG_USER`, else `postgres` (the system user Debian's package creates).
   */
  runAsUser?: string;
  /** Extra `-c name=value` server settings. */
  settings?: Readonly<Record<string, string>>;
}

const PORT = 5432;
const SUPERUSER = "imgate";
const live = new Set<() => void>();
process.once("exit", () => {
  for (const kill of live) kill();
});

interface RunAs {
  uid: number;
  gid: number;
}

function lookUpUser(user: string): RunAs {
  try {
    const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `The tests run as root and PostgreSQL refuses to, but the user "${user}" to run it as does not exist: ` +
        "install Debian's postgresql package (it creates the postgres user), or set IMGATE_PG_USER to an unprivileged user.",
    );
  }
}

/** [program, args] that run `program` as `runAs` (root only), or as ourselves. */
function command(program: string, args: readonly string[], runAs: RunAs | undefined): [string, string[]] {
  if (!runAs) return [program, [...args]];
  // setpriv execs the program in place (no extra parent process), so the pid we signal is the postmaster's.
  return [
    "setpriv",
    [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--clear-groups", "--", program, ...args],
  ];
}

function isRunning(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/**
 * Starts a real PostgreSQL server: `initdb` into a fresh temp directory (trust auth, superuser `imgate`, C
 * locale), then `postgres` listening only on a unix socket in that directory (no TCP), with fsync and
 * synchronous commit off for speed. Creates the database `imgate` and returns its URL. As root, both programs
 * run as the `postgres` system user (PostgreSQL refuses root) and the directory is handed to that user.
 * The caller must `stop()` it (in `afterAll`); a process-exit hook stops leftovers.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresHarness> {
  const binDir = options.binDir ?? findPostgresBin();
  const runAs =
    process.getuid?.() === 0
      ? lookUpUser(options.runAsUser ?? (process.env.IMGATE_PG_USER || "postgres"))
      : undefined;
  const dir = await mkdtemp(join(tmpdir(), "imgate-pg-"));
  const dataDir = join(dir, "data");
  // A unix socket path is limited to ~107 bytes; "<dir>/.s.PGSQL.5432" must fit.
  if (Buffer.byteLength(join(dir, `.s.PGSQL.${PORT}`)) > 100) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `The temp directory ${dir} is too long for a unix socket path: set TMPDIR to a short path.`,
    );
  }
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);

  let child: ChildProcess | undefined;
  let log = "";
  const stopNow = () => {
    if (isRunning(child)) child.kill("SIGQUIT");
    rmSync(dir, { recursive: true, force: true });
  };
  live.add(stopNow);

  try {
    const [initdb, initArgs] = command(
      join(binDir, "initdb"),
      [
        "-D",
        dataDir,
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
        "--no-instructions",
      ],
      runAs,
    );
    try {
      execFileSync(initdb, initArgs, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? "";
      const hint = runAs
        ? ` (as root, initdb and postgres run as uid ${runAs.uid}: every parent of ${dir} must be searchable by it; set TMPDIR to e.g. /tmp)`
        : "";
      throw new Error(`initdb failed: ${stderr.trim() || (error as Error).message}${hint}`);
    }

    const settings: Record<string, string> = {
      listen_addresses: "",
      unix_socket_directories: dir,
      port: String(PORT),
      fsync: "off",
      synchronous_commit: "off",
      full_page_writes: "off",
      max_connections: "50",
      shared_buffers: "16MB",
      ...options.settings,
    };
    const serverArgs = ["-D", dataDir, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
    const [postgres, postgresArgs] = command(join(binDir, "postgres"), serverArgs, runAs);
    const proc = spawn(postgres, postgresArgs, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      proc.stderr?.on("data", (chunk: Buffer) => {
        log += chunk.toString("utf8");
        if (log.includes("database system is ready to accept connections")) resolve();
      });
      proc.once("error", reject);
      proc.once("exit", (code, signal) =>
        reject(
          new Error(`postgres exited before accepting connections (code ${code}, signal ${signal}):\n${log}`),
        ),
      );
    });
  } catch (error) {
    live.delete(stopNow);
    stopNow();
    throw error;
  }

  const urlFor = (database: string) =>
    `postgresql://${SUPERUSER}@localhost:${PORT}/${database}?host=${encodeURIComponent(dir)}`;
  let databases = 0;
  const createDatabase = async (name = `test_${++databases}`): Promise<string> => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`Not a plain database name: ${name}`);
    const admin = new Client({ connectionString: urlFor("postgres") });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    return urlFor(name);
  };
  const versionText = execFileSync(join(binDir, "postgres"), ["--version"], { encoding: "utf8" });
  const version = Number(/\(PostgreSQL\) (\d+)/.exec(versionText)?.[1] ?? Number.NaN);

  const harness: PostgresHarness = {
    url: "",
    dir,
    socketDir: dir,
    version,
    pid: () => (isRunning(child) ? child.pid : undefined),
    logs: () => log,
    createDatabase,
    async stop() {
      const proc = child;
      if (isRunning(proc)) {
        // SIGINT is PostgreSQL's fast shutdown: roll back open transactions, close connections, stop.
        proc.kill("SIGINT");
        try {
          await waitFor(() => !isRunning(proc), "postgres to shut down", 10_000);
        } catch {
          proc.kill("SIGKILL");
          await waitFor(() => !isRunning(proc), "postgres to die", 10_000);
        }
      }
      child = undefined;
      live.delete(stopNow);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    harness.url = await createDatabase("imgate");
  } catch (error) {
    await harness.stop();
    throw error;
  }
  return harness;
}
