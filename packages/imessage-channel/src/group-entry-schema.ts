import { z } from "zod";
import { strictObject } from "./strict-object.ts";

/**
 * Why a `groups` key can never match, or `undefined` for a numeric chat_id or `"*"`. Messages carry the
 * chat id as the key (e.g. "2"); a key like "chat_id:2" or a chat guid silently never matched before.
 */
export function explainGroupKey(key: string): string | undefined {
  if (key === "*" || /^[1-9]\d*$/.test(key)) return undefined;
  const chatId = /^\s*(?:chat_id|chatid|chat):\s*(\d+)\s*$/i.exec(key)?.[1];
  if (chatId)
    return `groups keys are bare chat ids: write groups["${Number(chatId)}"] instead of groups["${key}"]`;
  return `groups keys must be a numeric chat_id (find it with "imgate chats") or "*" for every group; "${key}" never matches`;
}

/** Per-tool allow/deny lists for a group. */
export const toolPolicySchema = strictObject({
  /** Tools the agent may use. */
  allow: z.array(z.string()).optional().describe("Tools the agent may use in this group."),
  /** Tools added on top of the agent's defaults. */
  alsoAllow: z.array(z.string()).optional().describe("Tools added on top of the agent's defaults."),
  /** Tools the agent must not use. */
  deny: z.array(z.string()).optional().describe("Tools the agent must not use in this group."),
  /** A named tool profile. */
  profile: z.string().optional().describe("A named tool profile."),
}).describe("Tool policy for the agent in this group.");

/** Settings for one group (`groups.<chat_id>`) or for all groups (`groups."*"`). */
export const groupEntrySchema = strictObject({
  /** Answer only when mentioned. */
  requireMention: z
    .boolean()
    .optional()
    .describe('Answer only when a mention pattern matches. Resolution: this group, then "*", then true.'),
  /** Extra system prompt for the agent in this group. */
  systemPrompt: z
    .string()
    .optional()
    .describe(
      'Extra system prompt for the agent in this group (after the backend\'s own). This group\'s wins; "*" applies where a group defines none; "" suppresses "*". Not used in DMs.',
    ),
  /** Tool policy for this group. */
  tools: toolPolicySchema.optional(),
  /** Tool policy per sender (keys: handles, case-insensitive; "*" as wildcard). */
  toolsBySender: z
    .record(z.string(), toolPolicySchema)
    .optional()
    .describe('Tool policy per sender handle (case-insensitive; "*" as wildcard).'),
}).describe("Per-group settings; an explicit chat_id entry also marks a non-group thread as a group.");

/** One `groups.<id>` entry. */
export type ImessageGroupConfig = z.infer<typeof groupEntrySchema>;
