/**
 * Sends one message for the CLI: through the running gateway's control API when one answers (so the
 * send goes through its outbox and echo suppression), else with a one-shot imsg client.
 */

import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import type { LoadedConfig } from "./cli-config.ts";
import { CliError, UsageError } from "./cli-error.ts";
import { callControlApi, controlApiAddress } from "./control-api-client.ts";
import { loadImessageChannel, type Target } from "./imessage-channel-api.ts";
import { selectAccount, withImsgClient } from "./imsg-session.ts";

/** What to send. */
export interface OutgoingMessage {
  /** `chat_id:N`, `chat_guid:…`, `chat_identifier:…` or a handle. */
  target: string;
  text?: string;
  /** A file to attach (an absolute path is sent to the gateway; remote accounts get it uploaded). */
  file?: string;
  accountId?: string;
}

/** How the message went out. */
export interface SendOutcome {
  /** `gateway` (control API) or `imsg` (one-shot client). */
  via: "gateway" | "imsg";
  accountId: string;
  /** Outbox status from the gateway, or `sent`. */
  status: string;
  /** imsg's message guid, when it reported one. */
  guid?: string;
}

type SendParams = import("@imgate/imsg-rpc").SendParams;

/** What the running gateway answers to `POST /v1/send` (validated: it is another process's output). */
const gatewaySendReply = z.looseObject({
  accountId: z.string().optional(),
  status: z.string().optional(),
  message: z.string().optional(),
});

/** Sends through the running gateway's outbox; `undefined` when no gateway answers. */
async function sendViaGateway(
  loaded: LoadedConfig,
  message: OutgoingMessage,
  file: string | undefined,
): Promise<SendOutcome | undefined> {
  const address = controlApiAddress(loaded.config.gateway.http);
  const response = await callControlApi(address, "POST", "/v1/send", {
    target: message.target,
    ...(message.text ? { text: message.text } : {}),
    ...(file ? { file } : {}),
    ...(message.accountId ? { accountId: message.accountId } : {}),
  });
  if (!response) return undefined;
  const parsed = gatewaySendReply.safeParse(response.body);
  const body = parsed.success ? parsed.data : {};
  if (response.status >= 400) {
    throw new CliError(
      response.status === 400 ? "CLI_USAGE" : "CLI_FAILED",
      body.message ?? `The gateway refused the send (HTTP ${response.status}); see its log for why.`,
      { exitCode: response.status === 400 ? 2 : 1 },
    );
  }
  return {
    via: "gateway",
    accountId: body.accountId ?? message.accountId ?? "default",
    status: body.status ?? "sent",
  };
}

/** Sends `message`; throws {@link CliError} naming the fix when it cannot. */
export async function sendMessage(loaded: LoadedConfig, message: OutgoingMessage): Promise<SendOutcome> {
  if (!message.text && !message.file) throw new UsageError("Nothing to send; give the text or --file PATH.");
  const file = message.file ? (isAbsolute(message.file) ? message.file : resolve(message.file)) : undefined;
  const viaGateway = await sendViaGateway(loaded, message, file);
  if (viaGateway) return viaGateway;
  const account = await selectAccount(loaded, message.accountId);
  const { parseTarget } = await loadImessageChannel();
  let target: Target;
  try {
    target = parseTarget(message.target, { region: account.region });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}`, { cause: error });
  }
  const params: Record<string, unknown> = {};
  if (target.kind === "chat_id") params.chat_id = target.chatId;
  else if (target.kind === "chat_guid") params.chat_guid = target.chatGuid;
  else if (target.kind === "chat_identifier") params.chat_identifier = target.chatIdentifier;
  else {
    params.to = target.handle;
    params.service = target.service ?? account.service;
    params.region = account.region;
  }
  if (message.text) params.text = message.text;
  const result = await withImsgClient(account, async (client, tools) => {
    if (file) params.file = await tools.stageFile(file);
    return client.send(params as SendParams);
  });
  const guid = (result as { guid?: string }).guid;
  return { via: "imsg", accountId: account.accountId, status: "sent", ...(guid ? { guid } : {}) };
}
