import type { RpcError } from "./rpc-error.ts";
import type { SimFaults } from "./sim-options.ts";

/** A JSON-RPC request id as imsg echoes it. */
export type RpcId = string | number | null;

/** Where protocol lines go (stdout in the CLI; tests may hand in anything with `write`). */
export interface LineSink {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
}

/** Writer options. */
export interface OutputWriterOptions {
  sink: LineSink;
  /** Escape `/` as `\/` like Foundation's JSONSerialization (0.9). */
  escapeSlashes: boolean;
  faults: Pick<
    SimFaults,
    "exitAfterNotifications" | "garbageEvery" | "partialAfter" | "oversizedAfter" | "oversizedBytes"
  >;
  /** Called when a fault ends the process (exit code 1). */
  exit: (code: number) => void;
}

/**
 * Serializes every response, error and notification as one line (§2.1: writes never interleave) and applies the
 * counted output faults: garbage lines, a partial last line, an oversized line, exit after N notifications.
 */
export class OutputWriter {
  readonly #options: OutputWriterOptions;
  #lines = 0;
  #notifications = 0;
  #dead = false;

  constructor(options: OutputWriterOptions) {
    this.#options = options;
  }

  /** True once a fault ended output (nothing more is written). */
  get dead(): boolean {
    return this.#dead;
  }

  /** Writes a success response. */
  result(id: RpcId, result: unknown): void {
    this.#line({ jsonrpc: "2.0", id, result });
  }

  /** Writes an error response. */
  error(id: RpcId, error: RpcError): void {
    this.#line({ jsonrpc: "2.0", id, error: error.toJSON() });
  }

  /** Writes a notification; `onWritten` fires once the line left the process (used for watch buffers). */
  notify(method: string, params: unknown, onWritten?: () => void): void {
    this.#line({ jsonrpc: "2.0", method, params }, onWritten);
    if (this.#dead) return;
    this.#notifications += 1;
    const limit = this.#options.faults.exitAfterNotifications;
    if (limit !== null && this.#notifications >= limit) this.#die();
  }

  #line(message: object, onWritten?: () => void): void {
    if (this.#dead) return;
    const { faults, sink } = this.#options;
    let text = JSON.stringify(message);
    if (this.#options.escapeSlashes) text = text.replaceAll("/", "\\/");
    if (faults.partialAfter !== null && this.#lines === faults.partialAfter) {
      sink.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      this.#die();
      return;
    }
    sink.write(`${text}\n`, onWritten ? () => onWritten() : undefined);
    this.#lines += 1;
    if (faults.garbageEvery !== null && this.#lines % faults.garbageEvery === 0) {
      sink.write(`imsg-sim: garbage line ${this.#lines / faults.garbageEvery} {not json\n`);
    }
    if (faults.oversizedAfter !== null && this.#lines === faults.oversizedAfter) {
      const envelope = '{"jsonrpc":"2.0","method":"sim.oversized","params":{"padding":""}}\n';
      const padding = "x".repeat(Math.max(0, faults.oversizedBytes - envelope.length));
      sink.write(`{"jsonrpc":"2.0","method":"sim.oversized","params":{"padding":"${padding}"}}\n`);
    }
  }

  #die(): void {
    this.#dead = true;
    this.#options.exit(1);
  }
}
