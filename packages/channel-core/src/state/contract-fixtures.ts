import { afterEach, beforeEach } from "vitest";
import type { Envelope } from "../envelope.ts";
import type { HistoryEntry } from "../history-store.ts";
import { createManualClock, type ManualClock } from "../manual-clock.ts";
import type { OutboxDraft } from "../outbox-types.ts";
import type { PendingTurnDraft } from "../pending-turn-store.ts";
import { parseOutcomeBatch } from "./outcome-ops.ts";
import type { CommitOutcomesResult, OutcomeBatch, StateBackend } from "./state-backend.ts";

/** Opens a backend over an EMPTY database whose every time comes from `clock`; `close` also removes it. */
export type OpenStateBackend = (
  clock: ManualClock,
) => Promise<{ backend: StateBackend; close(): Promise<void> }>;

/** The backend and clock of the running contract test. */
export interface ContractContext {
  readonly backend: StateBackend;
  readonly clock: ManualClock;
}

/** Registers hooks opening a fresh backend (and clock) before each test and closing it after. */
export function useContractBackend(open: OpenStateBackend): ContractContext {
  let opened: { backend: StateBackend; close(): Promise<void> } | undefined;
  let clock: ManualClock | undefined;
  beforeEach(async () => {
    clock = createManualClock();
    opened = await open(clock);
  });
  afterEach(async () => {
    const closing = opened;
    opened = undefined;
    await closing?.close();
  });
  const current = () => {
    if (!opened || !clock) throw new Error("The state backend contract is used outside a test.");
    return { backend: opened.backend, clock };
  };
  return {
    get backend() {
      return current().backend;
    },
    get clock() {
      return current().clock;
    },
  };
}

export const CHANNEL = "imessage";
export const ACCOUNT = "bot";
export const OTHER_ACCOUNT = "alt";

/** An inbound envelope of `ACCOUNT` with `guid`. */
export function envelopeOf(guid: string, timestamp: number): Envelope {
  return {
    channel: CHANNEL,
    accountId: ACCOUNT,
    chatType: "direct",
    chatKey: "7",
    senderRaw: "+15550001111",
    sender: "+15550001111",
    text: `text of ${guid}`,
    attachments: [],
    timestamp,
    messageId: `m-${guid}`,
    guid,
    participants: [],
    channelData: { service: "iMessage", chatGuid: "iMessage;-;+15550001111" },
  };
}

/** A pending-turn draft of `guid` arriving at `at`. */
export function turnDraftOf(
  guid: string,
  at: number,
  extra: Partial<PendingTurnDraft> = {},
): PendingTurnDraft {
  return {
    accountId: ACCOUNT,
    envelope: envelopeOf(guid, at),
    sessionKey: "agent:main:main",
    agentId: "main",
    target: "chat_id:7",
    request: { text: `text of ${guid}`, history: [] },
    meta: { answeringAccountId: ACCOUNT },
    arrivedAt: at,
    attempts: 1,
    nextAttemptAt: at + 1_000,
    lastError: "HTTP 503",
    ...extra,
  };
}

/** An outbox draft: chunk `index` of the reply to `guid`, in chat `chatKey`. */
export function outboxDraftOf(
  chatKey: string,
  guid: string,
  index: number,
  extra: Partial<OutboxDraft> = {},
): OutboxDraft {
  return {
    idempotencyKey: `reply:${CHANNEL}:${extra.accountId ?? ACCOUNT}:${guid}:${index}`,
    channel: CHANNEL,
    accountId: ACCOUNT,
    chatKey,
    target: `chat_id:${chatKey}`,
    text: `chunk ${index} of ${guid}`,
    ...extra,
  };
}

/** A history entry with message id `messageId`. */
export function historyEntryOf(
  messageId: string,
  timestamp: number,
  extra: Partial<HistoryEntry> = {},
): HistoryEntry {
  return { sender: "+15550001111", text: `said ${messageId}`, messageId, timestamp, ...extra };
}

/**
 * Commits `batch` as it would cross a network: checked against the wire schema and passed through JSON, so a
 * batch the tests build is one a PostgreSQL backend receives unchanged.
 */
export function commitOnWire(backend: StateBackend, batch: OutcomeBatch): Promise<CommitOutcomesResult> {
  return backend.commitOutcomes(JSON.parse(JSON.stringify(parseOutcomeBatch(batch))) as OutcomeBatch);
}

/** Awaits `promise`, expecting it to reject with an error whose `code` is `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let failure: unknown;
  try {
    await promise;
  } catch (error) {
    failure = error;
  }
  if (failure === undefined) throw new Error(`expected a rejection with code ${code}, but it resolved`);
  const actual = (failure as { code?: unknown }).code;
  if (actual !== code) {
    throw new Error(`expected a rejection with code ${code}, got ${String(actual)}: ${String(failure)}`, {
      cause: failure,
    });
  }
}
