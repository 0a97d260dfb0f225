import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildAgentTurn } from "../pipeline/build-agent-turn.ts";
import { agentTurnJsonSchema, agentTurnSchema } from "./agent-turn-schema.ts";
import { digestFiles } from "./file-digest.ts";

describe("the agent turn's JSON Schema (exec stdin, webhook body)", () => {
  it("is the committed apps/gateway/agent-turn.schema.json", () => {
    const file = fileURLToPath(new URL("../../agent-turn.schema.json", import.meta.url));
    // Regenerate: IMGATE_WRITE_TURN_SCHEMA=1 pnpm exec vitest run apps/gateway/src/agents/agent-turn-schema.test.ts
    if (process.env.IMGATE_WRITE_TURN_SCHEMA === "1")
      writeFileSync(file, `${JSON.stringify(agentTurnJsonSchema(), null, 2)}\n`);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(agentTurnJsonSchema());
  });

  it("documents each attachment's local path, MIME type, size, sha256 and transcript", () => {
    const schema = agentTurnJsonSchema() as {
      properties: { attachments: { items: { properties: Record<string, { description?: string }> } } };
    };
    const fields = schema.properties.attachments.items.properties;
    for (const key of ["localPath", "mimeType", "sizeBytes", "sha256", "transcript", "omitted"]) {
      expect(fields[key]?.description, key).toBeTruthy();
    }
  });

  it("accepts a turn the gateway builds, files and all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-turn-schema-"));
    try {
      const path = join(dir, "IMG_1.jpg");
      writeFileSync(path, "jpeg bytes");
      const envelope = {
        channel: "imessage",
        accountId: "default",
        chatType: "group" as const,
        chatKey: "42",
        senderRaw: "+15550001111",
        sender: "+15550001111",
        text: "look",
        attachments: [{ name: "IMG_1.jpg", mimeType: "image/jpeg", sizeBytes: 10, sourcePath: path }],
        omittedAttachments: [
          { name: "v.mov", mimeType: "video/quicktime", sizeBytes: 9e7, reason: "too-large" as const },
        ],
        timestamp: 1,
        messageId: "9",
        guid: "G9",
        participants: [],
      };
      const turn = buildAgentTurn({
        envelope,
        agentId: "main",
        sessionKey: "agent:main:imessage:group:42",
        history: [{ sender: "+15550002222", text: "hi", messageId: "1", timestamp: 0 }],
        wasMentioned: true,
        attachmentsAreLocal: true,
        digests: await digestFiles([path]),
        systemPrompt: "Be brief.",
      });
      const parsed = agentTurnSchema.strict().safeParse(JSON.parse(JSON.stringify(turn)));
      expect(parsed.error?.issues).toBeUndefined();
      expect(turn.attachments[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
