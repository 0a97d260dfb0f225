import { z } from "zod";

/**
 * Connection settings for one remote Mac (`channels.imessage.remote`). Unset fields fall back to
 * `~/.ssh/config` for the `host` alias, then to OpenSSH defaults.
 */
export const sshConnectionConfigSchema = z
  .object({
    /** Host name, IP address or `~/.ssh/config` Host alias of the remote Mac. */
    host: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[A-Za-z0-9._:%[\]-]+$/, "host must be a host name, IP address or ssh_config alias"),
    /** Login user; default: ssh_config `User`, else the local user name. */
    user: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._-]+$/, "user must be a plain login name")
      .optional(),
    /** TCP port; default: ssh_config `Port`, else 22. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Private key file (`~` expanded); default: ssh_config `IdentityFile`, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa. */
    identityFile: z.string().min(1).optional(),
    /** Name of an environment variable holding the passphrase of an encrypted key file. Never logged. */
    passphraseEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
    /** known_hosts file (`~` expanded); default ~/.ssh/known_hosts. */
    knownHostsFile: z.string().min(1).optional(),
    /**
     * `strict` (default): an unknown host key is refused. `accept-new`: an unknown key is recorded in
     * knownHostsFile and accepted. A changed or revoked key is refused in both modes.
     */
    hostKeyPolicy: z.enum(["strict", "accept-new"]).default("strict"),
    /** The imsg binary on the remote Mac (absolute path or a name on the remote PATH). */
    imsgPath: z.string().min(1).default("imsg"),
    /** chat.db path on the remote Mac, passed as `--db`; default: imsg's own default. */
    dbPath: z.string().min(1).optional(),
    /** ssh_config file to read (`~` expanded); default ~/.ssh/config. Set to `"none"` to ignore it. */
    sshConfigFile: z.string().min(1).optional(),
    /** ssh-agent socket; default `SSH_AUTH_SOCK`. `false` disables the agent. */
    agent: z.union([z.string().min(1), z.literal(false)]).optional(),
  })
  .strict();

/** Validated connection settings (defaults applied). */
export type SshConnectionConfig = z.output<typeof sshConnectionConfigSchema>;
/** Connection settings as written in config (defaults optional). */
export type SshConnectionConfigInput = z.input<typeof sshConnectionConfigSchema>;
