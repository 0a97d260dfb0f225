import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createImsgClient, type ImsgClient, type Message } from "@imgate/imsg-rpc";
import { createSimDb, IMSG_BIN, IMSG_SIM_BIN, waitFor } from "@imgate/imsg-sim/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { imsgRpcCommand } from "./imsg-transport.ts";
import { createSshConnection, type SshConnection } from "./ssh-connection.ts";
import { createRecordingLogger } from "./testing/recording-logger.ts";
import { type SshdHarness, startSshd } from "./testing/sshd-harness.ts";

const run = promisify(execFile);
let sshd: SshdHarness;
let tmp: string;
const connections: SshConnection[] = [];
const clients: ImsgClient[] = [];
const simEnv = { IMGATE_NODE: process.execPath, IMSG_SIM_COMPAT: "0.15", IMSG_SIM_POLL_MS: "20" };

function connect(
  extra: Parameters<SshdHarness["connectionConfig"]>[0] = {},
  logger = createRecordingLogger(),
) {
  const conn = createSshConnection(sshd.connectionConfig(extra), {
    logger,
    backoff: { initialMs: 50, maxMs: 200, jitter: 0 },
  });
  connections.push(conn);
  return conn;
}

function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        stream.off("data", onData);
        resolve(buf.slice(0, nl));
      }
    };
    stream.on("data", onData);
  });
}

