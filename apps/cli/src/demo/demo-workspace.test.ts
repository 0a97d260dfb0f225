import { readFileSync } from "node:fs";
import { parseJson5 } from "@imgate/gateway/json5-document";
import { describe, expect, it } from "vitest";
import { createDemoWorkspace } from "./demo-workspace.ts";

describe("demo config", () => {
  it("shows a vision agent, commented out, enabled by uncommenting one line", async () => {
    const demo = await createDemoWorkspace();
    try {
      const text = readFileSync(demo.configPath, "utf8");
      const line = text.split("\n").find((l) => l.includes('type: "openai"'));
      expect(line?.trim().startsWith("// backend:")).toBe(true);
      // Uncommented in place of the echo backend, the file is a valid config with a vision agent.
      const enabled = text
        .replace(/^\s*backend: \{ type: "echo" \},\n/m, "")
        .replace(line as string, (line as string).replace("// ", ""));
      const { parseGatewayConfig } = await import("@imgate/gateway");
      const config = parseGatewayConfig(parseJson5(enabled));
      expect(config.agents.list[0]?.backend).toMatchObject({
        type: "openai",
        vision: true,
        transcription: { model: "whisper-1" },
      });
      expect(config.channels.imessage?.includeAttachments).toBe(true);
    } finally {
      demo.remove();
    }
  });
});
