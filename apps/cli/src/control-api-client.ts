/**
 * Talks to a running gateway's local control API (`gateway.http`): readiness for `imgate status`, and
 * sends for `imgate send` / `pairing approve --notify`. "Not running" is an answer, not an error.
 */
import { CliError } from "./cli-error.ts";

/** Where the control API listens and the bearer token to present. */
export interface ControlApiAddress {
  /** e.g. `http://127.0.0.1:18790`. */
  baseUrl: string;
  /** Token from the environment variable named by `gateway.http.tokenEnv`, when set. */
  token: string | undefined;
  /** That variable's name, for messages. */
  tokenEnv: string;
}

/** The control API address implied by `gateway.http` (defaults: 127.0.0.1:18790, `IMGATE_TOKEN`). */
export function controlApiAddress(
  http: { host?: string; port?: number; tokenEnv?: string } | undefined,
  env = process.env,
): ControlApiAddress {
  const host = http?.host ?? "127.0.0.1";
  const port = http?.port ?? 18_790;
  const tokenEnv = http?.tokenEnv ?? "IMGATE_TOKEN";
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return { baseUrl: `http://${hostPart}:${port}`, token: env[tokenEnv] || undefined, tokenEnv };
}

/** A reply from the control API. */
export interface ControlApiResponse {
  status: number;
  body: unknown;
}

/** Whether an error means nothing listens at the address (as opposed to a failing gateway). */
function isNotListening(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return ["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENOTFOUND", "EADDRNOTAVAIL"].includes(
    cause?.code ?? "",
  );
}

/**
 * Calls the control API. Resolves `undefined` when no gateway listens there.
 * @throws {CliError} when the request times out or the gateway answers 401/403.
 */
export async function callControlApi(
  address: ControlApiAddress,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  options: { timeoutMs?: number } = {},
): Promise<ControlApiResponse | undefined> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (address.token) headers.authorization = `Bearer ${address.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(new URL(path, address.baseUrl), {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
  } catch (error) {
    if (isNotListening(error)) return undefined;
    if ((error as Error).name === "TimeoutError") {
      throw new CliError(
        "CLI_GATEWAY_UNREACHABLE",
        `The gateway at ${address.baseUrl} did not answer ${path} in time; check it with \`imgate doctor\` or restart it.`,
        { cause: error },
      );
    }
    throw new CliError(
      "CLI_GATEWAY_UNREACHABLE",
      `Cannot reach the gateway at ${address.baseUrl} (${(error as Error).message}); check gateway.http in the config.`,
      { cause: error },
    );
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the message.
  }
  if (response.status === 401 || response.status === 403) {
    throw new CliError(
      "CLI_GATEWAY_UNREACHABLE",
      address.token
        ? `The gateway at ${address.baseUrl} refused the token in ${address.tokenEnv}; set ${address.tokenEnv} to the gateway's token.`
        : `The gateway at ${address.baseUrl} needs a token; set ${address.tokenEnv} to the gateway's token and retry.`,
    );
  }
  return { status: response.status, body: parsed };
}
