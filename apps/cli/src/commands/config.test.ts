import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

afterAll(removeTempDirs);

const original = `// my imgate config
{
  channels: {
    imessage: {
      cliPath: "imsg", // local imsg
      dmPolicy: "pairing",
    },
  },
  agents: { list: [{ id: "main", default: true, backend: { type: "openai", model: "llama3", apiKeyEnv: "OPENAI_KEY" } }] },
}
`;

let dir: string;
let config: string;
beforeEach(() => {
  dir = makeTempDir();
  config = join(dir, "imgate.json5");
  writeFileSync(config, original);
});
const cli = (...args: string[]) => runCli(args, { env: { HOME: dir } });

describe("imgate config", () => {
  it("validates a good file (exit 0) and names the key path and suggestion for a typo (exit 2)", async () => {
    const ok = await cli("config", "validate", "--config", config);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("is valid");

    writeFileSync(config, original.replace("dmPolicy", "dmPolcy"));
    const bad = await cli("config", "validate", "--config", config);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("channels.imessage.dmPolcy");
    expect(bad.stderr).toContain("dmPolicy");
    const json = await cli("config", "validate", "--json", "--config", config);
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.stdout) as { valid: boolean; problems: { path: string }[] };
    expect(parsed.valid).toBe(false);
    expect(parsed.problems.map((p) => p.path)).toContain("channels.imessage.dmPolcy");
  });

  it("reads IMGATE_CONFIG when --config is absent", async () => {
    const run = await runCli(["config", "get", "channels.imessage.cliPath"], {
      env: { HOME: dir, IMGATE_CONFIG: config },
    });
    expect(run).toMatchObject({ code: 0, stdout: "imsg\n" });
  });

  it("gets written values, defaults, and fails (exit 1) for an unknown path", async () => {
    expect((await cli("config", "get", "channels.imessage.dmPolicy", "--config", config)).stdout).toBe(
      "pairing\n",
    );
    const port = await cli("config", "get", "gateway.http.port", "--config", config);
    expect(port).toMatchObject({ code: 0, stdout: "18790\n" });
    const list = await cli("config", "get", "agents.list[0].backend", "--json", "--config", config);
    expect(JSON.parse(list.stdout)).toMatchObject({ type: "openai", model: "llama3" });
    const missing = await cli("config", "get", "channels.imessage.nothing", "--config", config);
    expect(missing.code).toBe(1);
    // An unknown key is named as such (issue 12: no `config set` hint that would be refused).
    expect(missing.stderr).toMatch(/channels\.imessage\.nothing is not a config key/);
  });

  it("sets values as JSON5 literals or strings, keeping comments", async () => {
    const set = await cli("config", "set", "channels.imessage.dmPolicy", "allowlist", "--config", config);
    expect(set.code).toBe(0);
    const set2 = await cli(
      "config",
      "set",
      "channels.imessage.allowFrom",
      '["+15551234567"]',
      "--config",
      config,
    );
    expect(set2.code).toBe(0);
    const set3 = await cli("config", "set", "channels.imessage.textChunkLimit", "2000", "--config", config);
    expect(set3.code).toBe(0);
    // A bare phone number stays a handle (JSON5 alone would read `+1555…` as a number).
    const set4 = await cli(
      "config",
      "set",
      "channels.imessage.allowFrom[1]",
      "+15557654321",
      "--config",
      config,
    );
    expect(set4.code).toBe(0);
    const text = readFileSync(config, "utf8");
    expect(text).toContain("// my imgate config");
    expect(text).toContain("// local imsg");
    expect(text).toContain('dmPolicy: "allowlist"');
    expect(text).toMatch(/allowFrom: \["\+15551234567", "\+15557654321"\]/);
    expect(text).toContain("textChunkLimit: 2000");
    expect((await cli("config", "validate", "--config", config)).code).toBe(0);
  });

  it("refuses a set that makes the config invalid, leaving the file untouched", async () => {
    const typo = await cli("config", "set", "channels.imessage.dmPolcy", "open", "--config", config);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("channels.imessage.dmPolcy");
    expect(typo.stderr).toMatch(/did you mean "dmPolicy"/);
    const badValue = await cli(
      "config",
      "set",
      "channels.imessage.dmPolicy",
      "sometimes",
      "--config",
      config,
    );
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain("channels.imessage.dmPolicy");
    expect(readFileSync(config, "utf8")).toBe(original);
  });

  it("unsets a key and refuses an unset that breaks validation", async () => {
    const unset = await cli("config", "unset", "channels.imessage.cliPath", "--config", config);
    expect(unset.code).toBe(0);
    expect(readFileSync(config, "utf8")).not.toContain("cliPath");
    const breaking = await cli("config", "unset", "agents.list[0].backend.model", "--config", config);
    expect(breaking.code).toBe(2);
    expect(breaking.stderr).toContain("agents.list[0].backend.model");
    expect(readFileSync(config, "utf8")).toContain('model: "llama3"');
  });

  it("shows the config with defaults and redacts secrets", async () => {
    writeFileSync(
      config,
      original.replace('apiKeyEnv: "OPENAI_KEY"', 'apiKeyEnv: "OPENAI_KEY", system: "be brief"'),
    );
    const show = await cli("config", "show", "--json", "--config", config);
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout) as { gateway: { http: { port: number } }; agents: unknown };
    expect(shown.gateway.http.port).toBe(18790);
    expect(JSON.stringify(shown.agents)).toContain("OPENAI_KEY");
  });

  it("prints a JSON Schema that covers channels.imessage", async () => {
    const run = await cli("config", "schema");
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout) as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    expect(schema.properties.channels?.properties?.imessage).toBeDefined();
    expect(schema.properties.gateway).toBeDefined();
  });

  it("prints the JSON Schema of an agent's rich reply with --agent-reply", async () => {
    const run = await cli("config", "schema", "--agent-reply");
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties).sort()).toEqual(["files", "reaction", "text", "threaded"]);
  });

  it("reports a syntax error with its position (exit 2)", async () => {
    writeFileSync(config, "{ channels: { imessage: { cliPath: 'imsg' } }\n  agents: {} }");
    const run = await cli("config", "validate", "--config", config);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/imgate\.json5:2:3: .*fix the JSON5 syntax/);
  });
});
