import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expandHome, homeDirectory } from "./expand-home.ts";
import { matchPatternList } from "./host-pattern.ts";

/** What `~/.ssh/config` says about one host (only the keys remote-ssh honours). */
export interface SshConfigEntry {
  /** Real host name (`HostName`), when the alias maps to one. */
  hostName?: string;
  /** Login user (`User`). */
  user?: string;
  /** Port (`Port`). */
  port?: number;
  /** Identity files in order (`IdentityFile`, all occurrences, `~` and `%d`/`%u`/`%h`/`%r` expanded). */
  identityFiles: string[];
}

interface Block {
  patterns: string[] | null; // null: before any Host line (applies to every host); [] never matches
  options: Array<[string, string]>;
}

/** Splits one config line into keyword and arguments (`Key value`, `Key=value`, double quotes). */
function splitLine(line: string): [string, string[]] | null {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return null;
  const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(trimmed);
  if (!m) return null;
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let a = re.exec(m[2] ?? ""); a; a = re.exec(m[2] ?? "")) {
    args.push(a[1] ?? a[2] ?? "");
  }
  return [(m[1] ?? "").toLowerCase(), args];
}

/** Parses `ssh_config` text into Host blocks. `Match` blocks are skipped (never applied). */
function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [{ patterns: null, options: [] }];
  for (const line of text.split(/\r?\n/)) {
    const parsed = splitLine(line);
    if (!parsed) continue;
    const [key, args] = parsed;
    if (key === "host") {
      blocks.push({ patterns: args, options: [] });
    } else if (key === "match") {
      blocks.push({ patterns: [], options: [] });
    } else if (args[0] !== undefined) {
      blocks.at(-1)?.options.push([key, args[0]]);
    }
  }
  return blocks;
}

function expandTokens(value: string, tokens: { host: string; user?: string }): string {
  const home = homeDirectory();
  const withTilde = expandHome(value);
  return withTilde.replace(/%([%dhur])/g, (whole, t: string) => {
    if (t === "%") return "%";
    if (t === "d") return home;
    if (t === "h") return tokens.host;
    return tokens.user ?? whole;
  });
}

/**
 * Resolves `host` against ssh_config text the way OpenSSH does for the keys we use: blocks are read in
 * order, and for each key the first value obtained wins (`IdentityFile` accumulates).
 */
export function resolveSshConfigText(text: string, host: string): SshConfigEntry {
  const out: SshConfigEntry = { identityFiles: [] };
  const rawIdentity: string[] = [];
  for (const block of parseBlocks(text)) {
    if (block.patterns !== null && !matchPatternList(block.patterns, host)) continue;
    for (const [key, value] of block.options) {
      if (key === "hostname" && out.hostName === undefined) out.hostName = value;
      else if (key === "user" && out.user === undefined) out.user = value;
      else if (key === "port" && out.port === undefined) {
        const port = Number(value);
        if (Number.isInteger(port) && port > 0 && port < 65536) out.port = port;
      } else if (key === "identityfile") rawIdentity.push(value);
    }
  }
  if (out.hostName !== undefined) out.hostName = out.hostName.replaceAll("%h", host);
  const tokenHost = out.hostName ?? host;
  out.identityFiles = rawIdentity
    .filter((f) => f.toLowerCase() !== "none")
    .map((f) => expandTokens(f, { host: tokenHost, ...(out.user ? { user: out.user } : {}) }));
  return out;
}

/**
 * Reads `path` (default `~/.ssh/config`) and resolves `host`. A missing file means no settings.
 */
export async function resolveSshConfig(host: string, path?: string): Promise<SshConfigEntry> {
  const file = path ?? join(homeDirectory(), ".ssh", "config");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { identityFiles: [] };
    throw err;
  }
  return resolveSshConfigText(text, host);
}
