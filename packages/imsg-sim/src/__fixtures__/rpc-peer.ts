import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSimDb, IMSG_BIN, IMSG_SIM_BIN } from "../testing.ts";
import { waitFor } from "../wait-for.ts";

/** One JSON line the stand-in wrote (parsed), or a raw line that was not JSON. */
export type Line = Record<string, unknown> & { raw?: string };

/** A temp dir with an empty chat.db and a HOME, removed by `cleanup`. */
export interface SimDir {
  dir: string;
  db: string;
  cleanup(): void;
}

/** Creates a temp dir holding an empty chat.db. */
export function makeSimDir(): SimDir {
  const dir = mkdtempSync(join(tmpdir(), "imsg-sim-test-"));
  return { dir, db: createSimDb(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `imsg rpc` as a real child process, with line capture and request helpers. */
export class RpcPeer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Line[] = [];
  stderr = "";
  #buffer = "";
  #nextId = 1000;
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}, home?: string) {
    this.child = spawn(IMSG_BIN, args, {
      env: { ...process.env, ...(home ? { HOME: home } : {}), ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => {
      this.#buffer += chunk;
      let newline = this.#buffer.indexOf("\n");
      while (newline >= 0) {
        const raw = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        try {
          this.lines.push(JSON.parse(raw) as Line);
        } catch {
          this.lines.push({ raw });
        }
        newline = this.#buffer.indexOf("\n");
      }
    });
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code)));
  }

  /** Starts `imsg rpc --db <db>` in the given compat mode. */
  static rpc(db: string, compat: "0.9" | "0.15", env: Record<string, string> = {}, home?: string): RpcPeer {
    return new RpcPeer(["rpc", "--db", db], { IMSG_SIM_COMPAT: compat, ...env }, home);
  }

  /** Bytes not yet terminated by a newline (a partial last line). */
  get pending(): string {
    return this.#buffer;
  }

  /** Writes one raw line. */
  writeLine(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Sends a request and resolves with its response line. */
  async request(method: string, params?: unknown): Promise<Line> {
    const id = this.#nextId++;
    this.writeLine(
      JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }),
    );
    return this.response(id);
  }

  /** Resolves with the response line carrying `id`. */
  response(id: string | number | null, timeoutMs?: number): Promise<Line> {
    return waitFor(
      () => this.lines.find((l) => l.id === id && ("result" in l || "error" in l)),
      `response ${id}`,
      timeoutMs,
    );
  }

  /** Notifications written so far, optionally of one method. */
  notifications(method?: string): Line[] {
    return this.lines.filter(
      (l) => l.id === undefined && typeof l.method === "string" && (!method || l.method === method),
    );
  }

  /** `message` payloads received so far. */
  messages(): Array<Record<string, unknown>> {
    return this.notifications("message").map(
      (l) => (l.params as { message: Record<string, unknown> }).message,
    );
  }

  /** Closes stdin and resolves with the exit code. */
  async close(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }

  /** Kills the child (cleanup after a failed test). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

/** Runs `bin/imsg` or `bin/imsg-sim` to completion. */
export function runBin(
  which: "imsg" | "imsg-sim",
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(which === "imsg" ? IMSG_BIN : IMSG_SIM_BIN, args, {
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
