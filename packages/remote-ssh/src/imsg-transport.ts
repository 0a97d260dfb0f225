import { PassThrough } from "node:stream";
import type { ExitInfo, ImsgProcess, ImsgTransport } from "@imgate/imsg-rpc";
import type { ClientChannel } from "ssh2";
import type { Logger } from "./logger.ts";
import { renderRemoteCommand } from "./shell-quote.ts";
import type { SshConnection } from "./ssh-connection.ts";

/** Options of `SshConnection.imsgTransport`. */
export interface ImsgTransportOptions {
  /** Extra arguments after `rpc [--db <dbPath>]`; each is shell-quoted. */
  args?: readonly string[];
  /**
   * Environment for the remote imsg, rendered as quoted `env NAME='value'` assignments in front of the
   * command (names must be shell identifiers). For tests and odd setups; values appear in the remote process list.
   */
  env?: Readonly<Record<string, string>>;
  /** Logger for remote stderr and lifecycle lines (default: the connection's). */
  logger?: Logger;
}

/** The exact command line a transport runs on the remote shell. */
export function imsgRpcCommand(
  config: { imsgPath: string; dbPath?: string | undefined },
  options: Pick<ImsgTransportOptions, "args" | "env"> = {},
): string {
  const argv = [config.imsgPath, "rpc"];
  if (config.dbPath !== undefined) argv.push("--db", config.dbPath);
  argv.push(...(options.args ?? []));
  return renderRemoteCommand(argv, options.env);
}

const SIGNALS: Record<string, NodeJS.Signals> = {
  ABRT: "SIGABRT",
  ALRM: "SIGALRM",
  FPE: "SIGFPE",
  HUP: "SIGHUP",
  ILL: "SIGILL",
  INT: "SIGINT",
  KILL: "SIGKILL",
  PIPE: "SIGPIPE",
  QUIT: "SIGQUIT",
  SEGV: "SIGSEGV",
  TERM: "SIGTERM",
  USR1: "SIGUSR1",
  USR2: "SIGUSR2",
};

/** Wraps an open exec channel as an {@link ImsgProcess}. */
export function channelToImsgProcess(
  channel: ClientChannel,
  connection: Pick<SshConnection, "onStatus">,
  describe: string,
  logger: Logger,
): ImsgProcess {
  let exitInfo: ExitInfo = { code: null, signal: null };
  let settle!: (info: ExitInfo) => void;
  let settled = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    settle = (info) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      resolve(info);
    };
  });
  channel.on("exit", (code: number | null, signal?: string) => {
    exitInfo =
      typeof code === "number"
        ? { code, signal: null }
        : { code: null, signal: SIGNALS[signal ?? ""] ?? (signal ? "SIGTERM" : null) };
  });
  channel.on("close", () => {
    logger.info({ remote: describe, ...exitInfo }, "remote imsg exited");
    settle(exitInfo);
  });
  // Backstop: when the connection leaves `ready` the channel is gone even if ssh2 has not said so yet.
  const unsubscribe = connection.onStatus((s) => {
    if (s.state !== "ready") {
      settle(exitInfo);
    }
  });

  // Remote stderr: logged here line by line and also exposed to the client.
  const stderr = new PassThrough();
  let pending = "";
  channel.stderr.on("data", (chunk: Buffer) => {
    stderr.write(chunk);
    pending += chunk.toString("utf8");
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      const line = pending.slice(0, nl).trimEnd();
      pending = pending.slice(nl + 1);
      if (line) logger.warn({ remote: describe, line }, "remote imsg stderr");
      nl = pending.indexOf("\n");
    }
  });
  channel.stderr.on("end", () => {
    if (pending.trim()) logger.warn({ remote: describe, line: pending.trim() }, "remote imsg stderr");
    stderr.end();
  });
  // A channel error (e.g. the connection died) must not crash the process; `close` settles `exited`.
  channel.on("error", (err: Error) =>
    logger.debug({ remote: describe, err: err.message }, "exec channel error"),
  );

  return {
    stdout: channel,
    stdin: channel,
    stderr,
    exited,
    describe,
    kill(signal: NodeJS.Signals = "SIGTERM") {
      if (settled) return;
      const name = signal.replace(/^SIG/, "");
      try {
        channel.signal(name);
      } catch {
        // Not all servers accept signal requests; closing the channel below still ends the peer.
      }
      if (signal === "SIGKILL") channel.close();
      else channel.end();
    },
  };
}

/**
 * Creates an {@link ImsgTransport} over `connection`: each call waits for the connection, opens a new
 * exec channel running {@link imsgRpcCommand}, and returns it as an {@link ImsgProcess}. When the
 * connection drops, the process's `exited` settles so a supervisor restarts it once the link is back.
 */
export function createImsgTransport(
  connection: Pick<SshConnection, "config" | "exec" | "onStatus" | "describe">,
  options: ImsgTransportOptions & { logger: Logger },
): ImsgTransport {
  const command = imsgRpcCommand(connection.config, options);
  return async () => {
    const channel = await connection.exec(command);
    const describe = `${connection.describe()}: ${connection.config.imsgPath} rpc`;
    options.logger.info({ remote: describe }, "remote imsg started");
    return channelToImsgProcess(channel, connection, describe, options.logger);
  };
}
