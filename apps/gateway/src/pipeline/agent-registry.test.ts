import { describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../config/parse-gateway-config.ts";
import { createAgentRegistry } from "./agent-registry.ts";

describe("agent registry", () => {
  it("builds each agent's backend and picks mention patterns: agent's own, else global, else identity", () => {
    const config = parseGatewayConfig({
      agents: {
        list: [
          {
            id: "own",
            default: true,
            groupChat: { mentionPatterns: ["@own"], historyLimit: 5 },
            backend: { type: "echo" },
          },
          { id: "global", backend: { type: "exec", command: ["true"] } },
        ],
      },
      messages: { groupChat: { mentionPatterns: ["@everyone"] } },
    });
    const registry = createAgentRegistry(config);
    expect(registry.get("own")?.mentionPatterns).toEqual(["@own"]);
    expect(registry.get("own")?.groupHistoryLimit).toBe(5);
    expect(registry.get("global")?.mentionPatterns).toEqual(["@everyone"]);
    expect(registry.get("global")?.backend.kind).toBe("exec");
    const derived = createAgentRegistry(
      parseGatewayConfig({
        agents: { list: [{ id: "m", identity: { name: "Molty" }, backend: { type: "echo" } }] },
      }),
    );
    const patterns = derived.get("m")?.mentionPatterns ?? [];
    expect(patterns.some((pattern) => new RegExp(pattern, "i").test("hey @molty"))).toBe(true);
  });
});
