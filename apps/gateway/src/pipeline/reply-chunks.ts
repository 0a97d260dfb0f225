import { chunkText } from "@imgate/channel-core";
import type { ResolvedImessageAccount } from "@imgate/imessage-channel";

/** Cuts a reply's text into the chunks the answering account sends (its `textChunkLimit` and `chunkMode`). */
export function replyChunks(text: string, answering: ResolvedImessageAccount): string[] {
  return chunkText(text, { limit: answering.textChunkLimit, mode: answering.chunkMode });
}
