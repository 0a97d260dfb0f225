import { spawn } from "node:child_process";
import { waitFor } from "@imgate/imsg-sim/testing";
import { describe, expect, it } from "vitest";
import { ImsgConnection } from "./imsg-connection.ts";
import { ImsgSpawnError } from "./imsg-error.ts";
import { spawnTransport } from "./spawn-transport.ts";

/** A transport running `node -e script` through spawnTransport's real spawn path. */
function nodeScript(script: string) {
  return spawnTransport({
    cliPath: process.execPath,
    spawn: (command, _args, options) => spawn(command, ["-e", script], options),
  });
}

describe("spawnTransport", () => {
  it("rejects with ImsgSpawnError when the binary does not exist", async () => {
    const error = await spawnTransport({ cliPath: "/nonexistent/imsg" })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsgSpawnError);
    expect((error as Error).message).toContain("cliPath");
  });

  it("logs stderr lines and escalates stop to SIGKILL for a child that ignores stdin EOF and SIGTERM", async () => {
    const peer = await nodeScript(
      "process.on('SIGTERM',()=>{});process.stdin.resume();process.stderr.write('warming up\\nready\\n');setInterval(()=>{},1000)",
    )();
    expect(peer.pid).toBeGreaterThan(0);
    const logged: string[] = [];
    const logger = {
      debug() {},
      info: (_fields: object, message: string) => void logged.push(message),
      warn: (_fields: object, message: string) => void logged.push(message),
      error() {},
    };
    const connection = new ImsgConnection(peer, { logger });
    await waitFor(() => logged.includes("ready"), "stderr lines in the log");
    expect(logged.slice(0, 2)).toEqual(["warming up", "ready"]);
    const exit = await connection.stop({ graceMs: 100, termMs: 100 });
    expect(exit.signal).toBe("SIGKILL");
    expect(logged.some((line) => line.includes("SIGKILL"))).toBe(true);
  });

  it("rejects requests to a peer that exited, instead of crashing on EPIPE", async () => {
    const peer = await nodeScript("process.exit(3)")();
    const connection = new ImsgConnection(peer);
    const exit = await connection.closed;
    expect(exit.code).toBe(3);
    const { imsg09 } = await import("./protocol/v0-9.ts");
    await expect(connection.request(imsg09.chatsList, { limit: 1 }, 1000)).rejects.toMatchObject({
      code: "IMSG_EXITED",
    });
  });
});
