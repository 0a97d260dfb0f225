import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { BridgeService, bridgeNotRunning } from "./bridge-handlers.ts";
import type { RpcId } from "./output-writer.ts";
import type { RpcContext } from "./rpc-context.ts";
import { internalError, RPC_CODES, RpcError } from "./rpc-error.ts";
import { RPC_METHODS, type RpcServices } from "./rpc-methods.ts";
import { readParams } from "./rpc-params.ts";
import { SendService } from "./send-handlers.ts";
import { BRIDGE_ONLY_METHODS, METHODS_09 } from "./status-snapshot.ts";
import { WatchService } from "./watch-handlers.ts";

const MAX_OUTSTANDING = 128;
const PARSE_ERROR_TEXT = "The data couldn’t be read because it isn’t in the correct format.";

/** A parsed request line. */
interface Call {
  id: RpcId;
  /** False for notifications (no id): success results are never written. */
  hasId: boolean;
  method: string;
  params: Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The `imsg rpc` loop: NDJSON requests on stdin, responses and notifications on stdout. 0.9 handles one line
 * at a time, in order (§2.1); 0.15 runs control requests at once, reads without waiting for sends, and sends
 * one at a time in FIFO order (§9 "Lanes"). Resolves with the exit code once stdin closed and work drained.
 */
export class RpcServer {
  readonly #ctx: RpcContext;
  readonly #services: RpcServices;
  readonly #startupFailure: string | undefined;
  readonly #inflight = new Set<Promise<void>>();
  #mutationTail: Promise<void> = Promise.resolve();

  constructor(ctx: RpcContext) {
    this.#ctx = ctx;
    this.#services = {
      ctx,
      watch: new WatchService(ctx),
      send: new SendService(ctx),
      bridge: new BridgeService(ctx),
    };
    // 0.8.2+: a database that cannot be opened at startup turns every request into -32603 (§2.1);
    // 0.14+ starts anyway and answers database requests -32002 until it becomes readable (§9).
    const failure = ctx.tryOpen();
    this.#startupFailure = ctx.options.compat === "0.9" ? failure : undefined;
  }

  /** Serves `input` until EOF; resolves with the process exit code. */
  async run(input: Readable): Promise<number> {
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    if (this.#ctx.options.compat === "0.9") {
      for await (const line of lines) await this.#handleLine(line);
    } else {
      await new Promise<void>((resolve) => {
        lines.on("line", (line) => this.#admit(line));
        lines.on("close", resolve);
      });
    }
    this.#services.watch.stopAll();
    await Promise.allSettled([...this.#inflight, this.#mutationTail]);
    this.#services.watch.stopAll();
    this.#ctx.close();
    return this.#startupFailure ? 1 : 0;
  }

  #admit(line: string): void {
    if (this.#inflight.size >= MAX_OUTSTANDING) {
      const call = this.#parse(line);
      if (call?.hasId)
        this.#ctx.out.error(call.id, new RpcError(RPC_CODES.serverBusy, "too many outstanding requests"));
      return;
    }
    const task = this.#handleLine(line);
    this.#inflight.add(task);
    void task.finally(() => this.#inflight.delete(task));
  }

  async #handleLine(raw: string): Promise<void> {
    const call = this.#parse(raw);
    if (!call) return;
    if (this.#startupFailure !== undefined) {
      this.#reply(call, internalError(this.#startupFailure));
      return;
    }
    const method = RPC_METHODS[call.method];
    const strict = this.#ctx.options.compat === "0.15";
    if (!method || (method.modes === "0.15" && !strict)) {
      this.#reply(call, this.#unavailable(call.method));
      return;
    }
    if (method.bridge && !this.#ctx.options.bridge) {
      this.#reply(call, bridgeNotRunning(this.#ctx.options.compat));
      return;
    }
    const run = async (): Promise<void> => {
      try {
        const params = readParams(method.params, call.params, this.#ctx.options.compat);
        this.#reply(call, undefined, await method.handle(this.#services, params));
      } catch (error) {
        this.#reply(call, error instanceof RpcError ? error : internalError(errorText(error), error));
      }
    };
    if (strict && method.lane === "mutation") {
      const turn = this.#mutationTail.then(run);
      this.#mutationTail = turn;
      await turn;
      return;
    }
    await run();
  }

  #unavailable(name: string): RpcError {
    const strict = this.#ctx.options.compat === "0.15";
    if (strict && BRIDGE_ONLY_METHODS.includes(name)) return bridgeNotRunning("0.15");
    if (!strict && (METHODS_09 as readonly string[]).includes(name)) return bridgeNotRunning("0.9");
    return new RpcError(RPC_CODES.methodNotFound, name);
  }

  /** Parses one line per §2.2 (0.9) or §9 (0.15); writes framing errors itself and returns undefined for them. */
  #parse(raw: string): Call | undefined {
    const line = raw.trim();
    if (line === "") return undefined;
    const strict = this.#ctx.options.compat === "0.15";
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#ctx.out.error(null, new RpcError(RPC_CODES.parseError, PARSE_ERROR_TEXT));
      return undefined;
    }
    if (!isPlainObject(value)) {
      this.#ctx.out.error(null, new RpcError(RPC_CODES.invalidRequest, "request must be an object"));
      return undefined;
    }
    const rawId = value.id;
    const hasId = typeof rawId === "string" || typeof rawId === "number";
    const id: RpcId = hasId ? rawId : null;
    const fail = (detail: string): undefined => {
      this.#reply({ id, hasId, method: "", params: {} }, new RpcError(RPC_CODES.invalidRequest, detail));
      return undefined;
    };
    if (strict && rawId !== undefined && rawId !== null && !hasId)
      return fail("id must be a string or a number");
    if (strict ? value.jsonrpc !== "2.0" : value.jsonrpc !== undefined && value.jsonrpc !== "2.0") {
      return fail("jsonrpc must be 2.0");
    }
    if (typeof value.method !== "string" || value.method === "") return fail("method is required");
    let params: Record<string, unknown> = {};
    if (isPlainObject(value.params)) params = value.params;
    else if (strict && value.params !== undefined) return fail("params must be an object");
    return { id, hasId, method: value.method, params };
  }

  /** Writes a result (only for requests with an id) or an error (0.9: also for notifications, with id null). */
  #reply(call: Call, error: RpcError | undefined, result?: unknown): void {
    if (error) {
      if (call.hasId) this.#ctx.out.error(call.id, error);
      else if (this.#ctx.options.compat === "0.9") this.#ctx.out.error(null, error);
      return;
    }
    if (call.hasId) this.#ctx.out.result(call.id, result ?? null);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
