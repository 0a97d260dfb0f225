import type { AgentBackend } from "./agent-backend.ts";
import type { AgentAttachment } from "./agent-turn.ts";
import { digestFile } from "./file-digest.ts";

/** The echo line for one attachment, or undefined when it was not fetched (or cannot be read). */
export async function echoAttachmentLine(attachment: AgentAttachment): Promise<string | undefined> {
  if (!attachment.localPath) return undefined;
  const file = await digestFile(attachment.localPath);
  if (!file) return undefined;
  return `[attachment ${attachment.name} ${file.bytes} bytes sha256:${file.sha256}]`;
}

/**
 * The demo backend (DESIGN.md): replies with the turn's text exactly as received (no envelope), then one
 * line `[attachment <transfer_name> <bytes> bytes sha256:<hex>]` per attachment, computed from the fetched
 * local file. Unfetched or refused attachments get no line; the text is still answered. Event turns (tapbacks)
 * get no answer.
 */
export function createEchoBackend(): AgentBackend {
  return {
    kind: "echo",
    async reply(turn) {
      // Events (tapbacks) are not messages to echo.
      if (turn.event) return { text: "" };
      const lines: string[] = [];
      if (turn.text.length > 0) lines.push(turn.text);
      for (const attachment of turn.attachments) {
        const line = await echoAttachmentLine(attachment);
        if (line) lines.push(line);
      }
      return { text: lines.join("\n") };
    },
  };
}
