import { silentLogger } from "@imgate/channel-core";
import { locateExecutable, type ResolvedImessageAccount } from "@imgate/imessage-channel";
import { createImsgClient } from "@imgate/imsg-rpc";
import { createAccountTransport } from "../pipeline/create-account-transport.ts";
import { type StartCheck, startCheck } from "./start-checks.ts";

/** Options of {@link probeImsg}. */
export interface ProbeImsgOptions {
  env: NodeJS.ProcessEnv;
  /** Deadline of the handshake (default 5000 ms). */
  timeoutMs?: number;
}

/**
 * Checks a local account's `cliPath` the way the gateway uses it: it must exist, be executable, and
 * answer the `imsg rpc` handshake (`initialize`/`status`, or the 0.9 surface). A program that runs but is
 * not imsg (`/bin/true`, `/bin/cat`) fails with what happened instead. Never throws.
 */
export async function probeImsg(
  account: ResolvedImessageAccount,
  options: ProbeImsgOptions,
): Promise<{ checks: StartCheck[]; path?: string }> {
  const id = `account.${account.accountId}.imsg`;
  const label = `account ${account.accountId}`;
  const found = locateExecutable(account.cliPath, options.env);
  const fixPath = `Install imsg (brew install steipete/tap/imsg) or set channels.imessage.cliPath to its full path.`;
  if (found.kind === "not-found") {
    return {
      checks: [startCheck(id, "fail", `${label}: imsg not found (${found.searched})`, fixPath)],
    };
  }
  if (found.kind === "not-executable") {
    const check = startCheck(
      id,
      "fail",
      `${label}: cliPath ${found.path} is not executable (${found.reason})`,
      found.reason.includes("directory")
        ? "Set channels.imessage.cliPath to the imsg binary itself."
        : `Run \`chmod +x ${found.path}\` if it is imsg, else set channels.imessage.cliPath to the imsg binary.`,
    );
    return { checks: [check] };
  }
  const located = startCheck(id, "ok", `${label}: ${account.cliPath} found at ${found.path}`);
  const answered = await handshake(account, options, {
    what: found.path,
    command: `${account.cliPath} rpc`,
    fix: fixPath,
  });
  return { checks: [located, answered], path: found.path };
}

/**
 * The `imsg rpc` handshake of a remote account, over SSH (`channels.imessage.remote.imsgPath`), as the
 * gateway's transport runs it. Never throws.
 */
export async function probeRemoteImsg(
  account: ResolvedImessageAccount,
  options: ProbeImsgOptions,
): Promise<StartCheck> {
  const remote = account.remote;
  const imsgPath = remote?.imsgPath ?? "imsg";
  return handshake(account, options, {
    what: `${imsgPath} on ${remote?.host ?? "the remote Mac"}`,
    command: `${imsgPath} rpc`,
    fix: "Set channels.imessage.remote.imsgPath to the imsg binary on the Mac (`which imsg` there), imsg 0.9 or newer.",
  });
}

/** Starts a one-attempt client on the account's own transport and reports what answered. */
async function handshake(
  account: ResolvedImessageAccount,
  options: ProbeImsgOptions,
  target: { what: string; command: string; fix: string },
): Promise<StartCheck> {
  const rpcId = `account.${account.accountId}.rpc`;
  const label = `account ${account.accountId}`;
  const timeoutMs = options.timeoutMs ?? 5_000;
  let opened: ReturnType<typeof createAccountTransport>;
  try {
    opened = createAccountTransport(account, { logger: silentLogger, env: options.env });
  } catch (error) {
    return startCheck(
      rpcId,
      "fail",
      `${label}: cannot start ${target.command} (${(error as Error).message})`,
      target.fix,
    );
  }
  const client = createImsgClient({
    transport: opened.transport,
    restart: { maxAttempts: 1 },
    timeouts: { startupMs: timeoutMs, defaultMs: timeoutMs },
  });
  try {
    await client.start();
    const caps = client.capabilities;
    return startCheck(
      rpcId,
      "ok",
      `${label}: imsg ${caps?.version ?? "(version unknown)"} answers \`rpc\` (${caps?.family ?? "?"} protocol)`,
    );
  } catch (error) {
    const first = ((error as Error).message.split("\n")[0] ?? "").trim();
    if ((error as Error).name === "ImsgFullDiskAccessError") {
      return startCheck(
        rpcId,
        "fail",
        `${label}: imsg (${target.what}) cannot read the Messages database (${first})`,
        "Give Full Disk Access to imsg and to the app that runs imgate (System Settings › Privacy & Security › Full Disk Access), then restart it.",
      );
    }
    if ((error as Error).name === "ImsgResponseError") {
      // It speaks JSON-RPC (it is imsg) but refused the handshake or the readiness probe.
      return startCheck(
        rpcId,
        "fail",
        `${label}: imsg (${target.what}) answered the handshake with an error (${first})`,
        "Run `imsg rpc` yourself to see the error, and fix what it names (database path, permissions, version).",
      );
    }
    // The client's sentence continues with retry advice meant for a running gateway; the cause is enough.
    const reason = first.replace(/; the request was not completed.*$/, "");
    return startCheck(
      rpcId,
      "fail",
      `${label}: ${target.what} runs but is not imsg: \`${target.command}\` did not answer the imsg handshake (${reason})`,
      target.fix,
    );
  } finally {
    await client.stop().catch(() => {});
    await opened.close().catch(() => {});
  }
}
