import { readFile } from "node:fs/promises";
import type { AgentAttachment } from "../agent-turn.ts";
import { heicToJpeg } from "./heic-to-jpeg.ts";

/** An OpenAI chat `image_url` content part. */
export interface ImageUrlPart {
  type: "image_url";
  image_url: { url: string };
}

/** Longest edge of a converted photo: what OpenAI-compatible vision models scale to anyway. */
export const VISION_MAX_EDGE_PX = 2048;

/** Image types OpenAI-compatible vision endpoints take as they are. */
const ACCEPTED = new Set(["image/jpeg", "image/png", "image/webp", "image/gif"]);

/** HEIC/HEIF (iPhone photos): converted to JPEG. */
const HEIF = new Set(["image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"]);

function isHeif(attachment: AgentAttachment): boolean {
  return HEIF.has(attachment.mimeType.toLowerCase()) || /\.hei[cf]$/i.test(attachment.name);
}

/** Whether an attachment is an image the vision path handles (sent, converted, or described in a note). */
export function isImageAttachment(attachment: AgentAttachment): boolean {
  return attachment.mimeType.toLowerCase().startsWith("image/") || isHeif(attachment);
}

/**
 * The content part of an image attachment for a vision model: a `data:` URL of the file's exact bytes with
 * its MIME type when the endpoint takes the type, HEIC/HEIF converted to JPEG (longer edge at most
 * {@link VISION_MAX_EDGE_PX}); otherwise a note that says why the model does not see it (issue 14: never
 * silently dropped).
 */
export async function imagePartOf(
  attachment: AgentAttachment,
): Promise<{ part: ImageUrlPart } | { note: string }> {
  const name = attachment.name;
  if (!attachment.localPath) {
    const why =
      attachment.omitted === "too-large" ? "it is over the size limit" : "the file could not be fetched";
    return { note: `[image ${name} is not shown to you: ${why}]` };
  }
  const type = attachment.mimeType.toLowerCase();
  let bytes: Buffer;
  try {
    bytes = await readFile(attachment.localPath);
  } catch {
    return { note: `[image ${name} is not shown to you: the file could not be read]` };
  }
  if (ACCEPTED.has(type)) return { part: dataUrlPart(type, bytes) };
  if (isHeif(attachment)) {
    try {
      return { part: dataUrlPart("image/jpeg", await heicToJpeg(bytes, VISION_MAX_EDGE_PX)) };
    } catch {
      return { note: `[image ${name} is not shown to you: it could not be converted from HEIC]` };
    }
  }
  return { note: `[image ${name} is not shown to you: the model endpoint does not take ${type} images]` };
}

function dataUrlPart(mimeType: string, bytes: Uint8Array): ImageUrlPart {
  return {
    type: "image_url",
    image_url: { url: `data:${mimeType};base64,${Buffer.from(bytes).toString("base64")}` },
  };
}
