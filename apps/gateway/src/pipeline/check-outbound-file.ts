import { stat } from "node:fs/promises";
import { ControlApiHttpError } from "../control-api/control-api-http-error.ts";

/**
 * Checks a file named in `POST /v1/send` before it is queued: it must be a readable regular file within
 * `mediaMaxMb`. Throws a 400 {@link ControlApiHttpError} (`invalid_file`) naming the fix.
 */
export async function checkOutboundFile(path: string, mediaMaxMb: number): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) {
    throw new ControlApiHttpError(
      400,
      "invalid_file",
      `Cannot send ${path}: it is not a readable regular file on the gateway's machine; give an absolute path to an existing file.`,
    );
  }
  if (info.size > mediaMaxMb * 1024 * 1024) {
    throw new ControlApiHttpError(
      400,
      "invalid_file",
      `Cannot send ${path}: ${info.size} bytes is over mediaMaxMb (${mediaMaxMb} MB); send a smaller file or raise channels.imessage.mediaMaxMb.`,
    );
  }
}
