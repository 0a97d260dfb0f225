import type { HistoryStore } from "../history-store.ts";
import type { InboundDedupe } from "../inbound-dedupe.ts";
import type { Outbox } from "../outbox-types.ts";
import type { PairingService } from "../pairing-service.ts";

/** The writes both processes of the two-process test perform, `count` times each. */
export function runWriterLoop(
  tools: { pairing: PairingService; history: HistoryStore; dedupe: InboundDedupe; outbox: Outbox },
  role: string,
  count: number,
): void {
  for (let i = 0; i < count; i += 1) {
    const channel = `${role}-${i % 50}`;
    const sender = `${role}-sender-${i}`;
    const outcome = tools.pairing.request({ channel, sender });
    if (outcome.action !== "reply") throw new Error(`${role}: no code for ${sender}: ${outcome.reason}`);
    tools.pairing.list();
    tools.pairing.approve(channel, outcome.code);
    tools.history.append(
      "shared-session",
      { sender, text: `hello ${i}`, messageId: `${role}-${i}`, timestamp: i },
      1_000_000,
    );
    if (tools.dedupe.seen("bot", `${role}-guid-${i}`))
      throw new Error(`${role}: fresh guid reported as seen`);
    tools.outbox.enqueue({
      idempotencyKey: `${role}-${i}`,
      channel: "imessage",
      accountId: "bot",
      chatKey: "shared-chat",
      target: "chat_id:1",
      text: `reply ${i}`,
    });
  }
}
