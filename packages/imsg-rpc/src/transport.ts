import type { Readable, Writable } from "node:stream";

/** How an `imsg rpc` process (or anything speaking its protocol) ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One running `imsg rpc` peer: a local child process, or an exec channel on a remote Mac.
 * The client owns it from the moment the transport hands it over.
 */
export interface ImsgProcess {
  /** NDJSON from imsg. */
  stdout: Readable;
  /** NDJSON to imsg. Ending it asks imsg to drain and exit. */
  stdin: Writable;
  /** Human diagnostics; logged line by line, never parsed as protocol. */
  stderr?: Readable;
  /** Settles once when the peer is gone. Never rejects. */
  exited: Promise<ExitInfo>;
  /** Forcefully ends the peer (SIGTERM, then SIGKILL if the caller escalates). */
  kill(signal?: NodeJS.Signals): void;
  /** For logs and errors: e.g. `imsg rpc (pid 1234)` or `ssh bot@mac-mini: imsg rpc`. */
  describe: string;
  /** OS process id, when the peer is a local child (for logs, and tests that kill it). */
  pid?: number | undefined;
  /** The imsg binary the peer runs, named in Full Disk Access errors; defaults to `describe`. */
  binary?: string | undefined;
}

/** Starts a fresh peer; called once per (re)start by the supervisor. Rejects when it cannot start. */
export type ImsgTransport = () => Promise<ImsgProcess>;
