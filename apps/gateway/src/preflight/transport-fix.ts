import type { ResolvedImessageAccount } from "@imgate/imessage-channel";
import { locateExecutable } from "@imgate/imessage-channel";

/**
 * The fix for an account whose imsg transport keeps failing (state `backoff`), for `/readyz` and
 * `imgate status`: which path failed and how, not only the client's "closed its pipes".
 */
export function transportFix(
  account: ResolvedImessageAccount,
  lastError: Error | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (!lastError) return undefined;
  if (lastError.name === "ImsgFullDiskAccessError") {
    return "Give Full Disk Access to imsg and to the app that runs imgate (System Settings › Privacy & Security › Full Disk Access), then restart the gateway.";
  }
  if (account.remote) {
    return `Check channels.imessage.remote (${account.remote.host}) and that imsg runs there; \`imgate doctor\` names the failing step.`;
  }
  const found = locateExecutable(account.cliPath, env);
  if (found.kind === "not-found") {
    return `channels.imessage.cliPath: imsg not found (${found.searched}); install imsg or set cliPath to its full path.`;
  }
  if (found.kind === "not-executable") {
    return `channels.imessage.cliPath ${found.path} is not executable (${found.reason}); point cliPath at the imsg binary.`;
  }
  if (lastError.name === "ImsgExitedError" || lastError.name === "ImsgTimeoutError") {
    return `channels.imessage.cliPath ${found.path} does not answer the imsg rpc handshake; check that it is imsg 0.9 or newer (\`imgate doctor\` shows what it found).`;
  }
  return undefined;
}
