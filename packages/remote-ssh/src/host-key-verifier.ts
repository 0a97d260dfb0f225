import { RemoteSshError, RemoteSshErrorCode } from "./errors.ts";
import {
  appendKnownHost,
  checkHostKey,
  hostKeyFingerprint,
  type KnownHostEntry,
  keyTypeOfBlob,
} from "./known-hosts.ts";
import type { Logger } from "./logger.ts";

/** Inputs of {@link createHostVerifier}. */
export interface HostVerifierOptions {
  entries: readonly KnownHostEntry[];
  /** known_hosts name of the host (`host` or `[host]:port`). */
  name: string;
  /** Host and port as dialled, for the ssh-keyscan hint. */
  hostName: string;
  port: number;
  policy: "strict" | "accept-new";
  knownHostsFile: string;
  logger: Logger;
  /** Receives the refusal, so the connection can report it instead of ssh2's generic handshake error. */
  onRefused(error: RemoteSshError): void;
}

/** An ssh2 `hostVerifier` that enforces known_hosts (see {@link HostVerifierOptions.policy}). */
export function createHostVerifier(
  options: HostVerifierOptions,
): (key: Buffer, verify: (ok: boolean) => void) => void {
  const { name, logger, knownHostsFile } = options;
  return (key, verify) => {
    const fingerprint = hostKeyFingerprint(key);
    const keyType = keyTypeOfBlob(key);
    const verdict = checkHostKey(options.entries, name, key);
    const details = { host: name, keyType, fingerprint, knownHostsFile };
    if (verdict.status === "match") {
      verify(true);
      return;
    }
    if (verdict.status === "revoked") {
      const error = new RemoteSshError(
        RemoteSshErrorCode.hostKeyRevoked,
        `The host key of ${name} (${keyType} ${fingerprint}) is marked @revoked in ${knownHostsFile} (line ${verdict.line}); refusing to connect. Replace the key on the remote Mac.`,
        { details },
      );
      logger.error({ ...details, line: verdict.line }, "revoked host key refused");
      options.onRefused(error);
      verify(false);
      return;
    }
    if (verdict.status === "changed") {
      const error = new RemoteSshError(
        RemoteSshErrorCode.hostKeyChanged,
        `HOST KEY CHANGED for ${name}: it now presents ${keyType} ${fingerprint}, which does not match ${knownHostsFile} line(s) ${verdict.lines.join(", ")} (known types: ${verdict.knownTypes.join(", ")}). This may be an attack (or the Mac was reinstalled). Refusing to connect. If the change is expected, verify the new fingerprint on the Mac (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then run: ssh-keygen -f ${knownHostsFile} -R '${name}'`,
        { details: { ...details, lines: verdict.lines } },
      );
      logger.error({ ...details, lines: verdict.lines }, "HOST KEY CHANGED: connection refused");
      options.onRefused(error);
      verify(false);
      return;
    }
    if (options.policy === "accept-new") {
      appendKnownHost(knownHostsFile, name, key).then(
        () => {
          logger.warn(details, "new host key recorded (hostKeyPolicy accept-new)");
          verify(true);
        },
        (err: unknown) => {
          const error = new RemoteSshError(
            RemoteSshErrorCode.hostKeyUnknown,
            `Could not record the host key of ${name} (${fingerprint}) in ${knownHostsFile}: ${String(err)}. Fix the file's permissions.`,
            { cause: err, details },
          );
          logger.error(details, "could not record new host key");
          options.onRefused(error);
          verify(false);
        },
      );
      return;
    }
    const portFlag = options.port === 22 ? "" : ` -p ${options.port}`;
    const error = new RemoteSshError(
      RemoteSshErrorCode.hostKeyUnknown,
      `Unknown host key for ${name}: ${keyType} ${fingerprint}. Check this fingerprint on the Mac (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then run: ssh-keyscan${portFlag} ${options.hostName} >> ${knownHostsFile} — or set hostKeyPolicy: "accept-new" to record it on first connect.`,
      { details },
    );
    logger.error(details, "unknown host key refused (hostKeyPolicy strict)");
    options.onRefused(error);
    verify(false);
  };
}
