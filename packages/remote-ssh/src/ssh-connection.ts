import type { ImsgTransport } from "@imgate/imsg-rpc";
import { type BackoffOptions, backoffDelay } from "@imgate/imsg-rpc";
import type { ClientChannel, ConnectConfig, SFTPWrapper } from "ssh2";
import ssh2 from "ssh2";
import { loadAuthMethods } from "./auth-methods.ts";
import {
  type SshConnectionConfig,
  type SshConnectionConfigInput,
  sshConnectionConfigSchema,
} from "./connection-config.ts";
import { RemoteSshError, RemoteSshErrorCode } from "./errors.ts";
import { expandHome } from "./expand-home.ts";
import { createHostVerifier } from "./host-key-verifier.ts";
import { createImsgTransport, type ImsgTransportOptions } from "./imsg-transport.ts";
import { knownHostsName, knownKeyTypes, readKnownHosts } from "./known-hosts.ts";
import { type Clock, type Logger, nullLogger, systemClock } from "./logger.ts";
import { type ResolvedTarget, resolveTarget } from "./resolve-target.ts";

/** Lifecycle state of an {@link SshConnection}. */
export type SshConnectionState = "connecting" | "ready" | "backoff" | "closed";

/** Snapshot of an {@link SshConnection}'s health, for status and doctor output. */
export interface SshConnectionStatus {
  state: SshConnectionState;
  /** When the state last changed (clock ms). */
  since: number;
  /** Consecutive failed attempts (0 once ready). */
  failures: number;
  /** The most recent connection error, kept after recovery for diagnostics. */
  lastError?: RemoteSshError;
  /** When in backoff: clock ms of the next attempt. */
  nextAttemptAt?: number;
}

/** Options of {@link createSshConnection}. */
export interface SshConnectionOptions {
  logger?: Logger;
  clock?: Clock;
  /** TCP connect + handshake + auth deadline per attempt (default 20000 ms). */
  connectTimeoutMs?: number;
  /** Keepalive probe interval (default 15000 ms); the link is declared dead after `keepaliveCountMax` misses. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection is dropped (default 3). */
  keepaliveCountMax?: number;
  /** Reconnect backoff (first retry ≥ 1 s by default). */
  backoff?: BackoffOptions;
  /** Random source for backoff jitter (default Math.random). */
  random?: () => number;
  /** Environment to read `SSH_AUTH_SOCK` and `passphraseEnv` from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** One managed, multiplexed SSH connection to a remote Mac; reconnects by itself until closed. */
export interface SshConnection {
  /** Validated config (defaults applied). */
  readonly config: SshConnectionConfig;
  /** `ssh user@host:port` once resolved, else `ssh <host>`; for logs. */
  describe(): string;
  /** Current state and last error. */
  status(): SshConnectionStatus;
  /** Calls `listener` on every state change; returns an unsubscribe function. */
  onStatus(listener: (status: SshConnectionStatus) => void): () => void;
  /**
   * Resolves once the connection is ready. Rejects with the error of the next failed attempt, with
   * `CLOSED` after {@link close}, or with the last error after `timeoutMs` (default: connectTimeoutMs + max backoff).
   */
  ready(options?: { timeoutMs?: number }): Promise<void>;
  /** Opens an exec channel running `command` (already quoted for the remote shell). */
  exec(command: string): Promise<ClientChannel>;
  /** The SFTP session of the current connection (opened once per connection). */
  sftp(): Promise<SFTPWrapper>;
  /** An `ImsgTransport`: each call runs `<imsgPath> rpc [--db <dbPath>] …` on a fresh exec channel. */
  imsgTransport(options?: ImsgTransportOptions): ImsgTransport;
  /** Ends the connection and stops reconnecting. */
  close(): Promise<void>;
}

const HOST_KEY_ALGORITHMS: Record<string, string[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
};
const DEFAULT_HOST_KEY_ORDER = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
];

/** Host key algorithms with the types known_hosts already lists first (what OpenSSH does). */
function orderHostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const preferred = knownTypes.flatMap((t) => HOST_KEY_ALGORITHMS[t] ?? []);
  return [...new Set([...preferred, ...DEFAULT_HOST_KEY_ORDER])];
}

