import { request } from "node:http";
import { createServer } from "node:net";
import { type StartCheck, startCheck } from "./start-checks.ts";

/** What answers on a taken port: an imgate control API, or something else. */
type Occupant = { imgate: true } | { imgate: false; answer: string };

/** Binds and releases `host:port`; resolves with the bind error code, or undefined when it is free. */
function tryBind(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * Asks `GET /healthz`: an imgate gateway answers `{"ok":true}`, or 401 with its `Bearer realm="imgate"`
 * challenge when a token is required.
 */
function identify(host: string, port: number, timeoutMs: number): Promise<Occupant> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: "/healthz", method: "GET", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on("end", () => {
        const challenge = String(res.headers["www-authenticate"] ?? "");
        if (res.statusCode === 401 && challenge.includes('realm="imgate"')) return resolve({ imgate: true });
        if (res.statusCode === 200 && /^\s*\{\s*"ok"\s*:\s*true\s*\}\s*$/.test(body)) {
          return resolve({ imgate: true });
        }
        resolve({ imgate: false, answer: `it answers HTTP ${res.statusCode} to GET /healthz` });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({
        imgate: false,
        answer:
          error.message === "timeout"
            ? "it does not answer HTTP"
            : `it does not speak HTTP (${error.code ?? error.message})`,
      }),
    );
    req.end();
  });
}

/**
 * Whether the control API can listen on `gateway.http.host:port`. A port held by an imgate gateway fails
 * for the gateway (one is already running) and is fine for doctor (it asks that gateway next).
 */
export async function checkControlPort(
  http: { host: string; port: number },
  caller: "gateway" | "doctor",
): Promise<StartCheck> {
  const where = `${http.host}:${http.port}`;
  if (http.port === 0) return startCheck("controlPort", "ok", "control API on a random free port");
  const bindError = await tryBind(http.host, http.port);
  if (!bindError) return startCheck("controlPort", "ok", `control port ${where} is free`);
  if (bindError !== "EADDRINUSE") {
    return startCheck(
      "controlPort",
      "fail",
      `the control API cannot listen on ${where} (${bindError})`,
      "Set gateway.http.host to a local address (127.0.0.1) and gateway.http.port to a free port.",
    );
  }
  const occupant = await identify(http.host === "0.0.0.0" ? "127.0.0.1" : http.host, http.port, 2_000);
  if (occupant.imgate) {
    return caller === "doctor"
      ? startCheck("controlPort", "ok", `an imgate gateway holds the control port ${where}`)
      : startCheck(
          "controlPort",
          "fail",
          `an imgate gateway is already running on ${where}`,
          "Stop it first (`imgate status` shows it), or give this one another gateway.http.port.",
        );
  }
  return startCheck(
    "controlPort",
    "fail",
    `gateway.http.port ${http.port} on ${http.host} is taken by another program (${occupant.answer})`,
    "Stop that program, or set gateway.http.port to a free port.",
  );
}
