/**
 * Issue 12, "Logs": expected conditions are one line without a stack, a backoff retry is logged once
 * with a fresh nextRetryAt, Ctrl-C / SIGTERM stop without "imsg exited; restarting", and pairing logs
 * name the sender and expiry but never the code.
 */
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { type GatewayProcess, type LogLine, startGateway, waitFor } from "./harness/index.ts";

const started: GatewayProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((gateway) => gateway.dispose()));
});

async function launch(options: Parameters<typeof startGateway>[0]): Promise<GatewayProcess> {
  const gateway = await startGateway(options);
  started.push(gateway);
  return gateway;
}

/** Lines at info level or above that carry a stack trace (pino puts it in `err.stack`). */
function linesWithStack(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => line.level >= 30 && JSON.stringify(line).includes('"stack"'));
}

describe("stopping", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s to the whole process group (Ctrl-C, service stop): no 'imsg exited; restarting', no stack",
    async (signal) => {
      const gateway = await launch({ processGroup: true });
      process.kill(-gateway.pid, signal);
      const exit = await gateway.exited;
      expect(exit.code).toBe(0);
      const messages = gateway.logs().map((line) => line.msg);
      expect(messages).toContain("gateway stopped");
      expect(messages).not.toContain("imsg exited; restarting");
      expect(messages).not.toContain("imsg transport failed; retrying with backoff");
      expect(linesWithStack(gateway.logs())).toEqual([]);
    },
  );
});

describe("expected failures", () => {
  it("a cliPath in backoff: each retry logged once, with a nextRetryAt in the future, without a stack", async () => {
    const gateway = await launch({
      config: { channels: { imessage: { cliPath: "/bin/true" } } },
      waitReady: false,
    });
    const backoffs = () =>
      gateway.logs().filter((line) => line.msg === "imsg transport failed; retrying with backoff");
    await waitFor(
      () => backoffs().length >= 2 && gateway.logs().some((line) => line.msg === "imsg failed to start"),
      {
        what: "two backoff lines",
      },
    );
    const lines = backoffs();
    const retryTimes = lines.map((line) => line.nextRetryAt as string);
    expect(new Set(retryTimes).size).toBe(lines.length);
    for (const line of lines)
      expect(Date.parse(line.nextRetryAt as string)).toBeGreaterThan(line.time as number);
    expect(linesWithStack(gateway.logs())).toEqual([]);
  });

  it("a config file saved half-way: the change is ignored in one line, without a stack", async () => {
    const gateway = await launch({});
    writeFileSync(gateway.configPath, "{ channels: { imessage: { dmPolicy: ");
    const ignored = await gateway.waitForLog((line) => line.msg.startsWith("config change ignored"));
    expect(ignored.code).toBe("CONFIG_SYNTAX");
    expect(linesWithStack(gateway.logs())).toEqual([]);
  });
});

describe("pairing logs", () => {
  const STRANGER = "+15557770001";
  const CODE = /pairing code is ([A-Z0-9]+)/;

  it("issuing a code names the sender and expiry, never the code; approval names the sender; reject keeps a cooldown", async () => {
    const gateway = await launch({
      config: { channels: { imessage: { dmPolicy: "pairing" } }, gateway: { pairingExpiryMs: 30 * 60_000 } },
    });
    const first = gateway.inject({ from: STRANGER, text: "hi" });
    const reply = await waitFor(() => gateway.outgoing(first.chatId)[0], { what: "the pairing reply" });
    const code = CODE.exec(reply)?.[1] as string;
    const issued = await gateway.waitForLog((line) => line.msg === "pairing code issued");
    expect(issued.sender).toBe(STRANGER);
    expect(Date.parse(issued.expiresAt as string) - (issued.time as number)).toBeGreaterThan(29 * 60_000);
    const visible = gateway.logs().filter((line) => line.level >= 30);
    expect(visible.filter((line) => JSON.stringify(line).includes(code))).toEqual([]);

    // Reject: the stranger's next message gets no new code for the cooldown.
    const reject = await gateway.cli(["pairing", "reject", "imessage", code]);
    expect(reject.code, reject.stderr).toBe(0);
    expect(reject.stdout).toContain("they get no new code for 24 hours");
    gateway.inject({ from: STRANGER, text: "hi again" });
    await gateway.waitForLog((line) => line.msg === "pairing: no reply sent" && line.reason === "rejected", {
      what: "the rejected sender to be ignored",
    });
    expect(gateway.outgoing(first.chatId)).toEqual([reply]);

    // Approval through the running gateway names the sender.
    const other = gateway.inject({ from: "+15557770002", text: "hello" });
    const otherCode = CODE.exec(
      await waitFor(() => gateway.outgoing(other.chatId)[0], { what: "second code" }),
    )?.[1];
    const response = await fetch(`${gateway.controlUrl}/v1/pairing/approve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel: "imessage", code: otherCode }),
    });
    expect(response.status).toBe(200);
    const approved = await gateway.waitForLog((line) => line.msg === "pairing approved");
    expect(approved.sender).toBe("+15557770002");
    // Approving it again says so instead of "not found".
    const again = await gateway.cli(["pairing", "approve", "imessage", otherCode as string, "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadyApproved: true, sender: "+15557770002" });
  });
});
