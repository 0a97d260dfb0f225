/**
 * Per-account probe (channel-behavior §15, decision Q8): the binary is found, `<cliPath> rpc --help`
 * exits 0, and `chats.list {limit:1}` answers within a timeout. A Full Disk Access denial is recognised
 * and explained (which binary needs it and where to grant it).
 */
import { execFile } from "node:child_process";
import { asFullDiskAccessError } from "@imgate/imsg-rpc";
import type { ImsgPort } from "./imsg-port.ts";
import { locateExecutable } from "./locate-executable.ts";

/** Runs a program and reports its exit code and output (injectable for tests). */
export type ExecProgram = (
  file: string,
  args: readonly string[],
  options: { timeoutMs: number },
) => Promise<{ code: number | null; output: string }>;

/** Options of {@link probeAccount}. */
export interface ProbeOptions {
  /** Local `cliPath` (steps 1–2 run only for local accounts; a remote account passes `undefined`). */
  cliPath?: string;
  /** Name of the binary that reads chat.db, for the Full Disk Access hint (default: `cliPath`, else `imsg`). */
  binaryLabel?: string;
  /** Whether imsg runs over SSH (the hint then names sshd as the app that needs access too). */
  remote?: boolean;
  /** The account's imsg calls (its own transport: every account is probed with its own, Q8). */
  port: Pick<ImsgPort, "listChats">;
  /** Timeout of each step. Default 2000 ms. */
  timeoutMs?: number;
  /** `PATH` to search for a bare `cliPath`. Default `process.env.PATH`. */
  pathEnv?: string;
  exec?: ExecProgram;
}

/** What {@link probeAccount} found. */
export interface ProbeResult {
  ok: boolean;
  /** The failure cannot go away by waiting (binary missing, no `rpc` subcommand). */
  fatal: boolean;
  /** One sentence with the fix, when not ok. */
  error?: string;
  /** Set when the failure is a Full Disk Access denial. */
  fullDiskAccess?: { binary: string; hint: string };
  /** The resolved binary, for local accounts. */
  binaryPath?: string;
}

const defaultExec: ExecProgram = (file, args, { timeoutMs }) =>
  new Promise((done) => {
    execFile(file, [...args], { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      const code = error
        ? typeof (error as { code?: unknown }).code === "number"
          ? (error as { code: number }).code
          : null
        : 0;
      done({ code, output: `${stdout}${stderr}` });
    });
  });

/** The Full Disk Access explanation for `binary`. */
export function fullDiskAccessHint(binary: string, remote: boolean): string {
  const launcher = remote
    ? "and to sshd (/usr/libexec/sshd-keygen-wrapper) on the Mac"
    : "and to the app that starts it (Terminal, your launchd agent's program, or node)";
  return `${binary} cannot read the Messages database: grant Full Disk Access to ${binary} ${launcher} in System Settings → Privacy & Security → Full Disk Access, then restart imgate.`;
}

/**
 * True when imsg's output says it may not read the Messages database (a Full Disk Access denial): the one
 * test used by this probe and by `imgate doctor`.
 */
export function looksLikeFullDiskAccessDenial(text: string): boolean {
  return /full disk access|permission ?denied|permission error|authorization denied|unable to open database/i.test(
    text,
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolvePromise(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Probes one account. Never throws. */
export async function probeAccount(options: ProbeOptions): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const remote = options.remote ?? false;
  const label = options.binaryLabel ?? options.cliPath ?? "imsg";
  let binaryPath: string | undefined;
  if (options.cliPath !== undefined) {
    const env = options.pathEnv === undefined ? process.env : { ...process.env, PATH: options.pathEnv };
    const found = locateExecutable(options.cliPath, env);
    binaryPath = found.kind === "found" ? found.path : undefined;
    if (!binaryPath) {
      return {
        ok: false,
        fatal: true,
        error: `imsg not found (${options.cliPath}): install imsg or set channels.imessage.cliPath to its full path.`,
      };
    }
    const exec = options.exec ?? defaultExec;
    const help = await exec(binaryPath, ["rpc", "--help"], { timeoutMs });
    if (/unknown command/i.test(help.output) && /rpc/i.test(help.output)) {
      return {
        ok: false,
        fatal: true,
        binaryPath,
        error: `${options.cliPath} does not support the "rpc" subcommand: update imsg (0.9 or newer).`,
      };
    }
    if (help.code !== 0) {
      const fda = looksLikeFullDiskAccessDenial(help.output);
      return {
        ok: false,
        fatal: false,
        binaryPath,
        error: fda
          ? fullDiskAccessHint(label, remote)
          : `"${options.cliPath} rpc --help" failed (exit ${help.code ?? "timeout"}): ${help.output.trim().slice(0, 300)}`,
        ...(fda ? { fullDiskAccess: { binary: label, hint: fullDiskAccessHint(label, remote) } } : {}),
      };
    }
  }
  try {
    await withTimeout(options.port.listChats({ limit: 1 }), timeoutMs, "imsg chats.list");
    return { ok: true, fatal: false, ...(binaryPath ? { binaryPath } : {}) };
  } catch (error) {
    const fda =
      asFullDiskAccessError(error, label) ??
      (looksLikeFullDiskAccessDenial(String((error as Error)?.message ?? error)) ? true : undefined);
    if (fda) {
      const hint = fullDiskAccessHint(label, remote);
      return {
        ok: false,
        fatal: false,
        error: hint,
        fullDiskAccess: { binary: label, hint },
        ...(binaryPath ? { binaryPath } : {}),
      };
    }
    return {
      ok: false,
      fatal: false,
      error: `imsg did not answer chats.list: ${(error as Error)?.message ?? String(error)}`,
      ...(binaryPath ? { binaryPath } : {}),
    };
  }
}
