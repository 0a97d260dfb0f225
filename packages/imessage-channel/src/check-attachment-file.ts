import { stat } from "node:fs/promises";
import { ImessageDeliveryError } from "./imessage-errors.ts";

/**
 * Checks a local file before it is sent: it must exist, be a regular file and weigh at most `mediaMaxMb`
 * megabytes. Throws an `IMESSAGE_ATTACHMENT_REJECTED` {@link ImessageDeliveryError} naming the fix otherwise.
 */
export async function checkAttachmentFile(path: string, mediaMaxMb: number): Promise<void> {
  const info = await stat(path).catch((error: unknown) => {
    throw new ImessageDeliveryError(
      "IMESSAGE_ATTACHMENT_REJECTED",
      `Cannot send ${path}: the file does not exist or is unreadable.`,
      { cause: error },
    );
  });
  if (!info.isFile()) {
    throw new ImessageDeliveryError(
      "IMESSAGE_ATTACHMENT_REJECTED",
      `Cannot send ${path}: not a regular file.`,
    );
  }
  if (info.size > mediaMaxMb * 1024 * 1024) {
    throw new ImessageDeliveryError(
      "IMESSAGE_ATTACHMENT_REJECTED",
      `Cannot send ${path}: ${info.size} bytes is over mediaMaxMb (${mediaMaxMb} MB); raise channels.imessage.mediaMaxMb or send a smaller file.`,
    );
  }
}
