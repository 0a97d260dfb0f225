import { describe, expect, it } from "vitest";
import { isGatewayError } from "../errors/gateway-error.ts";
import type { AgentError } from "./agent-error.ts";
import { agentReplyJsonSchema, parseAgentReply } from "./agent-reply-schema.ts";

const exec = { backend: "exec", name: "bot.py" } as const;
const webhook = { backend: "webhook", name: "http://127.0.0.1/hook" } as const;

function failure(json: unknown, source: typeof exec | typeof webhook = exec): AgentError {
  try {
    parseAgentReply(json, source);
  } catch (error) {
    expect(isGatewayError(error, "AGENT_BAD_RESPONSE")).toBe(true);
    return error as AgentError;
  }
  throw new Error("expected a bad response");
}

describe("rich agent replies", () => {
  it("keeps {text} valid and ignores unknown keys", () => {
    expect(parseAgentReply({ text: "hi", model: "x" }, exec)).toEqual({ text: "hi" });
  });

  it("reads every field: reaction, threaded, a path (exec) and inline bytes", () => {
    const reply = parseAgentReply(
      {
        text: "see attached",
        reaction: "love",
        threaded: true,
        files: ["/tmp/a.png", { name: "b.txt", base64: Buffer.from("bee").toString("base64") }],
      },
      exec,
    );
    expect(reply).toEqual({
      text: "see attached",
      reaction: "love",
      threaded: true,
      files: [{ path: "/tmp/a.png" }, { name: "b.txt", data: Buffer.from("bee") }],
    });
  });

  it("takes a reaction-only reply as no text", () => {
    expect(parseAgentReply({ reaction: "like" }, webhook)).toEqual({ text: "", reaction: "like" });
  });

  it("retries an object with none of text, reaction, files (like a garbled answer)", () => {
    const error = failure({ answer: "x" });
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('"text"');
    expect(failure([1, 2]).retryable).toBe(true);
  });

  it("gives up at once on an invalid field, naming it", () => {
    const badReaction = failure({ text: "x", reaction: "heart" });
    expect(badReaction.retryable).toBe(false);
    expect(badReaction.message).toContain("reaction");
    expect(failure({ text: 5 }).message).toContain("text");
    expect(failure({ text: "x", threaded: "yes" }).retryable).toBe(false);
    expect(failure({ files: [{ name: "a", base64: "@@not base64@@" }] }).message).toContain("files.0");
  });

  it("refuses a local path from a webhook", () => {
    const error = failure({ text: "x", files: ["/etc/passwd"] }, webhook);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("base64");
  });

  it("documents the format as a JSON Schema with every field described", () => {
    const schema = agentReplyJsonSchema() as {
      properties: Record<string, { description?: string; enum?: string[] }>;
    };
    expect(Object.keys(schema.properties).sort()).toEqual(["files", "reaction", "text", "threaded"]);
    for (const property of Object.values(schema.properties)) expect(property.description).toBeTruthy();
    expect(schema.properties.reaction?.enum).toEqual([
      "love",
      "like",
      "dislike",
      "laugh",
      "emphasize",
      "question",
    ]);
  });
});
