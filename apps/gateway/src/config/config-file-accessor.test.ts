import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type JsonObject, setConfigValue, unsetConfigValue } from "@imgate/channel-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createConfigFileAccessor } from "./config-file-accessor.ts";
import { parseJson5 } from "./json5-document.ts";

const FILE = `// imgate (keep this header)
{
  channels: {
    imessage: {
      dmPolicy: "allowlist", // who may talk (keep this comment)
      allowFrom: ["+15550001111"],
    },
  },
  /* agents */
  agents: { list: [{ id: "main", default: true, backend: { type: "echo" } }] },
}
`;

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imgate-config-accessor-"));
  path = join(dir, "imgate.json5");
  writeFileSync(path, FILE);
  chmodSync(path, 0o640);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("createConfigFileAccessor", () => {
  it("sets a value in place: comments kept, same mode, no temp file left", async () => {
    const accessor = createConfigFileAccessor(path, {
      action: "set",
      segments: ["messages", "responsePrefix"],
      value: "[bot]",
    });
    const current = await accessor.read();
    expect(await accessor.write(setConfigValue(current, "messages.responsePrefix", "[bot]"))).toEqual({
      ok: true,
    });
    const text = readFileSync(path, "utf8");
    expect(text).toContain("// who may talk (keep this comment)");
    expect(text).toContain("/* agents */");
    expect(parseJson5(text)).toMatchObject({ messages: { responsePrefix: "[bot]" } });
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["imgate.json5"]);
  });

  it("removes a list element by index", async () => {
    const accessor = createConfigFileAccessor(path, {
      action: "unset",
      segments: ["channels", "imessage", "allowFrom", "0"],
    });
    const current = await accessor.read();
    const { result } = unsetConfigValue(current, "channels.imessage.allowFrom[0]");
    expect(await accessor.write(result)).toEqual({ ok: true });
    expect(parseJson5(readFileSync(path, "utf8"))).toMatchObject({
      channels: { imessage: { allowFrom: [] } },
    });
  });

  it("refuses a result the gateway's validator rejects, naming the key path, and leaves the file", async () => {
    const accessor = createConfigFileAccessor(path, {
      action: "set",
      segments: ["channels", "imessage", "dmPolicy"],
      value: "sometimes",
    });
    const current = await accessor.read();
    const result = await accessor.write(setConfigValue(current, "channels.imessage.dmPolicy", "sometimes"));
    expect(result).toMatchObject({ ok: false, path: "channels.imessage.dmPolicy" });
    expect(readFileSync(path, "utf8")).toBe(FILE);
  });

  it("refuses to write when the file changed between read and write", async () => {
    const accessor = createConfigFileAccessor(path, {
      action: "set",
      segments: ["commands", "config"],
      value: true,
    });
    const current: JsonObject = await accessor.read();
    const edited = `${FILE}// edited by hand\n`;
    writeFileSync(path, edited);
    const result = await accessor.write(setConfigValue(current, "commands.config", true));
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/changed/) });
    expect(readFileSync(path, "utf8")).toBe(edited);
  });

  it("reports an unreadable or broken file as a ConfigError with a code", async () => {
    writeFileSync(path, "{ channels: ");
    await expect(createConfigFileAccessor(path).read()).rejects.toMatchObject({ code: "CONFIG_SYNTAX" });
    await expect(createConfigFileAccessor(join(dir, "missing.json5")).read()).rejects.toMatchObject({
      code: "CONFIG_NOT_FOUND",
    });
  });
});
