import { afterAll, describe, expect, it } from "vitest";
import { type GatewayProcess, startGateway, waitFor } from "../../harness/index.ts";

const TOKEN = "proof-control-token-7f3a9c";
const ENDPOINTS = [
  ["GET", "/healthz"],
  ["GET", "/readyz"],
  ["GET", "/metrics"],
  ["GET", "/v1/pairing"],
  ["POST", "/v1/pairing/approve"],
  ["POST", "/v1/send"],
] as const;

describe("security: the control API", () => {
  const gateways: GatewayProcess[] = [];
  afterAll(async () => {
    for (const gateway of gateways) await gateway.dispose();
  });

  it("refuses to start on a non-loopback address without a token", async () => {
    const gateway = await startGateway({
      waitReady: false,
      config: { gateway: { http: { host: "0.0.0.0" } } },
    });
    gateways.push(gateway);
    const exit = await gateway.exited;
    expect(exit.code).not.toBe(0);
    expect(`${gateway.stdout}${gateway.stderr}`).toContain("IMGATE_TOKEN");
  });

  it("with a token, refuses every request that does not carry it", async () => {
    const gateway = await startGateway({ waitReady: false, env: { IMGATE_TOKEN: TOKEN } });
    gateways.push(gateway);
    const auth = { authorization: `Bearer ${TOKEN}` };
    await waitFor(
      () =>
        fetch(`${gateway.controlUrl}/healthz`, { headers: auth }).then(
          (r) => r.ok,
          () => false,
        ),
      { what: "the control API with the token" },
    );
    const statuses: string[] = [];
    for (const [method, path] of ENDPOINTS) {
      for (const headers of [
        {},
        { authorization: "Bearer wrong" },
        { authorization: TOKEN },
        { authorization: `Basic ${TOKEN}` },
      ]) {
        const response = await fetch(`${gateway.controlUrl}${path}`, {
          method,
          headers: { ...headers, "content-type": "application/json" },
          ...(method === "POST"
            ? { body: JSON.stringify({ code: "ABCD2345", target: "+15550001111", text: "x" }) }
            : {}),
        });
        statuses.push(`${method} ${path} ${response.status}`);
      }
    }
    expect(statuses.filter((s) => !s.endsWith(" 401"))).toEqual([]);
    expect((await fetch(`${gateway.controlUrl}/v1/pairing`, { headers: auth })).status).toBe(200);
  });
});
