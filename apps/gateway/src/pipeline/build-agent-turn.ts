import { existsSync } from "node:fs";
import {
  type Envelope,
  envelopeTextOf,
  formatEnvelopeText,
  formatHistoryContext,
  type HistoryEntry,
} from "@imgate/channel-core";
import type { AgentAttachment, AgentHistoryEntry, AgentTurn } from "../agents/agent-turn.ts";
import type { FileDigest } from "../agents/file-digest.ts";
import { TRANSCRIPT_MARKER } from "../agents/transcript-marker.ts";
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
  /** Size and SHA-256 of local attachment files, by local path (see {@link attachmentLocalPaths}). */
  digests?: ReadonlyMap<string, FileDigest>;
  /** The group's extra system prompt (`resolveGroupSystemPrompt`). */
  systemPrompt?: string | undefined;
}

const OMISSION_TEXT: Record<NonNullable<AgentAttachment["omitted"]>, string> = {
  "too-large": "not passed on: over the size limit (channels.imessage.mediaMaxMb)",
  missing: "not passed on: the file is not on the Mac (not downloaded yet, or deleted)",
  "no-path": "not passed on: imsg reported no path for it",
};

function fromLabelOf(envelope: Envelope): string {
  if (envelope.chatType === "group") return `${envelope.chatName?.trim() || "Group"} id:${envelope.chatKey}`;
  return envelope.sender === envelope.senderRaw
    ? envelope.sender
    : `${envelope.sender} id:${envelope.senderRaw}`;
}

/** The local path of each attachment that has one (fetched, or on this machine), by attachment index. */
export function attachmentLocalPaths(
  input: Pick<BuildAgentTurnInput, "envelope" | "fetchedPaths" | "attachmentsAreLocal">,
): Map<number, string> {
  const paths = new Map<number, string>();
  input.envelope.attachments.forEach((attachment, index) => {
    const fetched = input.fetchedPaths?.get(index) ?? attachment.localPath;
    const local = fetched ?? (input.attachmentsAreLocal ? expandHome(attachment.sourcePath) : undefined);
    if (local && existsSync(local)) paths.set(index, local);
  });
  return paths;
}

/** The note a model reads for one attachment (the file itself, when it can take it, comes beside it). */
export function attachmentNote(attachment: AgentAttachment): string {
  const where = attachment.localPath
    ? ` at ${attachment.localPath}`
    : attachment.omitted
      ? ""
      : ", not fetched";
  const omitted = attachment.omitted ? ` ${OMISSION_TEXT[attachment.omitted]}` : "";
  return `[attachment ${attachment.name} (${attachment.mimeType}, ${attachment.sizeBytes} bytes${where})${omitted}]`;
}

/**
 * Builds the turn an agent backend receives: the text exactly as received, plus a model-ready `body`
 * (envelope header; in groups the messages since the agent's last reply first, §9.3) and the session's
 * history as user/assistant entries. Each message reaches the model once (issue 14): in groups the entries
 * since the last reply are in the body's block, so `history` ends at the last reply; user entries are
 * rendered with the same envelope header as the current message.
 */
export function buildAgentTurn(input: BuildAgentTurnInput): AgentTurn {
  const { envelope } = input;
  const fromLabel = fromLabelOf(envelope);
  const senderLabel =
    envelope.sender === envelope.senderRaw ? envelope.sender : `${envelope.sender} (${envelope.senderRaw})`;
  const localPaths = attachmentLocalPaths(input);
  const attachments: AgentAttachment[] = envelope.attachments.map((attachment, index) => {
    const out: AgentAttachment = {
      name: attachment.name,
      mimeType: attachment.mimeType,
      sizeBytes: attachment.sizeBytes,
    };
    const local = localPaths.get(index);
    if (local) {
      out.localPath = local;
      const digest = input.digests?.get(local);
      if (digest) {
        out.sizeBytes = digest.bytes;
        out.sha256 = digest.sha256;
      }
    }
    if (attachment.transcript) out.transcript = attachment.transcript;
    return out;
  });
  for (const omitted of envelope.omittedAttachments ?? []) {
    attachments.push({
      name: omitted.name,
      mimeType: omitted.mimeType,
      sizeBytes: omitted.sizeBytes,
      omitted: omitted.reason,
    });
  }
  const isTranscript = envelope.text.trim() !== "" && attachments.some((a) => a.transcript === envelope.text);
  // A file's place in the attributed string (U+FFFC) says nothing to a model that gets the file or its note
  // (openclaw/openclaw#17670: the agent saw only "￼").
  const shown =
    attachments.length > 0 ? envelope.text.replaceAll("\uFFFC", "").trim() : envelopeTextOf(envelope);
  const textLine = isTranscript ? `${TRANSCRIPT_MARKER} ${envelope.text}` : shown;
  const bodyText = [textLine, ...attachments.map(attachmentNote)].filter((part) => part !== "").join("\n");
  const envelopeOptions = { timezone: "utc" };
  const current = formatEnvelopeText({
    channelLabel: "iMessage",
    fromLabel,
    body: bodyText,
    chatType: envelope.chatType,
    senderLabel,
    timestamp: envelope.timestamp,
    ...(input.previousActivityAt !== undefined ? { previousTimestamp: input.previousActivityAt } : {}),
    ...(envelope.replyTo ? { replyTo: envelope.replyTo } : {}),
    options: envelopeOptions,
  });
  let body = current;
  let earlier: readonly HistoryEntry[] = input.history;
  if (envelope.chatType === "group") {
    let lastReply = -1;
    input.history.forEach((entry, index) => {
      if (isAssistantEntry(entry)) lastReply = index;
    });
    earlier = input.history.slice(0, lastReply + 1);
    body = formatHistoryContext(input.history.slice(lastReply + 1), current, {
      channelLabel: "iMessage",
      fromLabel,
      envelope: envelopeOptions,
    });
  }
  const history: AgentHistoryEntry[] = earlier.map((entry) => {
    if (isAssistantEntry(entry)) return { role: "assistant", text: entry.text, timestamp: entry.timestamp };
    const text = formatEnvelopeText({
      channelLabel: "iMessage",
      // A DM session can hold several senders (session.dmScope "main"): each entry is from its own sender.
      fromLabel: envelope.chatType === "group" ? fromLabel : (entry.senderLabel ?? entry.sender),
      body: entry.text,
      chatType: envelope.chatType,
      senderLabel: entry.senderLabel ?? entry.sender,
      timestamp: entry.timestamp,
      options: envelopeOptions,
    });
    return { role: "user", text, sender: entry.sender, timestamp: entry.timestamp };
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
  if (input.systemPrompt) turn.systemPrompt = input.systemPrompt;
  return turn;
}
