import { z } from "zod";
import type { AgentAttachment, AgentHistoryEntry, AgentTurn } from "./agent-turn.ts";

/**
 * The turn an `exec` command reads on stdin and a `webhook` receives as its body, as a zod schema: the source of
 * the JSON Schema in `apps/gateway/agent-turn.schema.json` (kept equal by a test). It mirrors {@link AgentTurn}
 * (a compile-time check below fails when the two drift apart).
 */

const historyEntrySchema = z
  .object({
    role: z
      .enum(["user", "assistant"])
      .describe("user for inbound messages, assistant for the agent's replies."),
    text: z
      .string()
      .describe(
        "Assistant: the reply as sent. User: the message with the same envelope header as body ([iMessage <from> <time>] …; in groups with '<sender>: '), files as short placeholders like [image IMG_0001.heic].",
      ),
    sender: z.string().optional().describe("Normalised sender handle of a user entry."),
    timestamp: z.number().describe("Milliseconds since the Unix epoch."),
  })
  .describe("One earlier message of the session, oldest first.");

const attachmentSchema = z
  .object({
    name: z.string().describe("The sender's file name (imsg transfer_name)."),
    mimeType: z
      .string()
      .describe("MIME type (application/octet-stream when unknown); for a converted voice memo, the M4A's."),
    sizeBytes: z
      .number()
      .describe("Size of the local file in bytes when there is one, else the size imsg reported."),
    localPath: z
      .string()
      .optional()
      .describe(
        "Path of the file on the gateway's machine; absent when it could not be fetched or was not passed on.",
      ),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe("SHA-256 of the local file's bytes (lower-case hex); present exactly when localPath is."),
    transcript: z
      .string()
      .optional()
      .describe(
        "Transcript of a voice memo that came with one (Apple's own, which imsg reports as the text).",
      ),
    omitted: z
      .enum(["too-large", "missing", "no-path"])
      .optional()
      .describe(
        "Set when the file is not passed on: over channels.imessage.mediaMaxMb, not on the Mac, or without a path.",
      ),
  })
  .describe("A file that came with the message (only with channels.imessage.includeAttachments).");

/** The zod schema of an {@link AgentTurn}. */
export const agentTurnSchema = z
  .object({
    agentId: z.string().describe("The agent answering (agents.list[].id)."),
    sessionKey: z.string().describe("Session key, e.g. agent:main:main or agent:main:imessage:group:42."),
    channel: z.string().describe("Always imessage."),
    accountId: z.string().describe("The channels.imessage account that received the message."),
    chatType: z.enum(["direct", "group"]),
    chatKey: z.string().describe("Conversation key within the account (the chat id)."),
    sender: z.string().describe("Normalised sender (E.164 phone or lower-cased email)."),
    senderRaw: z.string().describe("Sender exactly as imsg reported it."),
    chatName: z.string().optional().describe("Group name, when the chat has one."),
    messageId: z.string().describe("imsg's message id (the chat.db ROWID)."),
    timestamp: z.number().describe("Milliseconds since the Unix epoch."),
    text: z.string().describe("The message text exactly as received: no envelope, no history."),
    body: z
      .string()
      .describe(
        "The text formatted for a model: envelope header, in groups the messages since the agent's last reply first, one note line per file.",
      ),
    history: z
      .array(historyEntrySchema)
      .describe(
        "Earlier messages of the session; in groups up to the agent's last reply (later ones are in body).",
      ),
    attachments: z.array(attachmentSchema),
    wasMentioned: z.boolean().describe("Whether the agent was mentioned (always true in DMs)."),
    replyTo: z
      .object({ id: z.string().optional(), text: z.string(), sender: z.string().optional() })
      .optional()
      .describe("The message this one replies to."),
    systemPrompt: z
      .string()
      .optional()
      .describe('The group\'s extra system prompt (channels.imessage.groups.<chat_id|"*">.systemPrompt).'),
  })
  .describe("One imgate agent turn: exec stdin, webhook request body.");

// Compile-time: the schema and the TypeScript types describe the same JSON.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const checks: [
  Same<z.infer<typeof historyEntrySchema>, AgentHistoryEntry>,
  Same<z.infer<typeof attachmentSchema>, AgentAttachment>,
  Same<z.infer<typeof agentTurnSchema>, AgentTurn>,
] = [true, true, true];
void checks;

/** The JSON Schema (draft 2020-12) of the turn `exec` and `webhook` backends receive. */
export function agentTurnJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(agentTurnSchema, { io: "output" }) as Record<string, unknown>;
}
