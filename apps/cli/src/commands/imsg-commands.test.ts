import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imsgSimToolPath, makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";
import { writeSimConfig } from "../testing/sim-config.ts";

afterAll(removeTempDirs);

let home: string;
let config: string;
let db: string;
let port: number;

beforeAll(async () => {
  home = makeTempDir();
  port = await freePort();
  db = join(home, "chat.db");
  // A free port so `send` finds no gateway and uses a one-shot imsg client.
  config = writeSimConfig({ home, db, stateDir: join(home, "state"), port });
  const inject = (...args: string[]) => execFileSync(imsgSimToolPath, ["inject", "--db", db, ...args]);
  inject("--from", "+15550001111", "--text", "hello from alice");
  inject(
    "--from",
    "+15550002222",
    "--text",
    "group hi",
    "--chat-identifier",
    "chat777",
    "--group",
    "--name",
    "Team",
  );
});

const cli = (...args: string[]) => runCli(args, { env: { HOME: home } });

describe("imgate chats / history / send (against imsg-sim)", () => {
  it("lists chats as JSON and as a table", async () => {
    const json = await cli("chats", "--json", "--config", config);
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const chats = JSON.parse(json.stdout) as { id: number; identifier: string; is_group: boolean }[];
    expect(chats.map((c) => c.identifier).sort()).toEqual(["+15550001111", "chat777"]);
    const table = await cli("chats", "--limit", "5", "--config", config);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Target\s+Kind\s+Name/m);
    expect(table.stdout).toContain("Team");
  });

  it("shows history by chat_id and by handle, and rejects a bad limit (exit 2)", async () => {
    const chats = JSON.parse((await cli("chats", "--json", "--config", config)).stdout) as {
      id: number;
      identifier: string;
    }[];
    const group = chats.find((c) => c.identifier === "chat777")!;
    const byId = await cli("history", `chat_id:${group.id}`, "--json", "--config", config);
    expect(byId.code).toBe(0);
    expect((JSON.parse(byId.stdout) as { text: string }[]).map((m) => m.text)).toEqual(["group hi"]);
    const byHandle = await cli("history", "+15550001111", "--config", config);
    expect(byHandle.code).toBe(0);
    expect(byHandle.stdout).toContain("+15550001111: hello from alice");
    const bad = await cli("history", "chat_id:1", "--limit", "zero", "--config", config);
    expect(bad.code).toBe(2);
  });

  it("sends with a one-shot imsg client when no gateway runs", async () => {
    const send = await cli("send", "+15550001111", "hi alice", "--json", "--config", config);
    expect(send.stderr).toBe("");
    expect(send.code).toBe(0);
    expect(JSON.parse(send.stdout)).toMatchObject({ via: "imsg", accountId: "default", status: "sent" });
    const history = await cli("history", "+15550001111", "--json", "--config", config);
    const texts = (JSON.parse(history.stdout) as { text: string; is_from_me: boolean }[]).map((m) => [
      m.text,
      m.is_from_me,
    ]);
    expect(texts).toContainEqual(["hi alice", true]);
  });

  it("fails with the fix when imsg is missing (exit 1), and needs text or a file (exit 2)", async () => {
    const broken = join(home, "broken.json5");
    writeFileSync(
      broken,
      `{ channels: { imessage: { cliPath: "/nonexistent/imsg" } }, gateway: { http: { port: ${port} } } }`,
    );
    const run = await cli("chats", "--config", broken);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/imsg/);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    const empty = await cli("send", "+15550001111", "--config", config);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/Nothing to send/);
  });
});
