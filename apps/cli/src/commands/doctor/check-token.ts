import type { ValidConfig } from "../../cli-config.ts";
import { check, type DoctorCheck } from "./doctor-check.ts";

const loopback = new Set(["127.0.0.1", "::1", "localhost", "[::1]"]);

/** The control-API token: set and long enough, or unset while the control API stays on loopback. */
export function checkToken(config: ValidConfig): DoctorCheck {
  const { host, tokenEnv } = config.gateway.http;
  const token = process.env[tokenEnv];
  if (token && token.length < 16) {
    return check(
      "token",
      "warn",
      `${tokenEnv} is set but short (${token.length} characters)`,
      `Use a long random token, e.g. \`export ${tokenEnv}=$(openssl rand -hex 24)\`.`,
    );
  }
  if (token) return check("token", "ok", `control-API token set in ${tokenEnv}`);
  if (!loopback.has(host)) {
    return check(
      "token",
      "fail",
      `gateway.http.host is ${host} but ${tokenEnv} is not set; the gateway will refuse to start`,
      `Set ${tokenEnv} to a long random value, or set gateway.http.host to 127.0.0.1.`,
    );
  }
  return check(
    "token",
    "warn",
    `${tokenEnv} is not set: any local process can use the control API on ${host}`,
    `Set ${tokenEnv} (e.g. \`export ${tokenEnv}=$(openssl rand -hex 24)\`) for the gateway and the CLI.`,
  );
}
