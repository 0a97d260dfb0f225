import type { Envelope } from "@imgate/channel-core";
import { describe, expect, it } from "vitest";
import { ASSISTANT_ROLE, buildAgentTurn } from "./build-agent-turn.ts";

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
    expect(turn.history.map((entry) => entry.role)).toEqual(["user", "assistant", "user"]);
    // The file does not exist locally: described, but with no local path.
    expect(turn.attachments).toEqual([{ name: "a.png", mimeType: "image/png", sizeBytes: 10 }]);
  });
});
