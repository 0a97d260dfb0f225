/**
 * Sends one message for the CLI: through the running gateway's control API when one answers (so the
 * send goes through its outbox and echo suppression), else with a one-shot imsg client. Both paths check
 * the target with the channel's own `checkSendTarget` and report the delivery outcome, so a target that
 * cannot be delivered is refused the same way whether or not a gateway runs.
 */

import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import type { LoadedConfig } from "./cli-config.ts";
import { CliError, type CliErrorCode, ExitCode, type ExitCodeValue, UsageError } from "./cli-error.ts";
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
  /** Wait for the delivery outcome (default true); through a gateway, `false` answers `queued`. */
  wait?: boolean;
  /** Longest wait for the outcome through a gateway (ms). Default 10 000. */
  waitMs?: number;
}

/**
 * A send's outcome: `sent`, `failed`/`uncertain` (with `error`), `queued` (gateway, `wait: false`), or
 * `held` (in the outbox, held by `imgate pause` or an outbound limit: it goes out later by itself).
 */
export type SendStatus = "sent" | "failed" | "uncertain" | "queued" | "held";

/** How the message went out. */
export interface SendOutcome {
  /** `gateway` (control API), `imsg` (one-shot client) or `outbox` (held in the state database: paused). */
  via: "gateway" | "imsg" | "outbox";
  accountId: string;
  status: SendStatus;
  /** The gateway's outbox ids, one per chunk. */
  outboxIds?: string[];
  /** imsg's message guid, when it reported one. */
  guid?: string;
  /** Why it is `failed` or `uncertain` (`contact_unresolved`, `send_rejected`, `send_failed`, …). */
  error?: { code: string; message: string };
}

/** A send refused before anything was sent; `reason` is the control API's code (`invalid_target`, …). */
export class SendRefusedError extends CliError {
  /** Stable reason, the same with and without a gateway: `invalid_target`, `chat_not_found`, … */
  readonly reason: string;

  constructor(
    reason: string,
    message: string,
    options: { code: CliErrorCode; exitCode: ExitCodeValue; cause?: unknown },
  ) {
    super(options.code, message, options);
    this.name = "SendRefusedError";
    this.reason = reason;
  }
}

type SendParams = import("@imgate/imsg-rpc").SendParams;

const sendErrorSchema = z.object({ code: z.string(), message: z.string() });
/** A send outcome from `POST /v1/send` (validated: it is another process's output). */
const gatewaySendResult = z.looseObject({
  accountId: z.string(),
  outboxIds: z.array(z.string()),
  status: z.enum(["sent", "failed", "uncertain", "queued", "held"]),
  error: sendErrorSchema.optional(),
});
/** A refusal from the control API: `{ error: { code, message } }`. */
const gatewayErrorReply = z.looseObject({ error: sendErrorSchema });

/** How an HTTP refusal maps to the CLI's exit code. */
function refusalFor(status: number, reason: string, message: string): SendRefusedError {
  if (status === 400)
    return new SendRefusedError(reason, message, { code: "CLI_USAGE", exitCode: ExitCode.usage });
  if (status === 404)
    return new SendRefusedError(reason, message, { code: "CLI_NOT_FOUND", exitCode: ExitCode.failure });
  return new SendRefusedError(reason, message, { code: "CLI_FAILED", exitCode: ExitCode.failure });
}

/** Sends through the running gateway's outbox; `undefined` when no gateway answers. */
async function sendViaGateway(
  loaded: LoadedConfig,
  message: OutgoingMessage,
  file: string | undefined,
): Promise<SendOutcome | undefined> {
  const address = controlApiAddress(loaded.config.gateway.http);
  const wait = message.wait ?? true;
  const waitMs = message.waitMs ?? 10_000;
  const response = await callControlApi(
    address,
    "POST",
    "/v1/send",
    {
      target: message.target,
      ...(message.text ? { text: message.text } : {}),
      ...(file ? { file } : {}),
      ...(message.accountId ? { accountId: message.accountId } : {}),
      wait,
      waitMs,
    },
    // The gateway answers once the outcome is known or waitMs passed.
    { timeoutMs: (wait ? waitMs : 0) + 10_000 },
  );
  if (!response) return undefined;
  const result = gatewaySendResult.safeParse(response.body);
  if (result.success) {
    const body = result.data;
    return {
      via: "gateway",
      accountId: body.accountId,
      status: body.status,
      outboxIds: body.outboxIds,
      ...(body.error ? { error: body.error } : {}),
    };
  }
  const refusal = gatewayErrorReply.safeParse(response.body);
  if (response.status >= 400 && refusal.success) {
    throw refusalFor(response.status, refusal.data.error.code, refusal.data.error.message);
  }
  throw new CliError(
    "CLI_FAILED",
    `The gateway answered POST /v1/send with an unexpected body (HTTP ${response.status}); check that imgate and the running gateway are the same version, and see its log.`,
  );
}

