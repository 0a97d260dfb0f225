import type { Logger } from "@imgate/channel-core";
import type { ResolvedImessageAccount } from "@imgate/imessage-channel";
import { type ImsgTransport, spawnTransport } from "@imgate/imsg-rpc";
import type { SshConnection } from "@imgate/remote-ssh";
import { expandHome } from "../config/expand-home.ts";

/** How an account reaches imsg: a local child process, or an exec channel over ssh2. */
export interface AccountTransport {
  kind: "local" | "ssh";
  transport: ImsgTransport;
  /**
   * The SSH connection of a remote account, created on first use (remote-ssh, and with it ssh2, is only
   * loaded by accounts that need it); closed on stop.
   */
  ssh?: () => Promise<SshConnection>;
  close(): Promise<void>;
}

/**
 * Builds the transport of an account: `remote` → one managed ssh2 connection running `<imsgPath> rpc`
 * over an exec channel; otherwise `cliPath rpc [--db dbPath]` spawned locally (an SSH wrapper script
 * works too: it is just a command).
 */
export function createAccountTransport(
  account: ResolvedImessageAccount,
  options: { logger: Logger; env: NodeJS.ProcessEnv },
): AccountTransport {
  const { remote } = account;
  if (remote) {
    let connecting: Promise<SshConnection> | undefined;
    const ssh = () =>
      (connecting ??= import("@imgate/remote-ssh").then(({ createSshConnection }) =>
        createSshConnection(remote, { logger: options.logger, env: options.env }),
      ));
    let transport: ImsgTransport | undefined;
    return {
      kind: "ssh",
      transport: async () => {
        transport ??= (await ssh()).imsgTransport();
        return transport();
      },
      ssh,
      close: async () => {
        if (connecting) await (await connecting).close();
      },
    };
  }
  const transport = spawnTransport({
    cliPath: expandHome(account.cliPath, options.env),
    ...(account.dbPath ? { dbPath: expandHome(account.dbPath, options.env) } : {}),
    // The gateway's environment (not necessarily process.env) is what imsg runs with.
    env: { ...options.env },
  });
  return { kind: "local", transport, close: async () => {} };
}
