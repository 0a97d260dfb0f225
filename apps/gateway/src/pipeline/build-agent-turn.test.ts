import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Envelope } from "@imgate/channel-core";
import { describe, expect, it } from "vitest";
import { digestFiles } from "../agents/file-digest.ts";
import { ASSISTANT_ROLE, attachmentLocalPaths, buildAgentTurn } from "./build-agent-turn.ts";

const envelope: Envelope = {
  channel: "imessage",
  accountId: "default",
  chatType: "group",
  chatKey: "42",
  senderRaw: "+15550001111",
  sender: "+15550001111",
  text: "@bot what did I miss?",
  attachments: [{ name: "a.png", mimeType: "image/png", sizeBytes: 10, sourcePath: "/nonexistent/a.png" }],
  timestamp: Date.UTC(2026, 0, 17),
  messageId: "9",
  guid: "G9",
  participants: [],
  chatName: "Team",
};

describe("buildAgentTurn", () => {
  it("keeps the text as received and puts pending group messages since the last reply into the body", () => {
    const turn = buildAgentTurn({
      envelope,
      agentId: "main",
      sessionKey: "agent:main:imessage:group:42",
      history: [
        { sender: "+15550002222", text: "old", messageId: "1", timestamp: 1 },
        {
          sender: "main",
          text: "old reply",
          messageId: "reply:1",
          timestamp: 2,
          extra: { role: ASSISTANT_ROLE },
        },
        { sender: "+15550002222", text: "pending chatter", messageId: "5", timestamp: 3 },
      ],
      wasMentioned: true,
      attachmentsAreLocal: true,
    });
    expect(turn.text).toBe("@bot what did I miss?");
    expect(turn.body).toContain("[Chat messages since your last reply - for context]");
    expect(turn.body).toContain("pending chatter");
    expect(turn.body).not.toContain("old reply");
    expect(turn.body).toContain("Team id:42");
    // Issue 14: the pending message is in the body's block only, so history ends at the last reply.
    expect(turn.history.map((entry) => entry.role)).toEqual(["user", "assistant"]);
    // The file does not exist locally: described, but with no local path.
    expect(turn.attachments).toEqual([{ name: "a.png", mimeType: "image/png", sizeBytes: 10 }]);
  });

  it("puts every group message in the turn once: history up to the last reply, later ones in the body", () => {
    const history = [
      { sender: "+15550002222", text: "first", messageId: "1", timestamp: 1 },
      {
        sender: "main",
        text: "reply one",
        messageId: "reply:1",
        timestamp: 2,
        extra: { role: ASSISTANT_ROLE },
      },
      { sender: "+15550003333", text: "unmentioned A", messageId: "3", timestamp: 3 },
      { sender: "+15550002222", text: "unmentioned B", messageId: "4", timestamp: 4 },
    ];
    const turn = buildAgentTurn({
      envelope: { ...envelope, attachments: [] },
      agentId: "main",
      sessionKey: "s",
      history,
      wasMentioned: true,
      attachmentsAreLocal: true,
    });
    const everything = [turn.body, ...turn.history.map((entry) => entry.text)].join("\n");
    for (const text of ["first", "reply one", "unmentioned A", "unmentioned B", "what did I miss?"]) {
      expect(everything.split(text).length - 1, text).toBe(1);
    }
    expect(turn.history[0]?.text).toBe("[iMessage Team id:42 1970-01-01T00:00Z] +15550002222: first");
  });

  it("renders DM history user entries with the same envelope header as the current message", () => {
    const dm: Envelope = {
      ...envelope,
      chatType: "direct",
      chatKey: "7",
      chatName: undefined,
      attachments: [],
    } as Envelope;
    delete dm.chatName;
    const turn = buildAgentTurn({
      envelope: dm,
      agentId: "main",
      sessionKey: "agent:main:main",
      history: [
        { sender: "+15550001111", text: "earlier", messageId: "1", timestamp: Date.UTC(2026, 0, 16) },
        // dmScope "main": another sender's DM in the same session keeps its own label.
        {
          sender: "bob@example.com",
          text: "hi from bob",
          messageId: "2",
          timestamp: Date.UTC(2026, 0, 16, 1),
        },
      ],
      wasMentioned: true,
      attachmentsAreLocal: true,
    });
    expect(turn.history[0]?.text).toBe("[iMessage +15550001111 2026-01-16T00:00Z] earlier");
    expect(turn.history[1]?.text).toBe("[iMessage bob@example.com 2026-01-16T01:00Z] hi from bob");
    expect(turn.body).toBe("[iMessage +15550001111 2026-01-17T00:00Z] @bot what did I miss?");
  });

  it("gives each fetched file its local path, real size and sha256, and notes omitted files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-turn-"));
    try {
      const path = join(dir, "a.png");
      writeFileSync(path, "not really a png");
      const withFiles: Envelope = {
        ...envelope,
        attachments: [{ name: "a.png", mimeType: "image/png", sizeBytes: 999, sourcePath: path }],
        omittedAttachments: [
          { name: "big.mov", mimeType: "video/quicktime", sizeBytes: 90_000_000, reason: "too-large" },
        ],
      };
      const where = { envelope: withFiles, attachmentsAreLocal: true };
      const turn = buildAgentTurn({
        ...where,
        agentId: "main",
        sessionKey: "s",
        history: [],
        wasMentioned: true,
        digests: await digestFiles(attachmentLocalPaths(where).values()),
      });
      expect(turn.attachments).toEqual([
        {
          name: "a.png",
          mimeType: "image/png",
          sizeBytes: 16,
          localPath: path,
          sha256: createHash("sha256").update("not really a png").digest("hex"),
        },
        { name: "big.mov", mimeType: "video/quicktime", sizeBytes: 90_000_000, omitted: "too-large" },
      ]);
      expect(turn.body).toContain(
        "[attachment big.mov (video/quicktime, 90000000 bytes) not passed on: over the size limit (channels.imessage.mediaMaxMb)]",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("marks Apple's transcript of a voice memo as a transcript", () => {
    const memo: Envelope = {
      ...envelope,
      text: "pick up the kids",
      attachments: [
        {
          name: "Audio Message.caf",
          mimeType: "audio/x-caf",
          sizeBytes: 5,
          sourcePath: "/nonexistent/a.caf",
          transcript: "pick up the kids",
        },
      ],
    };
    const turn = buildAgentTurn({
      envelope: memo,
      agentId: "main",
      sessionKey: "s",
      history: [],
      wasMentioned: true,
      attachmentsAreLocal: true,
    });
    expect(turn.text).toBe("pick up the kids");
    expect(turn.body).toContain("[Voice memo transcript] pick up the kids");
    expect(turn.attachments[0]?.transcript).toBe("pick up the kids");
  });
});

describe("buildAgentTurn: a photo without a caption (openclaw/openclaw#17670)", () => {
  it("shows the model the file's note, not the object replacement character imsg reports as text", () => {
    const photo: Envelope = {
      ...envelope,
      chatType: "direct",
      text: "\uFFFC",
      attachments: [
        { name: "IMG_0001.heic", mimeType: "image/heic", sizeBytes: 5, sourcePath: "/nonexistent/x.heic" },
      ],
    };
    const turn = buildAgentTurn({
      envelope: photo,
      agentId: "main",
      sessionKey: "s",
      history: [],
      wasMentioned: true,
      attachmentsAreLocal: true,
    });
    expect(turn.text).toBe("\uFFFC");
    expect(turn.body).not.toContain("\uFFFC");
    expect(turn.body).toContain("[attachment IMG_0001.heic (image/heic, 5 bytes, not fetched)]");
  });
});
