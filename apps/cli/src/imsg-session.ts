/**
 * A one-shot imsg client for one account: started for a single command (`chats`, `history`, `send`),
 * never restarted, always stopped. imsg failures become {@link CliError}s that name the fix.
 */
import { tmpdir } from "node:os";
import type { ImsgClient } from "@imgate/imsg-rpc";
import type { LoadedConfig } from "./cli-config.ts";
import { CliError, UsageError } from "./cli-error.ts";
import { type Account, loadImessageChannel } from "./imessage-channel-api.ts";
import { expandPath } from "./resolve-config-path.ts";

export type { Account } from "./imessage-channel-api.ts";

/** Picks `accountId` (normalised), else the channel's default account. */
export async function selectAccount(loaded: LoadedConfig, accountId: string | undefined): Promise<Account> {
  const { resolveAccounts, normalizeAccountId } = await loadImessageChannel();
  const accounts = resolveAccounts(loaded.config.channels.imessage ?? {});
  if (accountId === undefined) {
    const account = accounts.find((a) => a.isDefault) ?? accounts[0];
    if (!account)
      throw new CliError(
        "CLI_FAILED",
        "No iMessage account is configured; add channels.imessage to the config.",
      );
    return account;
  }
  const wanted = normalizeAccountId(accountId);
  const account = accounts.find((a) => a.accountId === wanted);
  if (!account) {
    throw new UsageError(
      `No account "${accountId}" in channels.imessage; use one of: ${accounts.map((a) => a.accountId).join(", ")}.`,
    );
  }
  return account;
}

function looksLikePath(value: string): boolean {
  return value.includes("/") || value.startsWith("~");
}

/** Turns an imsg-rpc failure into one sentence with the fix. */
export function imsgFailure(error: unknown, account: Account): CliError {
  const name = (error as Error | undefined)?.name ?? "";
  const message = (error as Error | undefined)?.message ?? String(error);
  if (name === "ImsgFullDiskAccessError") {
    return new CliError(
      "CLI_IMSG_FAILED",
      `imsg cannot read the Messages database (${message.split("\n")[0]}); give Full Disk Access to the app that runs imgate and retry.`,
      { cause: error },
    );
  }
  if (name === "ImsgSpawnError") {
    return new CliError(
      "CLI_IMSG_FAILED",
      `Cannot start imsg (${account.cliPath}): ${message}; install imsg or set channels.imessage.cliPath to its full path.`,
      { cause: error },
    );
  }
  if (error instanceof CliError) return error;
  return new CliError("CLI_IMSG_FAILED", `imsg failed for account ${account.accountId}: ${message}`, {
    cause: error,
  });
}

/** What {@link withImsgClient} hands its callback besides the client. */
export interface ImsgSessionTools {
  /** The path imsg should send for a local file: the file itself, or its copy uploaded to a remote Mac. */
  stageFile(localPath: string): Promise<string>;
}

/** Runs `fn` with a started client for `account`, then stops it (also on failure). */
export async function withImsgClient<T>(
  account: Account,
  fn: (client: ImsgClient, tools: ImsgSessionTools) => Promise<T>,
): Promise<T> {
  const { createImsgClient } = await import("@imgate/imsg-rpc");
  const { createAccountTransport, createAttachmentMover } = await import("@imgate/gateway");
  const { silentLogger } = await import("@imgate/channel-core");
  const local = {
    ...account,
    cliPath: looksLikePath(account.cliPath) ? expandPath(account.cliPath) : account.cliPath,
  };
  // The gateway's own transport: a local spawn of cliPath, or ssh2 for channels.imessage.remote.
  let opened: ReturnType<typeof createAccountTransport>;
  try {
    opened = createAccountTransport(local, { logger: silentLogger, env: process.env });
  } catch (error) {
    throw imsgFailure(error, account);
  }
  const mover = createAttachmentMover(local, opened, {
    stateDir: tmpdir(),
    logger: silentLogger,
    env: process.env,
  });
  const tools: ImsgSessionTools = {
    stageFile: async (path) => (mover ? (await mover.stageUpload(path)).remotePath : path),
  };
  const transport = opened.transport;
  const client = createImsgClient({
    transport,
    restart: { maxAttempts: 1 },
    timeouts: { startupMs: 15_000 },
  });
  try {
    await client.start();
    return await fn(client, tools);
  } catch (error) {
    throw imsgFailure(error, account);
  } finally {
    await client.stop().catch(() => {});
    await mover?.close();
    await opened.close().catch(() => {});
  }
}
