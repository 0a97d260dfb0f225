import { userInfo } from "node:os";
import type { SshConnectionConfig } from "./connection-config.ts";
import { expandHome } from "./expand-home.ts";
import { resolveSshConfig } from "./ssh-config.ts";

/** Where and as whom to connect, after `~/.ssh/config` is applied. */
export interface ResolvedTarget {
  /** The configured name (alias), for messages. */
  alias: string;
  /** The host actually dialled (ssh_config HostName, else the alias). */
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
}

/** Applies ssh_config to the connection config. Explicit config fields win over ssh_config. */
export async function resolveTarget(config: SshConnectionConfig): Promise<ResolvedTarget> {
  const fromFile =
    config.sshConfigFile === "none"
      ? { identityFiles: [] }
      : await resolveSshConfig(
          config.host,
          config.sshConfigFile === undefined ? undefined : expandHome(config.sshConfigFile),
        );
  return {
    alias: config.host,
    hostName: fromFile.hostName ?? config.host,
    port: config.port ?? fromFile.port ?? 22,
    user: config.user ?? fromFile.user ?? userInfo().username,
    identityFiles: config.identityFile ? [config.identityFile] : fromFile.identityFiles,
  };
}
