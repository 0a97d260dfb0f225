import { silentLogger } from "@imgate/channel-core";
import {
  type HandshakeResult,
  probeAccount,
  probeHandshake,
  type ResolvedImessageAccount,
} from "@imgate/imessage-channel";
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
 * answer the `imsg rpc` handshake (imessage-channel's {@link probeAccount}, on the account's own
 * transport). A program that runs but is not imsg (`/bin/true`, `/bin/cat`) fails with what happened
 * instead. Never throws.
 */
export async function probeImsg(
  account: ResolvedImessageAccount,
  options: ProbeImsgOptions,
): Promise<{ checks: StartCheck[]; path?: string }> {
  const id = `account.${account.accountId}.imsg`;
  const label = `account ${account.accountId}`;
  const fixPath = `Install imsg (brew install steipete/tap/imsg) or set channels.imessage.cliPath to its full path.`;
  const result = await probeAccount({ ...opener(account, options), cliPath: account.cliPath });
  if ("located" in result) {
    const found = result.located;
    if (found.kind === "not-found") {
      return { checks: [startCheck(id, "fail", `${label}: imsg not found (${found.searched})`, fixPath)] };
    }
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
  const path = result.binaryPath as string;
  const located = startCheck(id, "ok", `${label}: ${account.cliPath} found at ${path}`);
  return {
    checks: [
      located,
      handshakeCheck(account, result, { what: path, command: `${account.cliPath} rpc`, fix: fixPath }),
    ],
    path,
  };
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
  const target = {
    what: `${imsgPath} on ${remote?.host ?? "the remote Mac"}`,
    command: `${imsgPath} rpc`,
    fix: "Set channels.imessage.remote.imsgPath to the imsg binary on the Mac (`which imsg` there), imsg 0.9 or newer.",
  };
  return handshakeCheck(account, await probeHandshake(opener(account, options)), target);
}

interface Target {
  what: string;
  command: string;
  fix: string;
}

/** Opens the account's own transport, as the gateway's supervisor does. */
function opener(account: ResolvedImessageAccount, options: ProbeImsgOptions) {
  return {
    env: options.env,
    open: () => createAccountTransport(account, { logger: silentLogger, env: options.env }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
}

/** Words a handshake outcome as the `account.<id>.rpc` start check. */
function handshakeCheck(
  account: ResolvedImessageAccount,
  result: HandshakeResult,
  target: Target,
): StartCheck {
  const rpcId = `account.${account.accountId}.rpc`;
  const label = `account ${account.accountId}`;
  if (result.ok) {
    const caps = result.capabilities;
    return startCheck(
      rpcId,
      "ok",
      `${label}: imsg ${caps?.version ?? "(version unknown)"} answers \`rpc\` (${caps?.family ?? "?"} protocol)`,
    );
  }
  switch (result.failure) {
    case "cannot-start":
      return startCheck(
        rpcId,
        "fail",
        `${label}: cannot start ${target.command} (${result.reason})`,
        target.fix,
      );
    case "full-disk-access":
      return startCheck(
        rpcId,
        "fail",
        `${label}: imsg (${target.what}) cannot read the Messages database (${result.reason})`,
        "Give Full Disk Access to imsg and to the app that runs imgate (System Settings › Privacy & Security › Full Disk Access), then restart it.",
      );
    case "refused":
      return startCheck(
        rpcId,
        "fail",
        `${label}: imsg (${target.what}) answered the handshake with an error (${result.reason})`,
        "Run `imsg rpc` yourself to see the error, and fix what it names (database path, permissions, version).",
      );
    case "not-imsg":
      return startCheck(
        rpcId,
        "fail",
        `${label}: ${target.what} runs but is not imsg: \`${target.command}\` did not answer the imsg handshake (${result.reason})`,
        target.fix,
      );
  }
}