/** Sends `message`; throws {@link CliError} naming the fix when it cannot. */
export async function sendMessage(loaded: LoadedConfig, message: OutgoingMessage): Promise<SendOutcome> {
  if (!message.text && !message.file) throw new UsageError("Nothing to send; give the text or --file PATH.");
  const file = message.file ? (isAbsolute(message.file) ? message.file : resolve(message.file)) : undefined;
  const viaGateway = await sendViaGateway(loaded, message, file);
  if (viaGateway) return viaGateway;
  return sendViaImsg(loaded, message, file);
}

/** Sends with a one-shot imsg client: the same target checks as the gateway, then imsg's own answer. */
async function sendViaImsg(
  loaded: LoadedConfig,
  message: OutgoingMessage,
  file: string | undefined,
): Promise<SendOutcome> {
  const account = await selectAccount(loaded, message.accountId);
  const channel = await loadImessageChannel();
  // The grammar first: a typo is refused without starting imsg.
  try {
    channel.parseSendTarget(message.target, { region: account.region, service: account.service });
  } catch (error) {
    if (error instanceof channel.ImessageTargetError) throw refusalFor(400, "invalid_target", error.message);
    throw error;
  }
  const { pausedInStateStore, openCliSendGate, heldError } = await import("./held-send.ts");
  // Paused (issue 15): checked before imsg even starts; the gate below checks the limits.
  const paused = await pausedInStateStore(loaded, account.accountId);
  const held = async (
    gate: import("./held-send.ts").CliSendGate,
    hold: { reason: string; until: number | undefined },
  ): Promise<SendOutcome> => {
    const outboxIds = await gate.hold(message, file);
    return {
      via: "outbox",
      accountId: account.accountId,
      status: "held",
      outboxIds,
      error: heldError(message.target, account.accountId, hold, outboxIds[0]),
    };
  };
  if (paused) {
    // Nothing goes to imsg, not even a look-up: the message waits for a resumed gateway.
    const gate = await openCliSendGate(
      loaded,
      account,
      message.target,
      { chatId: undefined, history: async () => [] },
      { limits: false },
    );
    try {
      return await held(gate, { reason: "paused", until: undefined });
    } finally {
      await gate.close();
    }
  }
  return withImsgClient(account, async (client, tools) => {
    let target: Target;
    try {
      target = (
        await channel.checkSendTarget(message.target, {
          port: channel.imsgPortFromClient(client),
          region: account.region,
          service: account.service,
        })
      ).target;
    } catch (error) {
      if (error instanceof channel.ImessageTargetError)
        throw refusalFor(400, "invalid_target", error.message);
      if (error instanceof channel.ImessageChatNotFoundError)
        throw refusalFor(404, "chat_not_found", error.message);
      throw error;
    }
    const port = channel.imsgPortFromClient(client);
    const chatId = await channel
      .createChatResolver({ port, clock: { now: () => Date.now() }, region: account.region })
      .chatIdFor(target)
      .catch(() => undefined);
    const gate = await openCliSendGate(loaded, account, message.target, {
      chatId,
      history: (id) => port.history({ chat_id: id, limit: 100 }),
    });
    try {
      const hold = await gate.check();
      if (hold) return await held(gate, hold);
      const outcome = await sendNow(client, tools, target);
      if (outcome.status === "sent") await gate.recordSent();
      return outcome;
    } finally {
      await gate.close();
    }
  });

  /** imsg `send` for the checked target, and imsg's own answer. */
  async function sendNow(
    client: import("@imgate/imsg-rpc").ImsgClient,
    tools: import("./imsg-session.ts").ImsgSessionTools,
    target: Target,
  ): Promise<SendOutcome> {
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
    if (file) params.file = await tools.stageFile(file);
    const base = { via: "imsg" as const, accountId: account.accountId };
    try {
      const result = await client.send(params as SendParams);
      const guid = (result as { guid?: string }).guid;
      return { ...base, status: "sent", ...(guid ? { guid } : {}) };
    } catch (error) {
      const failure = channel.describeSendFailure(error, message.target, target);
      return { ...base, status: failure.code === "send_uncertain" ? "uncertain" : "failed", error: failure };
    }
  }
}
