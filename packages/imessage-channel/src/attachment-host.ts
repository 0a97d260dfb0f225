/**
 * Where an account's attachments live (channel-behavior §10, decision Q11): the native `remote` host,
 * an explicit `remoteHost`, the host of an SSH wrapper `cliPath` (read by remote-ssh's shell-word
 * tokeniser), or this machine. Detection is fail-closed: an unreadable wrapper or an unsupported jump
 * host gives `unknown`, and attachments are then not fetched rather than read from the wrong machine.
 */
import type { Logger } from "@imgate/channel-core";
import type { WrapperHost } from "@imgate/remote-ssh";
import type { ResolvedImessageAccount } from "./resolve-accounts.ts";

/** Where attachments are. */
export type AttachmentHost =
  | { source: "remote"; host: string; user?: string; port?: number }
  | { source: "remoteHost"; destination: string }
  | { source: "wrapper"; destination: string; wrapper: WrapperHost }
  | { source: "local" }
  | { source: "unknown"; reason: string };

/** Options of {@link resolveAttachmentHost}. */
export interface AttachmentHostOptions {
  logger: Logger;
  /** remote-ssh's `readWrapperHost` (injectable for tests). */
  readWrapperHost?: (scriptPath: string) => Promise<WrapperHost | undefined>;
}

/** Resolves where an account's attachment paths point. Never throws. */
export async function resolveAttachmentHost(
  account: Pick<ResolvedImessageAccount, "accountId" | "remote" | "remoteHost" | "cliPath">,
  options: AttachmentHostOptions,
): Promise<AttachmentHost> {
  if (account.remote) {
    return {
      source: "remote",
      host: account.remote.host,
      ...(account.remote.user ? { user: account.remote.user } : {}),
      ...(account.remote.port ? { port: account.remote.port } : {}),
    };
  }
  if (account.remoteHost) return { source: "remoteHost", destination: account.remoteHost };
  if (account.cliPath === "imsg") return { source: "local" };
  // Loaded here, for wrapper accounts only: remote-ssh brings ssh2, which local accounts never need.
  const read = options.readWrapperHost ?? (await import("@imgate/remote-ssh")).readWrapperHost;
  let wrapper: WrapperHost | undefined;
  try {
    wrapper = await read(account.cliPath);
  } catch (error) {
    const reason = `could not read ${account.cliPath} to find its SSH host; set channels.imessage.remoteHost`;
    options.logger.warn({ err: error, accountId: account.accountId }, `imessage: ${reason}`);
    return { source: "unknown", reason };
  }
  if (!wrapper) return { source: "local" };
  if (wrapper.proxyJump) {
    const reason = `${account.cliPath} connects through a jump host (-J ${wrapper.proxyJump}), which attachment fetching does not support; set channels.imessage.remote instead`;
    options.logger.warn({ accountId: account.accountId }, `imessage: ${reason}`);
    return { source: "unknown", reason };
  }
  return { source: "wrapper", destination: wrapper.destination, wrapper };
}
