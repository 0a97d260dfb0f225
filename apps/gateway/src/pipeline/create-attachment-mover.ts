import type { Envelope, Logger } from "@imgate/channel-core";
import {
  type ResolvedImessageAccount,
  resolveAttachmentHost,
  type StageUpload,
} from "@imgate/imessage-channel";
import type { RemoteAttachments, SshConnection, SshConnectionConfigInput } from "@imgate/remote-ssh";
import type { AccountTransport } from "./create-account-transport.ts";

/** Moves attachments between this machine and the Mac of a remote account. */
export interface AttachmentMover {
  /**
   * Fetches the envelope's attachments into `<stateDir>/media/<account>/<guid>/<name>` (each capped at
   * `mediaMaxMb`). Refused or failed fetches are logged and left out. Returns local paths by attachment
   * index, or undefined when the account's attachments turn out to be on this machine (a plain `cliPath`).
   */
  fetchAll(envelope: Envelope): Promise<Map<number, string> | undefined>;
  /** Uploads a local file to the Mac before `send` (imessage-channel's delivery `stageUpload`). */
  stageUpload: StageUpload;
  /** Closes the extra SSH connection of a wrapper or `remoteHost` account. */
  close(): Promise<void>;
}

/** Options of {@link createAttachmentMover}. */
export interface AttachmentMoverOptions {
  stateDir: string;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

/** `user@host` or `host` (what `remoteHost` holds) → connection settings. */
function destinationConfig(destination: string): SshConnectionConfigInput {
  const at = destination.lastIndexOf("@");
  return at > 0 ? { host: destination.slice(at + 1), user: destination.slice(0, at) } : { host: destination };
}

/** The SSH connection attachments travel over, or a reason why there is none. */
async function attachmentConnection(
  account: ResolvedImessageAccount,
  transport: AccountTransport,
  options: AttachmentMoverOptions,
): Promise<{ connection: SshConnection; owned: boolean } | { reason: string } | undefined> {
  if (transport.ssh) return { connection: await transport.ssh(), owned: false };
  const host = await resolveAttachmentHost(account, { logger: options.logger });
  let config: SshConnectionConfigInput;
  switch (host.source) {
    case "local":
      return undefined;
    case "unknown":
      return { reason: host.reason };
    case "remoteHost":
      config = destinationConfig(host.destination);
      break;
    case "wrapper": {
      const { wrapper } = host;
      config = {
        host: wrapper.host,
        ...(wrapper.user ? { user: wrapper.user } : {}),
        ...(wrapper.port ? { port: wrapper.port } : {}),
        ...(wrapper.identityFile ? { identityFile: wrapper.identityFile } : {}),
        ...(wrapper.sshConfigFile ? { sshConfigFile: wrapper.sshConfigFile } : {}),
      };
      break;
    }
    default:
      return undefined;
  }
  // remote-ssh (ssh2) is loaded on the first attachment of a remote account, never by local ones.
  const { createSshConnection } = await import("@imgate/remote-ssh");
  const connection = createSshConnection(config, { logger: options.logger, env: options.env });
  return { connection, owned: true };
}

/**
 * The attachment mover of a remote account (`remote`, `remoteHost`, or an SSH wrapper `cliPath`), or
 * undefined when attachments are on this machine. For a wrapper or `remoteHost` a separate ssh2
 * connection is opened lazily (on the first attachment); an unreadable wrapper means attachments are
 * not fetched (fail-closed) and outbound files are refused.
 */
export function createAttachmentMover(
  account: ResolvedImessageAccount,
  transport: AccountTransport,
  options: AttachmentMoverOptions,
): AttachmentMover | undefined {
  if (!transport.ssh && !account.remoteHost && account.cliPath === "imsg") return undefined;
  const { logger } = options;
  let resolved:
    | Promise<
        | { moves: RemoteAttachments; connection: SshConnection; owned: boolean }
        | { reason: string }
        | undefined
      >
    | undefined;
  let closed = false;
  const moverOf = () => {
    resolved ??= attachmentConnection(account, transport, options).then(async (found) => {
      if (!found || "reason" in found) return found;
      if (closed && found.owned) {
        void found.connection.close();
        return { reason: "the account stopped" };
      }
      const { createRemoteAttachments } = await import("@imgate/remote-ssh");
      const moves = createRemoteAttachments(found.connection, {
        stateDir: options.stateDir,
        remoteAttachmentRoots: account.remoteAttachmentRoots,
        logger,
      });
      return { moves, connection: found.connection, owned: found.owned };
    });
    return resolved;
  };

  return {
    async fetchAll(envelope) {
      const paths = new Map<number, string>();
      if (envelope.attachments.length === 0) return paths;
      const mover = await moverOf();
      // A plain local cliPath after all: the files are on this machine.
      if (!mover) return undefined;
      if ("reason" in mover) {
        logger.warn({ guid: envelope.guid, reason: mover.reason }, "attachments not fetched");
        return paths;
      }
      await Promise.all(
        envelope.attachments.map(async (attachment, index) => {
          try {
            const fetched = await mover.moves.fetchAttachment({
              remotePath: attachment.sourcePath,
              account: account.accountId,
              guid: envelope.guid,
              name: attachment.name,
              maxBytes: account.mediaMaxMb * 1024 * 1024,
            });
            paths.set(index, fetched.localPath);
          } catch (error) {
            logger.warn(
              { err: error, guid: envelope.guid, attachment: attachment.name },
              "attachment not fetched; the message is answered without it",
            );
          }
        }),
      );
      return paths;
    },
    async stageUpload(localPath) {
      const mover = await moverOf();
      if (!mover) return { remotePath: localPath };
      if ("reason" in mover) throw new Error(`Cannot upload ${localPath} to the Mac: ${mover.reason}.`);
      return mover.moves.stageUpload(localPath);
    },
    async close() {
      closed = true;
      const mover = await resolved?.catch(() => undefined);
      if (mover && "owned" in mover && mover.owned) await mover.connection.close().catch(() => {});
    },
  };
}
