import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { RemoteSshError, RemoteSshErrorCode } from "./errors.ts";
import { expandHome } from "./expand-home.ts";
import { type ShellWord, splitShellCommands } from "./shell-words.ts";

/** Where an SSH wrapper script connects to. */
export interface WrapperHost {
  /** Host name or alias (resolve it through ~/.ssh/config as usual). */
  host: string;
  /** Login user from `user@host`, `-l` or `-o User=`. */
  user?: string;
  /** Port from `-p`, `-o Port=` or `ssh://host:port`. */
  port?: number;
  /** `-i` identity file, when the wrapper names one. */
  identityFile?: string;
  /** `-F` ssh_config file, when the wrapper names one. */
  sshConfigFile?: string;
  /** `-J` jump host; remote-ssh does not support jump hosts, so callers should refuse it. */
  proxyJump?: string;
  /** `user@host` as it appeared (for `remoteHost`). */
  destination: string;
}

// ssh(1) options that take an argument (OpenSSH 9): -B -b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w
const WITH_VALUE = new Set("BbcDEeFIiJLlmOopQRSWw");
// Words that may precede the real command: `exec ssh …`, `command ssh …`, `env A=b ssh …`, `nohup ssh …`.
const PREFIX = new Set(["exec", "command", "nohup", "env", "builtin"]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function parsePort(v: string): number | undefined {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/** Parses one `ssh …` argument list (after the `ssh` word); undefined when there is no usable destination. */
function parseSshArgs(args: readonly ShellWord[]): WrapperHost | undefined {
  let user: string | undefined;
  let port: number | undefined;
  let identityFile: string | undefined;
  let sshConfigFile: string | undefined;
  let proxyJump: string | undefined;
  let i = 0;
  const setOption = (flag: string, value: string) => {
    if (flag === "l") user = value;
    else if (flag === "p") port = parsePort(value);
    else if (flag === "i") identityFile = value;
    else if (flag === "F") sshConfigFile = value;
    else if (flag === "J") proxyJump = value;
    else if (flag === "o") {
      const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(value);
      const key = m?.[1]?.toLowerCase();
      const v = m?.[2]?.trim() ?? "";
      if (key === "user") user = v;
      else if (key === "port") port = parsePort(v);
      else if (key === "identityfile") identityFile = v;
      else if (key === "proxyjump") proxyJump = v;
    }
  };
  for (; i < args.length; i++) {
    const word = args[i] as ShellWord;
    const w = word.value;
    if (w === "--") {
      i++;
      break;
    }
    if (!w.startsWith("-") || w === "-") break;
    for (let j = 1; j < w.length; j++) {
      const flag = w[j] as string;
      if (!WITH_VALUE.has(flag)) continue;
      const rest = w.slice(j + 1);
      const value = rest !== "" ? rest : (args[++i]?.value ?? "");
      setOption(flag, value);
      break;
    }
  }
  const dest = args[i];
  if (!dest || dest.dynamic || dest.value === "") return undefined;
  let destination = dest.value;
  let host = destination;
  if (host.startsWith("ssh://")) {
    const m = /^ssh:\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(host);
    if (!m) return undefined;
    if (m[1]) user = m[1];
    host = (m[2] ?? "").replace(/^\[|\]$/g, "");
    if (m[3]) port = parsePort(m[3]);
    destination = user ? `${user}@${host}` : host;
  } else {
    const at = host.lastIndexOf("@");
    if (at >= 0) {
      user = host.slice(0, at);
      host = host.slice(at + 1);
    }
  }
  if (!/^[A-Za-z0-9._:%[\]-]+$/.test(host)) return undefined;
  return {
    host,
    destination,
    ...(user ? { user } : {}),
    ...(port ? { port } : {}),
    ...(identityFile ? { identityFile } : {}),
    ...(sshConfigFile ? { sshConfigFile } : {}),
    ...(proxyJump ? { proxyJump } : {}),
  };
}

/**
 * Finds the destination of the first `ssh` command in wrapper-script text (decision Q11): the script is
 * read as shell words one command at a time, and only a command whose program is `ssh` (any directory)
 * counts, after `exec`/`env`/assignments. A destination built from variables is not guessed.
 */
export function parseWrapperHost(script: string): WrapperHost | undefined {
  for (const words of splitShellCommands(script)) {
    let i = 0;
    while (i < words.length) {
      const w = words[i] as ShellWord;
      if (
        ASSIGNMENT.test(w.value) ||
        PREFIX.has(w.value) ||
        (words[i - 1]?.value === "env" && w.value.startsWith("-"))
      ) {
        i++;
        continue;
      }
      break;
    }
    const program = words[i];
    if (!program || program.dynamic || posix.basename(program.value) !== "ssh") continue;
    const host = parseSshArgs(words.slice(i + 1));
    if (host) return host;
  }
  return undefined;
}

/**
 * Reads an SSH wrapper script (`cliPath`, `~` expanded) and returns where it connects, or undefined when
 * it holds no `ssh` command. Throws `WRAPPER_UNREADABLE` when the file cannot be read.
 */
export async function readWrapperHost(scriptPath: string): Promise<WrapperHost | undefined> {
  let text: string;
  try {
    text = await readFile(expandHome(scriptPath), "utf8");
  } catch (err) {
    throw new RemoteSshError(
      RemoteSshErrorCode.wrapperUnreadable,
      `Could not read the imsg wrapper script ${scriptPath}: ${String(err)}. Set remoteHost (or remote.host) explicitly.`,
      { cause: err, details: { scriptPath } },
    );
  }
  return parseWrapperHost(text);
}
