import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, startGateway, waitFor } from "../../harness/index.ts";
import { scrapeMetrics, sumMetric } from "../prometheus-text.ts";

// imessage-channel README, "Allowlist service rule": `imessage:` entries match iMessage conversations only,
// `sms:` entries SMS only, bare entries either.
const IMESSAGE_ONLY = "+15550004001";
const SMS_TOO = "+15550004002";
const BARE = "+15550004003";

describe("security: SMS senders and iMessage allowlists", () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({
      config: {
        channels: {
          imessage: {
            dmPolicy: "allowlist",
            allowFrom: [`imessage:${IMESSAGE_ONLY}`, `imessage:${SMS_TOO}`, `sms:${SMS_TOO}`, BARE],
          },
        },
      },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("an SMS message from an imessage:-allowlisted number is dropped; configured forms are answered", async () => {
    const spoofed = gateway.inject({ from: IMESSAGE_ONLY, text: "sms spoof", service: "SMS" });
    const genuine = gateway.inject({ from: IMESSAGE_ONLY, text: "imessage genuine" });
    const smsListed = gateway.inject({ from: SMS_TOO, text: "sms listed", service: "SMS" });
    const bare = gateway.inject({ from: BARE, text: "sms bare", service: "SMS" });
    expect(spoofed.chatId).not.toBe(genuine.chatId);
    await waitFor(() => gateway.outgoing(genuine.chatId).includes("imessage genuine"), {
      what: "iMessage reply",
    });
    await waitFor(() => gateway.outgoing(smsListed.chatId).includes("sms listed"), { what: "sms: reply" });
    await waitFor(() => gateway.outgoing(bare.chatId).includes("sms bare"), { what: "bare-entry reply" });
    // The spoof was seen and refused by policy (rows are handled in order, so it is settled by now).
    const samples = await scrapeMetrics(gateway.controlUrl);
    expect(sumMetric(samples, "imgate_messages_dropped_total", { reason: "dm-not-allowed" })).toBe(1);
    expect(gateway.outgoing(spoofed.chatId)).toEqual([]);
  });
});
