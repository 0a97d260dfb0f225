import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { matchPatternList } from "./host-pattern.ts";

/** One parsed known_hosts line. */
export interface KnownHostEntry {
  /** `@revoked` or `@cert-authority` when the line carries a marker. */
  marker?: "revoked" | "cert-authority";
  /** Comma-separated patterns, or one hashed `|1|salt|hash` entry. */
  hosts: { kind: "patterns"; patterns: string[] } | { kind: "hashed"; salt: Buffer; hash: Buffer };
  /** Key type, e.g. `ssh-ed25519`. */
  keyType: string;
  /** Base64 of the public key blob. */
  keyBase64: string;
  /** 1-based line number, for messages. */
  line: number;
}

/** Outcome of checking a presented host key against known_hosts. */
export type HostKeyVerdict =
  | { status: "match"; line: number }
  | { status: "unknown" }
  | { status: "changed"; lines: number[]; knownTypes: string[] }
  | { status: "revoked"; line: number };

/** `SHA256:<unpadded base64>` of a public key blob, as `ssh-keygen -lf` prints it. */
export function hostKeyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The key type named at the start of an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString("latin1");
}

/** The name OpenSSH records for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Parses known_hosts text; malformed lines are skipped (OpenSSH does the same). */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry["marker"];
    if (fields[0]?.startsWith("@")) {
      const m = fields.shift();
      if (m === "@revoked") marker = "revoked";
      else if (m === "@cert-authority") marker = "cert-authority";
      else return;
    }
    const [hostField, keyType, keyBase64] = fields;
    if (!hostField || !keyType || !keyBase64) return;
    let hosts: KnownHostEntry["hosts"];
    if (hostField.startsWith("|1|")) {
      const [, , salt, hash] = hostField.split("|");
      if (!salt || !hash) return;
      hosts = { kind: "hashed", salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") };
    } else {
      hosts = { kind: "patterns", patterns: hostField.split(",") };
    }
    out.push({ ...(marker ? { marker } : {}), hosts, keyType, keyBase64, line: index + 1 });
  });
  return out;
}

function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.kind === "patterns") return matchPatternList(entry.hosts.patterns, name);
  const digest = createHmac("sha1", entry.hosts.salt).update(name).digest();
  return digest.length === entry.hosts.hash.length && timingSafeEqual(digest, entry.hosts.hash);
}

/**
 * Checks `blob` for the host recorded as `name` (see {@link knownHostsName}). A revoked key is refused
 * wherever it appears; a host with entries but none for this key is "changed"; no entries is "unknown".
 * `@cert-authority` lines are ignored (certificates are not supported).
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, blob: Buffer): HostKeyVerdict {
  const presented = blob.toString("base64");
  const revoked = entries.find((e) => e.marker === "revoked" && e.keyBase64 === presented);
  if (revoked) return { status: "revoked", line: revoked.line };
  const forHost = entries.filter((e) => e.marker === undefined && entryMatchesHost(e, name));
  const match = forHost.find((e) => e.keyBase64 === presented);
  if (match) return { status: "match", line: match.line };
  if (forHost.length === 0) return { status: "unknown" };
  return {
    status: "changed",
    lines: forHost.map((e) => e.line),
    knownTypes: [...new Set(forHost.map((e) => e.keyType))],
  };
}

/** Key types known for `name`, so the client can ask for those first (as OpenSSH orders HostKeyAlgorithms). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  return [
    ...new Set(
      entries.filter((e) => e.marker === undefined && entryMatchesHost(e, name)).map((e) => e.keyType),
    ),
  ];
}

/** Reads and parses a known_hosts file; a missing file is empty. */
export async function readKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** The known_hosts line for a host key: `<name> <type> <base64>`. */
export function knownHostsLine(name: string, blob: Buffer): string {
  return `${name} ${keyTypeOfBlob(blob)} ${blob.toString("base64")}`;
}

/** Appends a host key to `file`, creating it (mode 0600, directory 0700) when missing. */
export async function appendKnownHost(file: string, name: string, blob: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Create with 0600 first (appendFile's mode only applies on creation, but be explicit about it).
  const handle = await open(file, "a", 0o600);
  try {
    const { size } = await handle.stat();
    let prefix = "";
    if (size > 0) {
      const last = Buffer.alloc(1);
      const fd = await open(file, "r");
      try {
        await fd.read(last, 0, 1, size - 1);
      } finally {
        await fd.close();
      }
      if (last[0] !== 0x0a) prefix = "\n";
    }
    await handle.appendFile(`${prefix}${knownHostsLine(name, blob)}\n`);
  } finally {
    await handle.close();
  }
}
