import { describe, expect, it } from "vitest";
import type { Envelope } from "../envelope.ts";
import { historyEntryOf } from "./history-entry-of.ts";

const base: Envelope = {
  channel: "imessage",
  accountId: "default",
  chatType: "direct",
  chatKey: "7",
  senderRaw: "+15550001111",
  sender: "+15550001111",
  text: "",
  attachments: [],
  timestamp: 1,
  messageId: "3",
  guid: "G3",
  participants: [],
};

describe("historyEntryOf: files leave short placeholders, never their bytes (issue 14)", () => {
  it("names each kept and omitted file after the text", () => {
    const entry = historyEntryOf({
      ...base,
      text: "\uFFFClook",
      attachments: [
        { name: "IMG_1.heic", mimeType: "image/heic", sizeBytes: 9, sourcePath: "/x/IMG_1.heic" },
      ],
      omittedAttachments: [
        { name: "clip.mov", mimeType: "video/quicktime", sizeBytes: 1e8, reason: "too-large" },
      ],
    });
    expect(entry.text).toBe("look\n[image IMG_1.heic]\n[video clip.mov, not passed on: too-large]");
  });

  it("keeps a text-only message exactly as sent", () => {
    expect(historyEntryOf({ ...base, text: "  spaced \uFFFC " }).text).toBe("  spaced \uFFFC ");
  });
});
