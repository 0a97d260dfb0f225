import { describe, expect, it } from "vitest";
import { createLogger } from "./create-logger.ts";
import { loadPrettyPrinter } from "./load-pretty-printer.ts";

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe("createLogger", () => {
  it("writes JSON lines by default", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ destination });
    logger.info({ account: "bot" }, "started");
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ msg: "started", account: "bot", level: 30 });
  });

  it("never writes a planted secret, whatever the field name, nesting, message or child binding", () => {
    const planted = "sk-PLANTED-7f3a9c";
    const { lines, destination } = capture();
    const logger = createLogger({ destination, secrets: [planted] });
    logger.info(
      { apiKey: planted, config: { remote: { passphrase: planted }, webhookSecret: planted } },
      "a",
    );
    logger.warn({ headers: { Authorization: `Bearer ${planted}` } }, "b");
    logger.error({ err: new Error(`request failed with key ${planted}`) }, `msg ${planted}`);
    logger.child({ authToken: planted }).info({}, "child");
    logger.info({ list: [{ access_token: "tok-abcdef" }] }, "array");
    const output = lines.join("");
    expect(lines).toHaveLength(5);
    expect(output).not.toContain(planted);
    expect(output).not.toContain("tok-abcdef");
    expect(output).toContain("[Redacted]");
    // Non-secret structure survives.
    expect(JSON.parse(lines[0]!).config.remote).toEqual({ passphrase: "[Redacted]" });
  });

  it("redacts Bearer credentials even when the secret value is unknown", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ destination });
    logger.info({}, "sending Authorization: Bearer abc.def-123");
    expect(lines.join("")).not.toContain("abc.def-123");
  });

  it("pretty-prints when asked, still redacted", async () => {
    const planted = "planted-secret-value";
    const { lines, destination } = capture();
    const prettify = await loadPrettyPrinter({ colorize: false });
    const logger = createLogger({ prettify, destination, secrets: [planted] });
    logger.info({ token: planted, other: planted }, "hello pretty");
    const output = lines.join("");
    expect(output).toContain("hello pretty");
    expect(output).not.toContain(planted);
    expect(() => JSON.parse(output)).toThrow();
  });
});
