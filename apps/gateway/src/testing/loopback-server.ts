import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as received by a {@link startLoopbackServer} server (body read in full). */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text. */
  body: string;
  /** The body's exact bytes (multipart uploads). */
  raw: Buffer;
}

/** A real HTTP server on 127.0.0.1 (ephemeral port) that records every request (tests only). */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Answers one request after its body has been read; `index` is its position in `requests`. */
export type LoopbackHandler = (request: ReceivedRequest, response: ServerResponse, index: number) => unknown;

/** Sends `body` as JSON with `status`. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/**
 * Starts a loopback server (for fake agent backends: OpenAI-compatible, webhook receivers). A handler that
 * throws answers 500 with the error as JSON (or ends the response if headers were already sent). `port`
 * (default: an ephemeral one) lets a test bring a backend back on the address it took down.
 */
export async function startLoopbackServer(
  handler: LoopbackHandler,
  options: { port?: number } = {},
): Promise<LoopbackServer> {
  const requests: ReceivedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const request: ReceivedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: raw.toString("utf8"),
      raw,
    };
    requests.push(request);
    try {
      await handler(request, res, requests.length - 1);
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
