import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@imgate/channel-core";
import { GatewayError, GatewayErrorCode } from "../errors/gateway-error.ts";
import { bearerTokenMatches } from "./bearer-token.ts";
import { ControlApiHttpError } from "./control-api-http-error.ts";
import {
  approvePairingRequestSchema,
  type ControlApiHandlers,
  pauseRequestSchema,
  resumeRequestSchema,
  type SendResult,
  sendRequestSchema,
} from "./control-api-types.ts";
import { isLoopbackHost } from "./is-loopback-host.ts";
import { readJsonBody } from "./read-json-body.ts";
import { createSlidingWindowLimiter } from "./sliding-window-limiter.ts";

/** Options of {@link startControlServer}. */
export interface ControlServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Bearer token every request must carry; required when `host` is not loopback. */
  token: string | undefined;
  /** Name of the variable the token comes from, for error messages. */
  tokenEnv: string;
  handlers: ControlApiHandlers;
  logger: Logger;
  /** Largest accepted request body; default 64 KiB. */
  maxBodyBytes?: number;
  /** Failed approvals (wrong or expired code) allowed per minute before 429; default 5, like the store. */
  maxFailedApprovalsPerMinute?: number;
}

/** A listening control API. */
export interface ControlServer {
  /** e.g. `http://127.0.0.1:18790`. */
  url: string;
  port: number;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

/**
 * Starts the local control API (node:http): `GET /healthz`, `GET /readyz`, `GET /metrics`,
 * `GET /v1/pairing`, `POST /v1/pairing/approve`, `POST /v1/send`, `POST /v1/pause`, `POST /v1/resume`. Refuses to start on a non-loopback
 * address without a token; with a token, every request must present it (constant-time comparison).
 * @throws {GatewayError} `CONTROL_API_UNSAFE`, or `GATEWAY_START` when the port cannot be bound.
 */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { handlers, logger } = options;
  const token = options.token && options.token.length > 0 ? options.token : undefined;
  if (!token && !isLoopbackHost(options.host)) {
    throw new GatewayError(
      GatewayErrorCode.ControlApiUnsafe,
      `Refusing to serve the control API on ${options.host} without a token; set ${options.tokenEnv} or bind gateway.http.host to 127.0.0.1.`,
    );
  }
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const failedApprovals = createSlidingWindowLimiter(options.maxFailedApprovalsPerMinute ?? 5, 60_000);

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (token && !bearerTokenMatches(request.headers.authorization, token)) {
      response.setHeader("www-authenticate", 'Bearer realm="imgate"');
      throw new ControlApiHttpError(
        401,
        "unauthorized",
        `Send the token from ${options.tokenEnv} as "Authorization: Bearer <token>".`,
      );
    }
    const url = new URL(request.url ?? "/", "http://control.invalid");
    const key = `${request.method} ${url.pathname}`;
    switch (key) {
      case "GET /healthz":
        return sendJson(response, 200, { ok: true });
      case "GET /readyz": {
        const report = await handlers.readiness();
        return sendJson(response, report.ready ? 200 : 503, report);
      }
      case "GET /metrics": {
        const text = await handlers.metrics();
        response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
        response.end(text);
        return;
      }
      case "GET /v1/pairing":
        return sendJson(response, 200, {
          requests: await handlers.listPairing(url.searchParams.get("channel") ?? undefined),
        });
      case "POST /v1/pairing/approve": {
        const body = await readJsonBody(request, approvePairingRequestSchema, maxBody);
        if (!failedApprovals.allowed()) {
          throw new ControlApiHttpError(
            429,
            "rate_limited",
            "Too many wrong pairing codes in the last minute; wait a minute and retry.",
          );
        }
        try {
          return sendJson(response, 200, await handlers.approvePairing(body));
        } catch (error) {
          if (error instanceof ControlApiHttpError && (error.status === 404 || error.status === 429))
            failedApprovals.record();
          throw error;
        }
      }
      case "POST /v1/send": {
        const body = await readJsonBody(request, sendRequestSchema, maxBody);
        const result = await handlers.send(body);
        return sendJson(response, sendResultHttpStatus(result), result);
      }
      case "POST /v1/pause":
        return sendJson(
          response,
          200,
          await handlers.pause(await readJsonBody(request, pauseRequestSchema, maxBody)),
        );
      case "POST /v1/resume":
        return sendJson(
          response,
          200,
          await handlers.resume(await readJsonBody(request, resumeRequestSchema, maxBody)),
        );
      default: {
        const known = [
          "/healthz",
          "/readyz",
          "/metrics",
          "/v1/pairing",
          "/v1/pairing/approve",
          "/v1/send",
          "/v1/pause",
          "/v1/resume",
        ];
        if (known.includes(url.pathname))
          throw new ControlApiHttpError(
            405,
            "method_not_allowed",
            `${request.method} is not supported on ${url.pathname}.`,
          );
        throw new ControlApiHttpError(404, "not_found", `No such endpoint ${url.pathname}.`);
      }
    }
  };

  const server: Server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (error instanceof ControlApiHttpError) {
        sendJson(response, error.status, { error: { code: error.code, message: error.message } });
        // Do not keep reading an oversized body.
        if (error.status === 413) request.destroy();
        return;
      }
      logger.error({ err: error, path: request.url }, "control API handler failed");
      const message = error instanceof Error ? error.message : String(error);
      sendJson(response, 500, { error: { code: (error as { code?: string }).code ?? "internal", message } });
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new GatewayError(
          GatewayErrorCode.GatewayStart,
          `The control API cannot listen on ${options.host}:${options.port} (${error.code ?? error.message}); stop the other process or change gateway.http.port.`,
          { cause: error },
        ),
      );
    };
    server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${hostPart}:${address.port}`;
  logger.info({ url, auth: token ? "token" : "none" }, "control API listening");
  return {
    url,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * HTTP status of a send's answer: 200 sent, 202 queued or uncertain (still in the outbox), 422 when imsg
 * refused the target itself (an unresolvable contact name), 502 for other failures of imsg.
 */
function sendResultHttpStatus(result: SendResult): number {
  switch (result.status) {
    case "sent":
      return 200;
    case "queued":
    case "uncertain":
    case "held":
      return 202;
    case "failed":
      return result.error?.code === "contact_unresolved" ? 422 : 502;
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
