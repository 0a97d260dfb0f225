/**
 * The gateway-latency baseline: the least a gateway could do. Spawns `<cliPath> rpc` like the gateway
 * does, subscribes, and answers each `message` notification with a `send` of the same text to the same
 * chat the moment its line is parsed. Run: `node echo-relay.ts <cliPath>`; exits when the peer does.
 */
import { spawn } from "node:child_process";

const cliPath = process.argv[2];
if (!cliPath) throw new Error("usage: echo-relay.ts <cliPath>");
const peer = spawn(cliPath, ["rpc"], { stdio: ["pipe", "pipe", "inherit"] });
let nextId = 1;
const request = (method: string, params: object) =>
  peer.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params })}\n`);

let pending = "";
peer.stdout.on("data", (chunk: Buffer) => {
  pending += chunk.toString("utf8");
  for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n")) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    const message = JSON.parse(line) as {
      method?: string;
      params?: { message?: { chat_id: number; text: string } };
    };
    const inbound = message.method === "message" ? message.params?.message : undefined;
    if (inbound) request("send", { chat_id: inbound.chat_id, text: inbound.text });
  }
});
peer.on("exit", (code) => process.exit(code ?? 0));
process.on("SIGTERM", () => peer.stdin.end());
request("watch.subscribe", { since_rowid: -1 });
