/**
 * Inbound attachment selection (channel-behavior §10, decisions Q4/Q5): only files with an
 * `original_path` that are not `missing`, only when `includeAttachments` is on, and none larger than
 * `mediaMaxMb`. The agent gets a description (kind, name, size) — never placeholder text.
 */
import type { AttachmentDescriptor, OmittedAttachment } from "@imgate/channel-core";
import type { ImsgAttachment } from "./imsg-port.ts";

/** Why an attachment was not passed on. */
export type AttachmentRefusal = "disabled" | "no-path" | "missing" | "too-large";

/** Result of {@link selectAttachments}. */
export interface AttachmentSelection {
  /** Attachments passed to the agent. */
  kept: AttachmentDescriptor[];
  /** Attachments left out, with the reason (for logs and counters). */
  refused: Array<{ name: string; reason: AttachmentRefusal; mimeType: string; sizeBytes: number }>;
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
    const mimeType = attachment.mime_type || "application/octet-stream";
    const sizeBytes = attachment.total_bytes ?? 0;
    const refuse = (reason: AttachmentRefusal) =>
      selection.refused.push({ name, reason, mimeType, sizeBytes });
    if (!options.includeAttachments) refuse("disabled");
    else if (!attachment.original_path) refuse("no-path");
    else if (attachment.missing === true) refuse("missing");
    else if (sizeBytes > maxBytes) refuse("too-large");
    else if (attachment.converted_path && mimeType.toLowerCase().startsWith("audio/")) {
      // A voice memo is CAF, which transcription endpoints do not take; imsg's `convert_attachments` made
      // an M4A copy (where ffmpeg is present): that copy is what the agent gets (issue 14).
      selection.kept.push({
        name,
        mimeType: attachment.converted_mime_type || "audio/mp4",
        sizeBytes,
        sourcePath: attachment.converted_path,
      });
    } else selection.kept.push({ name, mimeType, sizeBytes, sourcePath: attachment.original_path });
  }
  return selection;
}

/**
 * The refusals the agent is told about (everything but `disabled`: with `includeAttachments` off the agent
 * never hears of files, as before).
 */
export function omittedAttachmentsOf(selection: AttachmentSelection): OmittedAttachment[] {
  const omitted: OmittedAttachment[] = [];
  for (const { name, reason, mimeType, sizeBytes } of selection.refused) {
    if (reason !== "disabled") omitted.push({ name, mimeType, sizeBytes, reason });
  }
  return omitted;
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
