import { expect } from "vitest";
import { type OutgoingRow, outgoingRows } from "./sim-db.ts";

/** One inbound message a test injected, as {@link auditReplies} needs it (the echo agent replies with its text). */
export interface AuditedMessage {
  /** The unique text; the echo agent's reply carries it back. */
  text: string;
  /** The chat.db chat it went into (`inject(...).chatId`); undefined if it was never injected. */
  chatId?: number | undefined;
  /** Whether the sender may be answered (false: a stranger, whose message must get nothing). */
  allowed: boolean;
}

/** What the chat.db shows about the replies to a list of injected messages. */
export interface ReplyAudit {
  allowed: number;
  outgoingRows: number;
  /** Allowed messages answered exactly once. */
  answeredOnce: number;
  /** Allowed messages with no reply. */
  missing: string[];
  /** Replies sent more than once (`text ×n`). */
  duplicates: string[];
  /** Replies whose text belongs to another chat, or to no injected message (`text → chat n`). */
  misplaced: string[];
  /** Replies to messages from senders that must get nothing. */
  uninvitedAnswered: string[];
  /** Chats whose replies are not in the order their messages were injected. */
  outOfOrderChats: number[];
}

/**
 * Checks the outgoing rows of a chat.db against the injected messages, in injection order: every allowed message
 * answered once, in its own chat, each chat's replies in the order its messages arrived, strangers never
 * (the chaos proof's and the failover test's "exactly once, in its chat, in order").
 */
export function auditReplies(messages: readonly AuditedMessage[], rows: readonly OutgoingRow[]): ReplyAudit {
  const index = new Map(messages.map((message, i) => [message.text, i]));
  const counts = new Map<string, number>();
  const misplaced: string[] = [];
  const uninvitedAnswered: string[] = [];
  const order = new Map<number, number[]>();
  for (const row of rows) {
    counts.set(row.text, (counts.get(row.text) ?? 0) + 1);
    const i = index.get(row.text);
    const message = i === undefined ? undefined : messages[i];
    if (i === undefined || !message || message.chatId !== row.chatId)
      misplaced.push(`${row.text} → chat ${row.chatId}`);
    else if (!message.allowed) uninvitedAnswered.push(row.text);
    else order.set(row.chatId, [...(order.get(row.chatId) ?? []), i]);
  }
  const outOfOrderChats = [...order]
    .filter(([, seq]) => seq.some((value, i) => i > 0 && value < (seq[i - 1] as number)))
    .map(([chatId]) => chatId);
  const allowed = messages.filter((message) => message.allowed);
  return {
    allowed: allowed.length,
    outgoingRows: rows.length,
    answeredOnce: allowed.filter((message) => counts.get(message.text) === 1).length,
    missing: allowed.filter((message) => !counts.has(message.text)).map((message) => message.text),
    duplicates: [...counts].filter(([, n]) => n > 1).map(([text, n]) => `${text} ×${n}`),
    misplaced,
    uninvitedAnswered,
    outOfOrderChats,
  };
}

/** Asserts an {@link auditReplies} result: 0 missing, 0 duplicates, 0 misplaced, strangers unanswered, in order. */
export function expectExactlyOnce(audit: ReplyAudit): void {
  expect(audit.missing).toEqual([]);
  expect(audit.duplicates).toEqual([]);
  expect(audit.misplaced).toEqual([]);
  expect(audit.uninvitedAnswered).toEqual([]);
  expect(audit.outOfOrderChats).toEqual([]);
  expect(audit.answeredOnce).toBe(audit.allowed);
  expect(audit.outgoingRows).toBe(audit.allowed);
}

/**
 * {@link outgoingRows}, retried while SQLite reports the chat.db busy (a reader can meet `database is locked`
 * while a freshly SIGKILLed writer's WAL is being recovered by the next imsg process).
 */
export async function readOutgoingRows(dbPath: string): Promise<OutgoingRow[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return outgoingRows(dbPath);
    } catch (error) {
      if (attempt >= 50 || !/locked|busy/i.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
