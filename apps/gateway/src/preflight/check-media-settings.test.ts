import { describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../config/parse-gateway-config.ts";
import { checkMediaSettings } from "./check-media-settings.ts";

const config = (includeAttachments: boolean, backend: Record<string, unknown>) =>
  parseGatewayConfig({
    channels: { imessage: { includeAttachments } },
    agents: { list: [{ id: "eyes", backend: { type: "openai", model: "m", ...backend } }] },
  });

describe("checkMediaSettings", () => {
  it("warns when vision or transcription is set but no account passes files on", () => {
    const [check] = checkMediaSettings(
      config(false, { vision: true, transcription: { model: "whisper-1" } }),
    );
    expect(check).toMatchObject({ id: "media.eyes", status: "warn" });
    expect(check?.detail).toContain(
      "sets vision and transcription, but channels.imessage.includeAttachments is off",
    );
    expect(check?.fix).toContain("includeAttachments to true");
  });

  it("is quiet when files are passed on, or when the agent wants none", () => {
    expect(checkMediaSettings(config(true, { vision: true }))).toEqual([]);
    expect(checkMediaSettings(config(false, {}))).toEqual([]);
  });
});
