import { createHmac, timingSafeEqual } from "node:crypto";
import { GatewayError, GatewayErrorCode } from "../errors/gateway-error.ts";

/** Header carrying the Unix time (seconds) the request was signed at. */
export const WEBHOOK_TIMESTAMP_HEADER = "x-imgate-timestamp";
/** Header carrying `sha256=<hex hmac(secret, timestamp + "." + body)>`. */
export const WEBHOOK_SIGNATURE_HEADER = "x-imgate-signature";

/** The signature header value for `body` signed at `timestampSec`. */
export function signWebhookBody(secret: string, timestampSec: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestampSec}.${body}`).digest("hex");
  return `sha256=${mac}`;
}

/** Why a webhook request was rejected. */
export type WebhookRejection = "missing-headers" | "bad-timestamp" | "stale" | "bad-signature" | "replayed";

/** A webhook request that failed verification; `reason` says which check. */
export class WebhookSignatureError extends GatewayError {
  readonly reason: WebhookRejection;
  constructor(reason: WebhookRejection, message: string) {
    super(GatewayErrorCode.WebhookSignature, message);
    this.name = "WebhookSignatureError";
    this.reason = reason;
  }
}

/** Options of {@link createWebhookVerifier}. */
export interface WebhookVerifierOptions {
  secret: string;
  /** How far (seconds) the signed timestamp may be from now, either way; default 300. */
  replayWindowSec?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/** The request parts a verifier needs. Header names are case-insensitive. */
export interface WebhookRequestParts {
  headers: Record<string, string | string[] | undefined>;
  /** The raw body exactly as received. */
  body: string;
}

/** Checks signatures of incoming imgate webhook calls. */
export interface WebhookVerifier {
  /**
   * Accepts a request whose signature matches, whose timestamp is within the replay window, and whose
   * signature has not been seen within that window.
   * @throws {WebhookSignatureError}
   */
  verify(request: WebhookRequestParts): void;
}

function header(headers: WebhookRequestParts["headers"], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * What a receiver of imgate's `webhook` backend uses to authenticate calls: HMAC-SHA256 over
 * `timestamp + "." + body`, compared in constant time, timestamps outside the replay window refused, and
 * each signature accepted once within the window.
 */
export function createWebhookVerifier(options: WebhookVerifierOptions): WebhookVerifier {
  const windowSec = options.replayWindowSec ?? 300;
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();

  return {
    verify(request) {
      const timestamp = header(request.headers, WEBHOOK_TIMESTAMP_HEADER);
      const signature = header(request.headers, WEBHOOK_SIGNATURE_HEADER);
      if (!timestamp || !signature) {
        throw new WebhookSignatureError(
          "missing-headers",
          "The request has no X-Imgate-Timestamp or X-Imgate-Signature header; sign it with signWebhookBody.",
        );
      }
      if (!/^\d{1,12}$/.test(timestamp)) {
        throw new WebhookSignatureError(
          "bad-timestamp",
          "X-Imgate-Timestamp is not Unix seconds; send the signing time as an integer.",
        );
      }
      const timestampSec = Number(timestamp);
      const nowSec = Math.floor(now() / 1000);
      if (Math.abs(nowSec - timestampSec) > windowSec) {
        throw new WebhookSignatureError(
          "stale",
          `The request was signed ${nowSec - timestampSec} s ago, outside the ${windowSec} s replay window; check both clocks.`,
        );
      }
      const expected = Buffer.from(signWebhookBody(options.secret, timestampSec, request.body));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        throw new WebhookSignatureError(
          "bad-signature",
          "The X-Imgate-Signature does not match; check that both sides use the same secret.",
        );
      }
      for (const [key, at] of seen) if (Math.abs(nowSec - at) > windowSec) seen.delete(key);
      if (seen.has(signature)) {
        throw new WebhookSignatureError(
          "replayed",
          "This signed request was already accepted once; the sender must sign each call afresh.",
        );
      }
      seen.set(signature, timestampSec);
    },
  };
}