beforeAll(async () => {
  sshd = await startSshd();
  tmp = mkdtempSync(join(tmpdir(), "remote-ssh-imsg-"));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(connections.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await sshd?.stop();
  // Set in beforeAll: undefined when it failed early (e.g. no sshd); a second error here would hide the first.
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("imsgRpcCommand", () => {
  it("quotes every word and renders env assignments through env(1)", () => {
    expect(imsgRpcCommand({ imsgPath: "imsg" })).toBe("'imsg' 'rpc'");
    expect(
      imsgRpcCommand(
        { imsgPath: "/opt/my imsg", dbPath: "/db/it's.db" },
        { args: ["--json"], env: { A: "x y" } },
      ),
    ).toBe(`env 'A=x y' '/opt/my imsg' 'rpc' '--db' '/db/it'\\''s.db' '--json'`);
    expect(() => imsgRpcCommand({ imsgPath: "imsg" }, { env: { "A;rm": "x" } })).toThrow(
      /invalid environment/,
    );
  });
});

describe("imsgTransport over a real sshd", () => {
  it("maps stdin/stdout/stderr/exit of the exec channel and passes hostile args and env intact", async () => {
    // A stand-in "imsg" that reports its argv and env on stderr and echoes stdin to stdout.
    const fake = join(tmp, "fake imsg");
    writeFileSync(
      fake,
      '#!/bin/sh\nfor a in "$@"; do printf "arg[%s]\\n" "$a" >&2; done\nprintf "env[%s]\\n" "$HOSTILE" >&2\ncat\nexit 5\n',
    );
    chmodSync(fake, 0o755);
    const logger = createRecordingLogger();
    const hostileDb = "/tmp/x'; touch /tmp/imgate-pwned; echo '$(id)";
    const conn = connect({ imsgPath: fake, dbPath: hostileDb }, logger);
    const proc = await conn.imsgTransport({ args: ["--flag", "a b"], env: { HOSTILE: "`id` $HOME 'q'" } })();
    expect(proc.describe).toContain("rpc");
    const line = readLine(proc.stdout);
    proc.stdin.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    expect(await line).toBe('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    proc.stdin.end();
    expect(await proc.exited).toEqual({ code: 5, signal: null });
    const stderrLines = logger.records
      .filter((r) => r.msg === "remote imsg stderr")
      .map((r) => r.fields.line);
    expect(stderrLines).toEqual([
      "arg[rpc]",
      "arg[--db]",
      `arg[${hostileDb}]`,
      "arg[--flag]",
      "arg[a b]",
      "env[`id` $HOME 'q']",
    ]);
  });

  it("round-trips raw NDJSON with the imsg stand-in over the exec channel", async () => {
    const dbPath = createSimDb(mkdtempSync(join(tmp, "db-")));
    const conn = connect({ imsgPath: IMSG_BIN, dbPath });
    const proc = await conn.imsgTransport({ env: simEnv })();
    const line = readLine(proc.stdout);
    proc.stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "chats.list", params: { limit: 1 } })}\n`,
    );
    expect(JSON.parse(await line)).toEqual({ jsonrpc: "2.0", id: 1, result: { chats: [] } });
    proc.stdin.end();
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  });

  it("kill() ends the remote process (signal request where sshd honours it, else EOF/close)", async () => {
    const fake = join(tmp, "cat-imsg");
    writeFileSync(fake, "#!/bin/sh\nexec cat\n");
    chmodSync(fake, 0o755);
    const conn = connect({ imsgPath: fake });
    const proc = await conn.imsgTransport()();
    const first = readLine(proc.stdout);
    proc.stdin.write("up\n");
    expect(await first).toBe("up");
    proc.kill("SIGTERM");
    const exit = await proc.exited;
    expect(exit.code === 0 || exit.signal === "SIGTERM").toBe(true);
  });

  it("settles exited when the connection drops, and a new exec works after reconnect", async () => {
    // A long-lived stand-in: echoes stdin, so one echoed line proves it runs (past shell startup files).
    const fake = join(tmp, "echo-imsg");
    writeFileSync(fake, "#!/bin/sh\nexec cat\n");
    chmodSync(fake, 0o755);
    const conn = connect({ imsgPath: fake });
    const proc = await conn.imsgTransport()();
    const first = readLine(proc.stdout);
    proc.stdin.write("alive\n");
    expect(await first).toBe("alive");
    proc.stdout.resume();
    await sshd.kill("SIGKILL");
    expect(await proc.exited).toEqual({ code: null, signal: null });
    await sshd.restart();
    await waitFor(() => conn.status().state === "ready", "reconnected");
    const again = await conn.imsgTransport()();
    const line = readLine(again.stdout);
    again.stdin.write("again\n");
    expect(await line).toBe("again");
    again.stdin.end();
    expect(await again.exited).toEqual({ code: 0, signal: null });
  });

  it("watch and send over ssh2 with the imsg-rpc client; sshd SIGKILLed mid-watch loses nothing", async () => {
    const dbPath = createSimDb(mkdtempSync(join(tmp, "db-")));
    const inject = async (text: string): Promise<number> => {
      const { stdout } = await run(IMSG_SIM_BIN, [
        "inject",
        "--db",
        dbPath,
        "--from",
        "+15551230001",
        "--text",
        text,
        "--json",
      ]);
      return (JSON.parse(stdout.trim().split("\n").at(-1) as string) as { id: number }).id;
    };
    await inject("before the watch");
    const conn = connect({ imsgPath: IMSG_BIN, dbPath });
    const client = createImsgClient({
      transport: conn.imsgTransport({ env: simEnv }),
      restart: { initialDelayMs: 20, maxDelayMs: 200 },
      stop: { graceMs: 1000, termMs: 1000 },
    });
    clients.push(client);
    await client.start();
    const seen: Message[] = [];
    const watch = client.watch({}, (m) => void seen.push(m));
    await waitFor(() => watch.subscription !== undefined, "subscription");

    const chat = (await client.chatsList({ limit: 5 })).find((c) => c.identifier === "+15551230001");
    const sent = await client.send({ chat_id: chat?.id as number, text: "reply over ssh2" });
    expect(sent.ok).toBe(true);

    const injected: number[] = [await inject("first")];
    await waitFor(() => seen.some((m) => m.id === injected[0]), "first delivery");
    const restartsBefore = client.stats().restarts;
    await sshd.kill("SIGKILL");
    injected.push(await inject("while the link is down"));
    await sshd.restart();
    injected.push(await inject("after the restart"));
    await waitFor(
      () => injected.every((id) => seen.some((m) => m.id === id)),
      "all injected messages",
      25_000,
    );
    const inbound = seen.filter((m) => !m.is_from_me).map((m) => m.id);
    expect(inbound).toEqual(injected);
    expect(seen.some((m) => m.is_from_me && m.text === "reply over ssh2")).toBe(true);
    expect(client.stats().restarts).toBeGreaterThan(restartsBefore);
  }, 40_000);
});
