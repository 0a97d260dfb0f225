import { existsSync } from "node:fs";
import {
  type Envelope,
  envelopeTextOf,
  formatEnvelopeText,
  formatHistoryContext,
  type HistoryEntry,
} from "@imgate/channel-core";
import type { AgentAttachment, AgentHistoryEntry, AgentTurn } from "../agents/agent-turn.ts";
import { expandHome } from "../config/expand-home.ts";

/** Role marker stored in a history entry's `extra` for the agent's own replies. */
export const ASSISTANT_ROLE = "assistant";

/** Whether a stored history entry is one of the agent's replies. */
export function isAssistantEntry(entry: HistoryEntry): boolean {
  return entry.extra?.role === ASSISTANT_ROLE;
}

/** Inputs of {@link buildAgentTurn}. */
export interface BuildAgentTurnInput {
  envelope: Envelope;
  agentId: string;
  sessionKey: string;
  /** Stored history of the session, oldest first (without the current message). */
  history: readonly HistoryEntry[];
  /** When the session last saw activity (for the envelope's `+elapsed`). */
  previousActivityAt?: number | undefined;
  wasMentioned: boolean;
  /** Local paths of fetched attachments, by attachment index (remote accounts); local files are used as-is. */
  fetchedPaths?: ReadonlyMap<number, string>;
  /** Whether attachment source paths are on this machine (local transport). */
  attachmentsAreLocal: boolean;
}

function fromLabelOf(envelope: Envelope): string {
  if (envelope.chatType === "group") return `${envelope.chatName?.trim() || "Group"} id:${envelope.chatKey}`;
  return envelope.sender === envelope.senderRaw
    ? envelope.sender
    : `${envelope.sender} id:${envelope.senderRaw}`;
}

/**
 * Builds the turn an agent backend receives: the text exactly as received, plus a model-ready `body`
 * (envelope header; in groups the messages since the agent's last reply first, §9.3) and the session's
 * history as user/assistant entries.
 */
export function buildAgentTurn(input: BuildAgentTurnInput): AgentTurn {
  const { envelope } = input;
  const fromLabel = fromLabelOf(envelope);
  const senderLabel =
    envelope.sender === envelope.senderRaw ? envelope.sender : `${envelope.sender} (${envelope.senderRaw})`;
  const attachments: AgentAttachment[] = envelope.attachments.map((attachment, index) => {
    const fetched = input.fetchedPaths?.get(index) ?? attachment.localPath;
    const local = fetched ?? (input.attachmentsAreLocal ? expandHome(attachment.sourcePath) : undefined);
    const out: AgentAttachment = {
      name: attachment.name,
      mimeType: attachment.mimeType,
      sizeBytes: attachment.sizeBytes,
    };
    if (local && existsSync(local)) out.localPath = local;
    return out;
  });
  const attachmentNotes = attachments.map(
    (a) =>
      `[attachment ${a.name} (${a.mimeType}, ${a.sizeBytes} bytes${a.localPath ? ` at ${a.localPath}` : ", not fetched"})]`,
  );
  const bodyText = [envelopeTextOf(envelope), ...attachmentNotes].filter((part) => part !== "").join("\n");
  const current = formatEnvelopeText({
    channelLabel: "iMessage",
    fromLabel,
    body: bodyText,
    chatType: envelope.chatType,
    senderLabel,
    timestamp: envelope.timestamp,
    ...(input.previousActivityAt !== undefined ? { previousTimestamp: input.previousActivityAt } : {}),
    ...(envelope.replyTo ? { replyTo: envelope.replyTo } : {}),
    options: { timezone: "utc" },
  });
  let body = current;
  if (envelope.chatType === "group") {
    let lastReply = -1;
    input.history.forEach((entry, index) => {
      if (isAssistantEntry(entry)) lastReply = index;
    });
    const pending = input.history.slice(lastReply + 1);
    body = formatHistoryContext(pending, current, {
      channelLabel: "iMessage",
      fromLabel,
      envelope: { timezone: "utc" },
    });
  }
  const history: AgentHistoryEntry[] = input.history.map((entry) => {
    const assistant = isAssistantEntry(entry);
    const text =
      !assistant && envelope.chatType === "group"
        ? `${entry.senderLabel ?? entry.sender}: ${entry.text}`
        : entry.text;
    const out: AgentHistoryEntry = {
      role: assistant ? "assistant" : "user",
      text,
      timestamp: entry.timestamp,
    };
    if (!assistant) out.sender = entry.sender;
    return out;
  });
  const turn: AgentTurn = {
    agentId: input.agentId,
    sessionKey: input.sessionKey,
    channel: envelope.channel,
    accountId: envelope.accountId,
    chatType: envelope.chatType,
    chatKey: envelope.chatKey,
    sender: envelope.sender,
    senderRaw: envelope.senderRaw,
    messageId: envelope.messageId,
    timestamp: envelope.timestamp,
    text: envelope.text,
    body,
    history,
    attachments,
    wasMentioned: input.wasMentioned,
  };
  if (envelope.chatName) turn.chatName = envelope.chatName;
  if (envelope.replyTo) turn.replyTo = { ...envelope.replyTo };
  const reaction = envelope.reaction;
  if (reaction) {
    turn.event = {
      kind: "reaction",
      reaction: reaction.kind,
      ...(reaction.emoji !== undefined ? { emoji: reaction.emoji } : {}),
      added: reaction.added,
      from: envelope.sender,
      target: { ...reaction.target },
    };
  }
  return turn;
}
