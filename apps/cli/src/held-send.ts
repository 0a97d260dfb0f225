/**
 * Sending safety for a send the CLI makes itself, with no gateway running (issue 15): the pause switch and
 * `channels.imessage.limits` apply as in the gateway (its `createSendGate`, over the same state: the SQLite
 * file, or the PostgreSQL database the gateways share). A send that may not go out now is held in the outbox
 * — chunked as the gateway would — and goes out in order once a gateway runs and the budget allows. Nothing is
 * dropped.
 */
import type { LoadedConfig } from "./cli-config.ts";
import { CliError } from "./cli-error.ts";
import type { Account } from "./imessage-channel-api.ts";
import type { OpenedStateBackend } from "./open-state-backend.ts";

const CHANNEL = "imessage";
/** Pacing shorter than this is waited out; a longer one holds the message in the outbox. */
const MAX_PACING_WAIT_MS = 10_000;

/** The account's pause switch in the configured state, when on (`undefined` also without a SQLite file). */
export async function pausedInStateStore(
  loaded: LoadedConfig,
  accountId: string,
): Promise<import("@imgate/channel-core").PauseState | undefined> {
  const { openStateBackend } = await import("./open-state-backend.ts");
  const opened = await openStateBackend(loaded, { create: false });
  if (!opened) return undefined;
  try {
    return await opened.backend.pauses.stateOf(CHANNEL, accountId);
  } finally {
    await opened.close();
  }
}

/** What the limits say about one send. */
export interface CliSendGate {
  /** Why it must wait (short pacing already waited out), or `undefined` to send now. */
  check(): Promise<{ reason: string; until: number | undefined } | undefined>;
  /** Records a delivered send (for the budgets). */
  recordSent(): Promise<void>;
  /** Holds the message in the outbox instead; returns the outbox ids. */
  hold(message: { text?: string }, file: string | undefined): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Opens the gate for a send of `account` to `target` (`chatId` when imsg knows the chat). With `limits: false`
 * only `hold` is used (the account is paused: the limits need not be read).
 */
export async function openCliSendGate(
  loaded: LoadedConfig,
  account: Account,
  target: string,
  chat: { chatId: number | undefined; history(chatId: number): Promise<{ is_from_me: boolean }[]> },
  options: { limits?: boolean } = {},
): Promise<CliSendGate> {
  const [core, { createSendGate }, { openStateBackend }] = await Promise.all([
    import("@imgate/channel-core"),
    import("@imgate/gateway"),
    import("./open-state-backend.ts"),
  ]);
  const opened = (await openStateBackend(loaded, { create: true })) as OpenedStateBackend;
  const { outbox } = opened.backend;
  const chatKey = chat.chatId !== undefined ? String(chat.chatId) : target;
  const now = Date.now();
  // The one send, shaped as the outbox entry the gateway's gate judges (an operator send, never a reply).
  const entry = {
    id: 0,
    idempotencyKey: core.agentIdempotencyKey(),
    channel: CHANNEL,
    accountId: account.accountId,
    chatKey,
    target,
    text: "",
    state: "sending" as const,
    attempts: 0,
    notBefore: 0,
    createdAt: now,
    updatedAt: now,
  };
  let gate: import("@imgate/gateway").SendGate | undefined;
  try {
    gate =
      options.limits === false
        ? undefined
        : createSendGate({
            accountId: account.accountId,
            limits: account.limits,
            pauses: opened.backend.pauses,
            sendLog: opened.backend.sendLog,
            hasWrittenToUs: async () =>
              chat.chatId !== undefined &&
              (await chat.history(chat.chatId)).some((message) => !message.is_from_me),
            onHold: () => {},
            logger: core.silentLogger,
            clock: core.systemClock,
          });
  } catch (error) {
    await opened.close();
    throw error;
  }
  const limitsGate = () => {
    if (!gate) throw new TypeError("openCliSendGate: opened with limits: false");
    return gate;
  };
  return {
    async check() {
      let hold = await limitsGate().accountHold();
      const wait = hold?.until !== undefined ? hold.until - Date.now() : undefined;
      if (hold?.reason === "min-send-interval" && wait !== undefined && wait <= MAX_PACING_WAIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
        hold = await limitsGate().accountHold();
      }
      return hold ?? (await limitsGate().admit(entry));
    },
    recordSent: async () => limitsGate().recordSent(entry),
    async hold(message, file) {
      const texts = message.text
        ? core.chunkText(message.text, { limit: account.textChunkLimit, mode: account.chunkMode })
        : [];
      const chunks = texts.length === 0 ? [""] : texts;
      const drafts = chunks.map((chunk, index) => ({
        idempotencyKey: core.agentIdempotencyKey(),
        channel: CHANNEL,
        accountId: account.accountId,
        chatKey,
        target,
        text: chunk,
        ...(index === 0 && file !== undefined ? { media: [file] } : {}),
      }));
      // Every chunk or none, in one transaction (the gateway's own atomic write); in id order, as they go out.
      const { failed } = await opened.backend.commitOutcomes({
        accountId: account.accountId,
        outcomes: [{ rowid: undefined, ops: [{ op: "enqueue", args: [drafts] }] }],
      });
      if (failed.length > 0) {
        throw new CliError(
          "CLI_FAILED",
          `Could not hold the message for ${target} in the outbox (${opened.backend.describe}); nothing was queued — send it again.`,
        );
      }
      const ids: string[] = [];
      for (const draft of drafts) ids.push(String((await outbox.getByKey(draft.idempotencyKey))?.id ?? "?"));
      return ids;
    },
    close: () => opened.close(),
  };
}

/** The `held` outcome's error, naming what holds it and what happens next. */
export function heldError(
  target: string,
  accountId: string,
  hold: { reason: string; until: number | undefined },
  outboxId: string | undefined,
): { code: string; message: string } {
  const why =
    hold.reason === "paused"
      ? `account ${accountId} is paused; it goes out, once, after \`imgate resume\` when the gateway runs`
      : `over the ${hold.reason} limit (channels.imessage.limits); it goes out, once, when the gateway runs and the budget allows${hold.until !== undefined ? ` (not before ${new Date(hold.until).toISOString()})` : ""}`;
  return {
    code: `held_${hold.reason.replaceAll("-", "_")}`,
    message: `Held in the outbox for ${target} (${why}; outbox id ${outboxId ?? "?"}). Do not resend it.`,
  };
}
