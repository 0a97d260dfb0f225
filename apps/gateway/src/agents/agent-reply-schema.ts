/**
 * The rich reply an `exec` command prints or a `webhook` answers (issue 13): text, a tapback on the
 * inbound message, an inline (threaded) reply, and files. `{"text": "…"}` alone stays valid.
 */
import { z } from "zod";
import { GatewayErrorCode } from "../errors/gateway-error.ts";
import { AgentError } from "./agent-error.ts";
import type { AgentReply, AgentReplyFile } from "./agent-turn.ts";

/** The six tapbacks an agent may send. */
export const AGENT_REACTIONS = ["love", "like", "dislike", "laugh", "emphasize", "question"] as const;

/** Most files one reply may carry. */
export const MAX_REPLY_FILES = 10;

const fileSchema = z.union([
  z
    .string()
    .min(1)
    .describe(
      "exec only: absolute path of a local file inside the agent's backend.fileRoots (at most mediaMaxMb).",
    ),
  z
    .strictObject({
      name: z
        .string()
        .min(1)
        .max(255)
        .describe("The file name shown in Messages (no folders; e.g. report.pdf)."),
      base64: z.base64().describe("The file's bytes, base64-encoded (at most mediaMaxMb once decoded)."),
    })
    .describe("A file sent inline (the only form a webhook may use)."),
]);

/** The rich reply object (other keys are ignored). */
export const agentReplySchema = z
  .looseObject({
    text: z.string().optional().describe("The reply text; empty or absent sends no text."),
    reaction: z
      .enum(AGENT_REACTIONS)
      .optional()
      .describe("A tapback put on the inbound message (needs imsg's bridge; skipped otherwise)."),
    threaded: z
      .boolean()
      .optional()
      .describe(
        "Send the text (and files) as an inline reply to the inbound message (plain send without the bridge).",
      ),
    files: z
      .array(fileSchema)
      .max(MAX_REPLY_FILES)
      .optional()
      .describe("Files sent after the text, one message each."),
  })
  .describe("What an exec command prints on stdout or a webhook answers: one JSON object.");

/** The JSON Schema (draft 2020-12) of the rich reply, for agent authors (`imgate config schema --agent-reply`). */
export function agentReplyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(agentReplySchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

/** Where a reply came from, for error messages and the rules that differ (webhooks cannot name paths). */
export interface AgentReplySource {
  backend: "exec" | "webhook";
  /** The command or URL, for messages. */
  name: string;
}

/**
 * Turns a backend's parsed JSON into an {@link AgentReply}. Rules (documented in the gateway README):
 * not an object, or an object with none of `text`, `reaction`, `files` → retryable bad response (as a
 * garbled answer may be right next time); a field of the wrong type or value, or a webhook naming a local
 * path → non-retryable bad response (the same contract violation would repeat), so the turn is given up
 * at once with `messages.agentFailureReply`.
 */
export function parseAgentReply(json: unknown, source: AgentReplySource): AgentReply {
  const who =
    source.backend === "exec" ? `The exec backend \`${source.name}\`` : `The webhook ${source.name}`;
  const example = '{"text": "reply"} (optionally with "reaction", "threaded", "files")';
  const fail = (message: string, retryable: boolean, cause?: unknown) =>
    new AgentError(GatewayErrorCode.AgentBadResponse, message, { backend: source.backend, retryable, cause });
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw fail(`${who} answered JSON that is not an object; answer ${example}.`, true);
  }
  const parsed = agentReplySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? issue.path.join(".") : "(reply)";
    throw fail(
      `${who} answered an invalid rich reply: ${path}: ${issue?.message ?? "invalid"}; see the rich reply format in the gateway README.`,
      false,
      parsed.error,
    );
  }
  const { text, reaction, threaded, files } = parsed.data;
  if (text === undefined && reaction === undefined && files === undefined) {
    throw fail(
      `${who} answered JSON without a string "text" (or "reaction"/"files"); answer ${example}.`,
      true,
    );
  }
  const replyFiles: AgentReplyFile[] = [];
  for (const [index, file] of (files ?? []).entries()) {
    if (typeof file === "string") {
      if (source.backend === "webhook") {
        throw fail(
          `${who} answered files.${index} as a path; a webhook sends files as {"name": "…", "base64": "…"}.`,
          false,
        );
      }
      replyFiles.push({ path: file });
    } else {
      replyFiles.push({ name: file.name, data: Buffer.from(file.base64, "base64") });
    }
  }
  return {
    text: text ?? "",
    ...(reaction !== undefined ? { reaction } : {}),
    ...(threaded === true ? { threaded: true } : {}),
    ...(replyFiles.length > 0 ? { files: replyFiles } : {}),
  };
}
