import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AgentAuthMethod, PublicKeyAuthMethod } from "ssh2";
import ssh2 from "ssh2";
import { RemoteSshError, RemoteSshErrorCode } from "./errors.ts";
import { expandHome, homeDirectory } from "./expand-home.ts";
import type { Logger } from "./logger.ts";

/** Inputs for {@link loadAuthMethods}. */
export interface AuthSources {
  username: string;
  /** Agent socket path; undefined for none. */
  agentSocket: string | undefined;
  /** Explicit identity files (config or ssh_config). When empty, OpenSSH's default key names are tried. */
  identityFiles: readonly string[];
  /** Passphrase for encrypted keys (from the env var named in config); never logged. */
  passphrase: string | undefined;
  logger: Logger;
}

const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];

/**
 * Builds the ordered auth methods: the SSH agent first, then each usable key file. An explicitly named
 * key that is encrypted without a passphrase is an error (the user asked for it); default keys that
 * are missing or encrypted are skipped.
 */
export async function loadAuthMethods(
  sources: AuthSources,
): Promise<Array<AgentAuthMethod | PublicKeyAuthMethod>> {
  const methods: Array<AgentAuthMethod | PublicKeyAuthMethod> = [];
  if (sources.agentSocket) {
    methods.push({ type: "agent", username: sources.username, agent: sources.agentSocket });
  }
  const explicit = sources.identityFiles.length > 0;
  const files = explicit
    ? sources.identityFiles.map((file) => expandHome(file))
    : DEFAULT_KEYS.map((k) => join(homeDirectory(), ".ssh", k));
  for (const file of files) {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      if (explicit) {
        sources.logger.warn({ identityFile: file, err: String(err) }, "identity file unreadable; skipped");
      }
      continue;
    }
    const parsed = ssh2.utils.parseKey(data, sources.passphrase);
    if (parsed instanceof Error) {
      const encrypted = /encrypted|passphrase|decrypt/i.test(parsed.message);
      if (encrypted && explicit) {
        throw new RemoteSshError(
          RemoteSshErrorCode.keyPassphraseMissing,
          sources.passphrase === undefined
            ? `The key ${file} is encrypted: set passphraseEnv in the remote config to the name of an environment variable holding its passphrase, or load the key into ssh-agent.`
            : `The key ${file} could not be decrypted with the passphrase from passphraseEnv: check the variable's value.`,
          { cause: parsed, details: { identityFile: file } },
        );
      }
      sources.logger.warn({ identityFile: file, err: parsed.message }, "identity file not usable; skipped");
      continue;
    }
    methods.push({
      type: "publickey",
      username: sources.username,
      key: data,
      ...(sources.passphrase === undefined ? {} : { passphrase: sources.passphrase }),
    });
  }
  return methods;
}
