import { stat } from "node:fs/promises";

/**
 * What is wrong with a local file the gateway is asked to send, or undefined when it may go: it must be a
 * readable regular file within `mediaMaxMb`. The sentence names the fix; callers wrap it in their own error
 * (`imgate send`'s 400, an agent reply's bad-response error).
 */
export async function outboundFileProblem(path: string, mediaMaxMb: number): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) {
    return `Cannot send ${path}: it is not a readable regular file on the gateway's machine; give an absolute path to an existing file.`;
  }
  if (info.size > mediaMaxMb * 1024 * 1024) {
    return `Cannot send ${path}: ${info.size} bytes is over mediaMaxMb (${mediaMaxMb} MB); send a smaller file or raise channels.imessage.mediaMaxMb.`;
  }
  return undefined;
}