function mapClientError(err: Error & { level?: string }, target: ResolvedTarget | undefined): RemoteSshError {
  const where = target ? `${target.user}@${target.hostName}:${target.port}` : "the remote host";
  if (err.level === "client-authentication") {
    return new RemoteSshError(
      RemoteSshErrorCode.authFailed,
      `${where} refused every key offered (agent and identity files). Add your public key to ~/.ssh/authorized_keys of that user on the Mac, or set identityFile / load the key into ssh-agent.`,
      { cause: err, details: { host: where } },
    );
  }
  return new RemoteSshError(
    RemoteSshErrorCode.connectFailed,
    `Could not connect to ${where}: ${err.message}. Check that the Mac is reachable and Remote Login is on (System Settings → General → Sharing).`,
    { cause: err, details: { host: where, level: err.level } },
  );
}

/**
 * Creates and starts a managed connection. It connects at once, keeps the link alive, and reconnects
 * with exponential backoff after any failure or drop until {@link SshConnection.close} is called.
 * Throws `INVALID_CONFIG` synchronously for a bad config.
 */
export function createSshConnection(
  configInput: SshConnectionConfigInput,
  options: SshConnectionOptions = {},
): SshConnection {
  const parsed = sshConnectionConfigSchema.safeParse(configInput);
  if (!parsed.success) {
    throw new RemoteSshError(
      RemoteSshErrorCode.invalidConfig,
      `Invalid remote SSH config: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}.`,
      { cause: parsed.error },
    );
  }
  const config = parsed.data;
  const logger = options.logger ?? nullLogger;
  const clock = options.clock ?? systemClock;
  const env = options.env ?? process.env;
  const connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
  const random = options.random ?? Math.random;

  let status: SshConnectionStatus = { state: "connecting", since: clock.now(), failures: 0 };
  const listeners = new Set<(s: SshConnectionStatus) => void>();
  let client: ssh2.Client | undefined;
  let sftpPromise: Promise<SFTPWrapper> | undefined;
  let target: ResolvedTarget | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const describe = () =>
    target ? `ssh ${target.user}@${target.hostName}:${target.port}` : `ssh ${config.host}`;

  function setStatus(next: Partial<SshConnectionStatus> & { state: SshConnectionState }): void {
    status = { ...status, nextAttemptAt: undefined, ...next, since: clock.now() };
    if (status.nextAttemptAt === undefined) delete status.nextAttemptAt;
    for (const l of [...listeners]) l(status);
  }

  function fail(error: RemoteSshError): void {
    client = undefined;
    sftpPromise = undefined;
    if (closed) return;
    const failures = status.failures + 1;
    const delay = backoffDelay(failures, options.backoff, random);
    logger.warn(
      { remote: describe(), code: error.code, err: error.message, retryInMs: delay, failures },
      "ssh connection failed; retrying",
    );
    setStatus({ state: "backoff", failures, lastError: error, nextAttemptAt: clock.now() + delay });
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void attempt();
    }, delay);
  }

  async function attempt(): Promise<void> {
    if (closed) return;
    setStatus({ state: "connecting" });
    let refusal: RemoteSshError | undefined;
    let connectConfig: ConnectConfig;
    try {
      target = await resolveTarget(config);
      const knownHostsFile = expandHome(config.knownHostsFile ?? "~/.ssh/known_hosts");
      const entries = await readKnownHosts(knownHostsFile);
      const name = knownHostsName(target.hostName, target.port);
      const agentSocket = config.agent === false ? undefined : (config.agent ?? env.SSH_AUTH_SOCK);
      const passphrase = config.passphraseEnv ? env[config.passphraseEnv] : undefined;
      const authHandler = await loadAuthMethods({
        username: target.user,
        agentSocket: agentSocket ? expandHome(agentSocket) : undefined,
        identityFiles: target.identityFiles,
        passphrase,
        logger,
      });
      connectConfig = {
        host: target.hostName,
        port: target.port,
        username: target.user,
        readyTimeout: connectTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: options.keepaliveCountMax ?? 3,
        authHandler,
        algorithms: { serverHostKey: orderHostKeyAlgorithms(knownKeyTypes(entries, name)) as never },
        hostVerifier: createHostVerifier({
          entries,
          name,
          hostName: target.hostName,
          port: target.port,
          policy: config.hostKeyPolicy,
          knownHostsFile,
          logger,
          onRefused: (e) => {
            refusal = e;
          },
        }),
      };
    } catch (err) {
      fail(
        err instanceof RemoteSshError
          ? err
          : new RemoteSshError(
              RemoteSshErrorCode.invalidConfig,
              `Could not prepare the SSH connection to ${config.host}: ${String(err)}.`,
              { cause: err },
            ),
      );
      return;
    }
    if (closed) return;
    const c = new ssh2.Client();
    client = c;
    let settled = false;
    let wasReady = false;
    let lastErr: RemoteSshError | undefined;
    // Nagle + delayed ACK would hold every small request (SFTP realpath/stat/read, channel open) for
    // ~40 ms on an otherwise idle link; OpenSSH disables it too.
    c.on("connect", () => c.setNoDelay(true));
    c.on("ready", () => {
      if (closed || client !== c) {
        c.end();
        return;
      }
      wasReady = true;
      logger.info({ remote: describe() }, "ssh connection ready");
      setStatus({ state: "ready", failures: 0 });
    });
    c.on("error", (err: Error & { level?: string }) => {
      lastErr = refusal ?? mapClientError(err, target);
    });
    c.on("close", () => {
      if (settled) return;
      settled = true;
      if (client !== c) return;
      if (closed) return;
      const error =
        refusal ??
        lastErr ??
        new RemoteSshError(
          RemoteSshErrorCode.connectFailed,
          wasReady
            ? `The SSH connection to ${describe().slice(4)} dropped; reconnecting.`
            : `The SSH connection to ${describe().slice(4)} closed during setup.`,
        );
      fail(error);
    });
    try {
      c.connect(connectConfig);
    } catch (err) {
      settled = true;
      fail(mapClientError(err as Error, target));
    }
  }

  function ready(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (status.state === "ready") return Promise.resolve();
    if (status.state === "closed") return Promise.reject(closedError());
    const timeoutMs = opts.timeoutMs ?? connectTimeoutMs + (options.backoff?.maxMs ?? 60_000);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(
          status.lastError ??
            new RemoteSshError(
              RemoteSshErrorCode.connectFailed,
              `Timed out after ${timeoutMs} ms waiting for the SSH connection to ${config.host}.`,
            ),
        );
      }, timeoutMs);
      const unsubscribe = onStatus((s) => {
        if (s.state === "ready") resolve();
        else if (s.state === "closed") reject(closedError());
        else if (s.state === "backoff" && s.lastError) reject(s.lastError);
        else return;
        clearTimeout(timer);
        unsubscribe();
      });
    });
  }

  function closedError(): RemoteSshError {
    return new RemoteSshError(RemoteSshErrorCode.closed, `The SSH connection to ${config.host} was closed.`);
  }

  function onStatus(listener: (s: SshConnectionStatus) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  async function exec(command: string): Promise<ClientChannel> {
    await ready();
    const c = client;
    if (!c) throw closedError();
    return new Promise<ClientChannel>((resolve, reject) => {
      c.exec(command, (err, channel) => {
        if (err) {
          reject(
            new RemoteSshError(
              RemoteSshErrorCode.channelFailed,
              `The remote host refused an exec channel: ${err.message}. If many channels are open, raise MaxSessions in the Mac's sshd_config.`,
              { cause: err },
            ),
          );
        } else resolve(channel);
      });
    });
  }

  async function sftp(): Promise<SFTPWrapper> {
    await ready();
    const c = client;
    if (!c) throw closedError();
    if (!sftpPromise) {
      const p = new Promise<SFTPWrapper>((resolve, reject) => {
        c.sftp((err, s) => {
          if (err) {
            reject(
              new RemoteSshError(
                RemoteSshErrorCode.channelFailed,
                `The remote host refused the SFTP subsystem: ${err.message}. Enable "Subsystem sftp" in the Mac's sshd_config.`,
                { cause: err },
              ),
            );
            return;
          }
          s.on("close", () => {
            if (sftpPromise === p) sftpPromise = undefined;
          });
          resolve(s);
        });
      });
      sftpPromise = p;
      p.catch(() => {
        if (sftpPromise === p) sftpPromise = undefined;
      });
    }
    return sftpPromise;
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    if (retryTimer) clearTimeout(retryTimer);
    const c = client;
    client = undefined;
    sftpPromise = undefined;
    setStatus({ state: "closed" });
    if (c) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        c.once("close", () => {
          clearTimeout(t);
          resolve();
        });
        c.end();
      });
    }
  }

  const connection: SshConnection = {
    config,
    describe,
    status: () => status,
    onStatus,
    ready,
    exec,
    sftp,
    imsgTransport: (transportOptions) => createImsgTransport(connection, { logger, ...transportOptions }),
    close,
  };
  void attempt();
  return connection;
}
