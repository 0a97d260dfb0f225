import { applyResponsePrefix, resolveResponsePrefix } from "@imgate/channel-core";
import type { ResolvedImessageAccount } from "@imgate/imessage-channel";
import type { AgentReply } from "../agents/agent-turn.ts";
import type { ReplyExtras } from "./enqueue-replies.ts";
import { replyChunks } from "./reply-chunks.ts";

/** What an agent's answer puts in the chat. */
export interface AnsweredReply {
  /** The reply's text with the response prefix; empty when the reply has no text. */
  text: string;
  /** `text` cut for the answering account (none when there is no text). */
  chunks: string[];
  /** The reaction, threading and staged files that go with the chunks. */
  extras: ReplyExtras;
  /** Whether anything is sent at all (a chunk, a reaction or a file). */
  answers: boolean;
}

/** Options of {@link shapeAnsweredReply}. */
export interface ShapeAnsweredReplyOptions {
  /** The account that answers (its chunk limit and mode). */
  answering: ResolvedImessageAccount;
  /** `messages.responsePrefix` as configured (`auto` uses `identityName`). */
  responsePrefix: string | undefined;
  /** The agent's `identity.name`, if it has one. */
  identityName: string | undefined;
  /** Local paths of the reply's files, already checked and staged. */
  files: readonly string[];
}

/**
 * Shapes an agent's answer for the chat: the response prefix on its text, the text cut into chunks, and
 * the reaction, threading and files alongside. A prefix alone is not a reply: a reaction- or file-only
 * answer sends no text.
 */
export function shapeAnsweredReply(reply: AgentReply, options: ShapeAnsweredReplyOptions): AnsweredReply {
  const { answering, identityName, files } = options;
  const prefix = resolveResponsePrefix(options.responsePrefix, identityName ? { identityName } : {});
  const { reaction, threaded } = reply;
  const text = reply.text.trim() === "" ? "" : applyResponsePrefix(reply.text, prefix);
  const chunks = text.trim() === "" ? [] : replyChunks(text, answering);
  const extras: ReplyExtras = {
    ...(reaction !== undefined ? { reaction } : {}),
    ...(threaded ? { threaded } : {}),
    ...(files.length > 0 ? { files } : {}),
  };
  const answers = chunks.length > 0 || reaction !== undefined || files.length > 0;
  return { text, chunks, extras, answers };
}
