import type { Envelope } from "./envelope.ts";
import type { GroupEntryConfig } from "./policy-types.ts";

/**
 * The extra system prompt of a group conversation (`groups.<chatKey>.systemPrompt`, issue 14), with the
 * original gateway's rules: the group's own entry wins when it defines one, `groups["*"]` applies where it
 * defines none, and `""` (on the group) suppresses the wildcard. Direct conversations never get one.
 */
export function resolveGroupSystemPrompt(
  groups: Readonly<Record<string, GroupEntryConfig>> | undefined,
  envelope: Pick<Envelope, "chatType" | "chatKey">,
): string | undefined {
  if (envelope.chatType !== "group" || !groups) return undefined;
  const own =
    envelope.chatKey !== "*" && Object.hasOwn(groups, envelope.chatKey)
      ? groups[envelope.chatKey]
      : undefined;
  const prompt = own?.systemPrompt ?? groups["*"]?.systemPrompt;
  return prompt?.trim() ? prompt : undefined;
}
