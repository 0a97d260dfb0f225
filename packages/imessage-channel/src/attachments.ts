/**
 * Inbound attachment selection (channel-behavior §10, decisions Q4/Q5): only files with an
 * `original_path` that are not `missing`, only when `includeAttachments` is on, and none larger than
 * `mediaMaxMb`. The agent gets a description (kind, name, size) — never placeholder text.
 */
import type { AttachmentDescriptor } from "@imgate/channel-core";
import type { ImsgAttachment } from "./imsg-port.ts";

/** Why an attachment was not passed on. */
export type AttachmentRefusal = "disabled" | "no-path" | "missing" | "too-large";

/** Result of {@link selectAttachments}. */
export interface AttachmentSelection {
  /** Attachments passed to the agent. */
  kept: AttachmentDescriptor[];
  /** Attachments left out, with the reason (for logs and counters). */
  refused: Array<{ name: string; reason: AttachmentRefusal }>;
}

/** Options of {@link selectAttachments}. */
export interface AttachmentSelectionOptions {
  /** The account's `includeAttachments`. */
  includeAttachments: boolean;
  /** The account's `mediaMaxMb`. */
  mediaMaxMb: number;
}

function nameOf(attachment: ImsgAttachment): string {
  const transfer = attachment.transfer_name?.trim();
  if (transfer) return transfer;
  const path = attachment.original_path || attachment.filename || "";
  return path.split("/").pop() || "attachment";
}

/** Chooses the attachments that reach the agent. */
export function selectAttachments(
  attachments: readonly ImsgAttachment[] | undefined,
  options: AttachmentSelectionOptions,
): AttachmentSelection {
  const selection: AttachmentSelection = { kept: [], refused: [] };
  const maxBytes = options.mediaMaxMb * 1024 * 1024;
  for (const attachment of attachments ?? []) {
    const name = nameOf(attachment);
    if (!options.includeAttachments) selection.refused.push({ name, reason: "disabled" });
    else if (!attachment.original_path) selection.refused.push({ name, reason: "no-path" });
    else if (attachment.missing === true) selection.refused.push({ name, reason: "missing" });
    else if ((attachment.total_bytes ?? 0) > maxBytes) selection.refused.push({ name, reason: "too-large" });
    else {
      selection.kept.push({
        name,
        mimeType: attachment.mime_type || "application/octet-stream",
        sizeBytes: attachment.total_bytes ?? 0,
        sourcePath: attachment.original_path,
      });
    }
  }
  return selection;
}

/** The kind of a file from its MIME type: image, audio, video, document or file. */
export function attachmentKind(mimeType: string): "image" | "audio" | "video" | "document" | "file" {
  const type = mimeType.toLowerCase();
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("audio/")) return "audio";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("application/") && type !== "application/octet-stream") return "document";
  if (type.startsWith("text/")) return "document";
  return "file";
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A one-line description for the agent, e.g. `image IMG_0001.heic (120.6 KB) at /tmp/…/IMG_0001.heic`. */
export function describeAttachment(attachment: AttachmentDescriptor): string {
  const where = attachment.localPath ? ` at ${attachment.localPath}` : "";
  return `${attachmentKind(attachment.mimeType)} ${attachment.name} (${formatSize(attachment.sizeBytes)})${where}`;
}
