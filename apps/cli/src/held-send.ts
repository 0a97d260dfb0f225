/**
 * Sending safety for a send the CLI makes itself, with no gateway running (issue 15): the pause switch and
 * `channels.imessage.limits` apply as in the gateway (its `createSendGate`, over the same state database).
 * A send that may not go out now is held in the outbox — chunked as the gateway would — and goes out in
 * order once a gateway runs and the budget allows. Nothing is dropped.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { LoadedConfig } from "./cli-config.ts";
import type { Account } from "./imessage-channel-api.ts";

const CHANNEL = "imessage";
/** Pacing shorter than this is waited out; a longer one holds the message in the outbox. */
const MAX_PACING_WAIT_MS = 10_000;

/** The account's pause switch in the state database, when on (`undefined` also without a database). */
export async function pausedInStateStore(
  loaded: LoadedConfig,
  accountId: string,
): Promise<import("@imgate/channel-core").PauseState | undefined> {
  const path = join(loaded.stateDir, "state.db");
  if (!existsSync(path)) return undefined;
  const { openStateStore, createPauseStore } = await import("@imgate/channel-core");
  const store = openStateStore({ path });
  try {
    return createPauseStore({ store }).stateOf(CHANNEL, accountId);
  } finally {
    store.close();
  }
}

/** What the limits say about one send. */
export interface CliSendGate {
  /** Why it must wait (short pacing already waited out), or `undefined` to send now. */
  check(): Promise<{ reason: string; until: number | undefined } | undefined>;
  /** Records a delivered send (for the budgets). */
  recordSent(): Promise<void>;
  /** Holds the message in the outbox instead; returns the outbox ids. */
  hold(message: { text?: string }, file: string | undefined): string[];
  close(): void;
}

/** Opens the gate for a send of `account` to `target` (`chatId` when imsg knows the chat). */
export async function openCliSendGate(
  loaded: LoadedConfig,
  account: Account,
  target: string,
  chat: { chatId: number | undefined; history(chatId: number): Promise<{ is_from_me: boolean }[]> },
): Promise<CliSendGate> {
  const [core, { createSendGate }] = await Promise.all([
    import("@imgate/channel-core"),
    import("@imgate/gateway"),
  ]);
  mkdirSync(loaded.stateDir, { recursive: true, mode: 0o700 });
  const store = core.openStateStore({ path: join(loaded.stateDir, "state.db") });
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
  const gate = createSendGate({
    accountId: account.accountId,
    limits: account.limits,
    pauses: core.asyncView(core.createPauseStore({ store })),
    sendLog: core.asyncView(core.createSendLog({ store })),
    hasWrittenToUs: async () =>
      chat.chatId !== undefined && (await chat.history(chat.chatId)).some((message) => !message.is_from_me),
    onHold: () => {},
    logger: core.silentLogger,
    clock: core.systemClock,
  });
  return {
    async check() {
      let hold = await gate.accountHold();
      const wait = hold?.until !== undefined ? hold.until - Date.now() : undefined;
      if (hold?.reason === "min-send-interval" && wait !== undefined && wait <= MAX_PACING_WAIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
        hold = await gate.accountHold();
      }
      return hold ?? (await gate.admit(entry));
    },
    recordSent: () => gate.recordSent(entry),
    hold(message, file) {
      const outbox = core.createOutbox({ store, requireReconcile: false });
      const texts = message.text
        ? core.chunkText(message.text, { limit: account.textChunkLimit, mode: account.chunkMode })
        : [];
      const chunks = texts.length === 0 ? [""] : texts;
      return store.transaction(() =>
        chunks.map((chunk, index) =>
          String(
            outbox.enqueue({
              idempotencyKey: core.agentIdempotencyKey(),
              channel: CHANNEL,
              accountId: account.accountId,
              chatKey,
              target,
              text: chunk,
              ...(index === 0 && file !== undefined ? { media: [file] } : {}),
            }).entry.id,
          ),
        ),
      );
    },
    close: () => store.close(),
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
