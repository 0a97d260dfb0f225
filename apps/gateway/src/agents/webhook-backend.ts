import { GatewayErrorCode } from "../errors/gateway-error.ts";
import type { AgentBackend } from "./agent-backend.ts";
import { AgentError, isRetryableHttpStatus } from "./agent-error.ts";
import { parseAgentReply } from "./agent-reply-schema.ts";
import { signWebhookBody, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from "./webhook-signature.ts";

/** Settings of {@link createWebhookBackend} (the `webhook` backend config block, defaults applied). */
export interface WebhookBackendSettings {
  url: string;
  /** Name of the environment variable holding the HMAC secret. */
  secretEnv: string;
  timeoutMs: number;
  replayWindowSec: number;
}

/** Injectable edges of {@link createWebhookBackend}. */
export interface WebhookBackendDeps {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch, for the signed timestamp; default `Date.now`. */
  now?: () => number;
}

/**
 * A backend that POSTs each turn as JSON, signed with `X-Imgate-Timestamp` and
 * `X-Imgate-Signature: sha256=<hmac(secret, timestamp + "." + body)>`, and takes `{ "text": … }` (or a rich
 * reply, see `agent-reply-schema.ts`) from the JSON response. Receivers verify with `createWebhookVerifier`.
 */
export function createWebhookBackend(
  settings: WebhookBackendSettings,
  deps: WebhookBackendDeps = {},
): AgentBackend {
  const env = deps.env ?? process.env;
  const doFetch = deps.fetch ?? globalThis.fetch;
  const now = deps.now ?? Date.now;
  const fail = (
    code: ConstructorParameters<typeof AgentError>[0],
    message: string,
    cause?: unknown,
    retryable = false,
  ) => new AgentError(code, message, { backend: "webhook", cause, retryable });

  return {
    kind: "webhook",
    async reply(turn, { signal }) {
      const secret = env[settings.secretEnv];
      if (!secret) {
        throw fail(
          GatewayErrorCode.AgentFailed,
          `The webhook secret is missing; set the environment variable ${settings.secretEnv}.`,
        );
      }
      const body = JSON.stringify(turn);
      const timestamp = Math.floor(now() / 1000);
      const timeout = AbortSignal.timeout(settings.timeoutMs);
      let response: Response;
      let text: string;
      try {
        response = await doFetch(settings.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
            [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(secret, timestamp, body),
          },
          body,
          signal: AbortSignal.any([signal, timeout]),
        });
        text = await response.text();
      } catch (error) {
        if (signal.aborted)
          throw fail(
            GatewayErrorCode.AgentAborted,
            "The webhook call was abandoned because the gateway is stopping.",
            error,
          );
        if (timeout.aborted) {
          throw fail(
            GatewayErrorCode.AgentTimeout,
            `The webhook ${settings.url} did not answer within ${settings.timeoutMs} ms; raise backend.timeoutMs or check the receiver.`,
            error,
            true,
          );
        }
        throw fail(
          GatewayErrorCode.AgentFailed,
          `The webhook ${settings.url} could not be reached; check the URL and that the receiver is running.`,
          error,
          true,
        );
      }
      if (!response.ok) {
        throw fail(
          GatewayErrorCode.AgentFailed,
          `The webhook ${settings.url} answered HTTP ${response.status}; check the receiver's logs (and the shared secret on 401).`,
          text.slice(0, 500),
          isRetryableHttpStatus(response.status),
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw fail(
          GatewayErrorCode.AgentBadResponse,
          `The webhook ${settings.url} did not answer JSON; answer {"text": "reply"}.`,
          error,
          true,
        );
      }
      return parseAgentReply(json, { backend: "webhook", name: settings.url });
    },
  };
}
