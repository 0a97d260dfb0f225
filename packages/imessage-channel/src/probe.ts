/**
 * The one per-account probe (channel-behavior §15, decision Q8), used by `imgate doctor` and the gateway
 * preflight: a local `cliPath` is found and executable, then the account's own transport answers the real
 * `imsg rpc` handshake (`initialize`/`status`, or the 0.9 surface). A program that runs but is not imsg
 * (`/bin/true`, `/bin/cat`, an imsg without `rpc`) is told apart from a Full Disk Access denial and from an
 * imsg that refused the handshake. Callers word the result (start checks, doctor lines).
 */
import { createImsgClient, type ImsgCapabilities, type ImsgTransport } from "@imgate/imsg-rpc";
import { type ExecutableLookup, locateExecutable } from "./locate-executable.ts";

/** Options of {@link probeAccount}. */
export interface ProbeOptions {
  /** Local `cliPath`, located before the handshake; a remote account passes `undefined`. */
  cliPath?: string;
  /** Environment whose `PATH` (and `HOME`) locate a bare `cliPath`. */
  env: NodeJS.ProcessEnv;
  /**
   * Opens the account's own transport (every account is probed with its own, Q8); called only once a
   * local `cliPath` is found, and closed after the handshake.
   */
  open: () => { transport: ImsgTransport; close(): Promise<void> };
  /** Deadline of the handshake. Default 5000 ms. */
  timeoutMs?: number;
}

/** Why the handshake failed. */
export type HandshakeFailure =
  /** The transport could not be opened (`open` threw). */
  | "cannot-start"
  /** imsg answered but may not read the Messages database. */
  | "full-disk-access"
  /** It speaks JSON-RPC (it is imsg) but refused the handshake or the readiness probe. */
  | "refused"
  /** It runs but did not answer the imsg handshake. */
  | "not-imsg";

/** What {@link probeHandshake} found. */
export type HandshakeResult =
  | {
      ok: true;
      /** The resolved binary, for local accounts. */
      binaryPath?: string;
      capabilities: ImsgCapabilities | undefined;
    }
  | {
      ok: false;
      binaryPath?: string;
      failure: HandshakeFailure;
      /** The first line of the error, without the client's retry advice. */
      reason: string;
    };

/** What {@link probeAccount} found. */
export type ProbeResult =
  /** The local `cliPath` is missing or not executable: the handshake was not tried. */
  { ok: false; located: Exclude<ExecutableLookup, { kind: "found" }> } | HandshakeResult;

/** The Full Disk Access explanation for `binary`. */
export function fullDiskAccessHint(binary: string, remote: boolean): string {
  const launcher = remote
    ? "and to sshd (/usr/libexec/sshd-keygen-wrapper) on the Mac"
    : "and to the app that starts it (Terminal, your launchd agent's program, or node)";
  return `${binary} cannot read the Messages database: grant Full Disk Access to ${binary} ${launcher} in System Settings → Privacy & Security → Full Disk Access, then restart imgate.`;
}

/**
 * True when imsg's output says it may not read the Messages database (a Full Disk Access denial): the one
 * test used by `imgate doctor` on `imsg chats` output.
 */
export function looksLikeFullDiskAccessDenial(text: string): boolean {
  return /full disk access|permission ?denied|permission error|authorization denied|unable to open database/i.test(
    text,
  );
}

/** Probes one account: locates a local `cliPath`, then runs {@link probeHandshake}. Never throws. */
export async function probeAccount(options: ProbeOptions): Promise<ProbeResult> {
  if (options.cliPath === undefined) return probeHandshake(options);
  const located = locateExecutable(options.cliPath, options.env);
  if (located.kind !== "found") return { ok: false, located };
  return probeHandshake(options, located.path);
}

/**
 * Runs a one-attempt `imsg rpc` handshake on the account's own transport (a remote account's only step).
 * Never throws.
 */
export async function probeHandshake(
  options: Pick<ProbeOptions, "open" | "timeoutMs">,
  binaryPath?: string,
): Promise<HandshakeResult> {
  const at = binaryPath ? { binaryPath } : {};
  const timeoutMs = options.timeoutMs ?? 5_000;
  let opened: ReturnType<ProbeOptions["open"]>;
  try {
    opened = options.open();
  } catch (error) {
    return { ok: false, ...at, failure: "cannot-start", reason: (error as Error).message };
  }
  const client = createImsgClient({
    transport: opened.transport,
    restart: { maxAttempts: 1 },
    timeouts: { startupMs: timeoutMs, defaultMs: timeoutMs },
  });
  try {
    await client.start();
    return { ok: true, ...at, capabilities: client.capabilities };
  } catch (error) {
    const first = ((error as Error).message.split("\n")[0] ?? "").trim();
    const name = (error as Error).name;
    if (name === "ImsgFullDiskAccessError")
      return { ok: false, ...at, failure: "full-disk-access", reason: first };
    if (name === "ImsgResponseError") return { ok: false, ...at, failure: "refused", reason: first };
    // The client's sentence continues with retry advice meant for a running gateway; the cause is enough.
    const reason = first.replace(/; the request was not completed.*$/, "");
    return { ok: false, ...at, failure: "not-imsg", reason };
  } finally {
    await client.stop().catch(() => {});
    await opened.close().catch(() => {});
  }
}
