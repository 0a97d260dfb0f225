import { messageSchema } from "@imgate/imsg-rpc";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { ImsgMessage } from "./imsg-port.ts";
import { messageToInbound } from "./to-envelope.ts";

const account = { accountId: "bot", region: "US", groups: {}, includeAttachments: true, mediaMaxMb: 1 };

function msg(over: Partial<z.input<typeof messageSchema>> = {}): ImsgMessage {
  return messageSchema.parse({
    id: 10,
    chat_id: 5,
    guid: "G-10",
    sender: "+15550001111",
    is_from_me: false,
    text: "",
    created_at: "2026-01-17T00:00:00.000Z",
    attachments: [],
    chat_identifier: "+15550001111",
    chat_guid: "iMessage;-;+15550001111",
    participants: ["+15550001111"],
    is_group: false,
    ...over,
  });
}

const memo = {
  transfer_name: "Audio Message.caf",
  mime_type: "audio/x-caf",
  total_bytes: 4000,
  original_path: "/m/Audio Message.caf",
};

describe("messageToInbound: what the agent is told about files (issue 14)", () => {
  it("a photo over mediaMaxMb is not dropped: the message becomes a turn that names it", () => {
    const out = messageToInbound(
      msg({
        attachments: [
          {
            transfer_name: "IMG_1.heic",
            mime_type: "image/heic",
            total_bytes: 5_000_000,
            original_path: "/m/IMG_1.heic",
          },
        ],
      }),
      account,
    );
    if (out.kind !== "turn") throw new Error(`expected a turn, got ${out.kind}`);
    expect(out.envelope.attachments).toEqual([]);
    expect(out.envelope.omittedAttachments).toEqual([
      { name: "IMG_1.heic", mimeType: "image/heic", sizeBytes: 5_000_000, reason: "too-large" },
    ]);
  });

  it("with includeAttachments off the agent hears of no file, as before", () => {
    const out = messageToInbound(msg({ text: "hi", attachments: [memo] }), {
      ...account,
      includeAttachments: false,
    });
    if (out.kind !== "turn") throw new Error(`expected a turn, got ${out.kind}`);
    expect(out.envelope.omittedAttachments).toBeUndefined();
    expect(out.envelope.attachments).toEqual([]);
  });

  it("text on a voice memo is Apple's transcript and is kept on the attachment", () => {
    const out = messageToInbound(msg({ text: "call me back", attachments: [memo] }), account);
    if (out.kind !== "turn") throw new Error(`expected a turn, got ${out.kind}`);
    expect(out.envelope.text).toBe("call me back");
    expect(out.envelope.attachments[0]?.transcript).toBe("call me back");
  });

  it("a voice memo without a transcript has none; a photo's caption is never taken for one", () => {
    const bare = messageToInbound(msg({ text: "\uFFFC", attachments: [memo] }), account);
    if (bare.kind !== "turn") throw new Error(`expected a turn, got ${bare.kind}`);
    expect(bare.envelope.attachments[0]?.transcript).toBeUndefined();
    const photo = messageToInbound(
      msg({
        text: "look",
        attachments: [
          { transfer_name: "a.jpg", mime_type: "image/jpeg", total_bytes: 10, original_path: "/m/a.jpg" },
        ],
      }),
      account,
    );
    if (photo.kind !== "turn") throw new Error(`expected a turn, got ${photo.kind}`);
    expect(photo.envelope.attachments[0]?.transcript).toBeUndefined();
  });

  it("uses imsg's converted M4A of a voice memo when convert_attachments made one", () => {
    const out = messageToInbound(
      msg({
        attachments: [
          { ...memo, converted_path: "/cache/Audio Message.m4a", converted_mime_type: "audio/mp4" },
        ],
      }),
      account,
    );
    if (out.kind !== "turn") throw new Error(`expected a turn, got ${out.kind}`);
    expect(out.envelope.attachments[0]).toMatchObject({
      name: "Audio Message.caf",
      mimeType: "audio/mp4",
      sourcePath: "/cache/Audio Message.m4a",
    });
  });
});
