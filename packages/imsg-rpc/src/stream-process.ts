import type { Readable, Writable } from "node:stream";
import type { ExitInfo, ImsgProcess } from "./transport.ts";

/** Options of {@link streamProcess}. */
export interface StreamProcessOptions {
  /** NDJSON from the peer. */
  stdout: Readable;
  /** NDJSON to the peer. */
  stdin: Writable;
  stderr?: Readable;
  /** For logs and errors, e.g. `ssh bot@mac: imsg rpc`. */
  describe: string;
  /** Settles when the peer is gone; defaults to the moment `stdout` ends or closes. */
  exited?: Promise<ExitInfo>;
  /** Ends the peer; defaults to destroying both streams. */
  kill?: (signal?: NodeJS.Signals) => void;
}

/**
 * Wraps any duplex pair (an SSH exec channel, an in-memory pipe) as an {@link ImsgProcess}, so
 * `createImsgClient({ transport: async () => streamProcess({...}) })` works without a child process.
 */
export function streamProcess(options: StreamProcessOptions): ImsgProcess {
  const { stdout, stdin } = options;
  stdin.on("error", () => {});
  const exited =
    options.exited ??
    new Promise<ExitInfo>((resolve) => {
      const done = () => resolve({ code: null, signal: null });
      if (stdout.readableEnded || stdout.destroyed) done();
      stdout.once("end", done);
      stdout.once("close", done);
    });
  const kill =
    options.kill ??
    (() => {
      stdin.destroy();
      stdout.destroy();
      options.stderr?.destroy();
    });
  return {
    stdout,
    stdin,
    ...(options.stderr ? { stderr: options.stderr } : {}),
    exited,
    kill,
    describe: options.describe,
  };
}
