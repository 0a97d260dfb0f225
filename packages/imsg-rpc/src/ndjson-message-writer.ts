import type { Writable } from "node:stream";
import { AbstractMessageWriter, type Message, type MessageWriter } from "vscode-jsonrpc";

/**
 * vscode-jsonrpc `MessageWriter` for imsg's framing: `JSON.stringify(message) + "\n"`. A peer that
 * is gone (EPIPE, destroyed stream) turns into a rejected write and an `onError` event, never a crash.
 */
export class NdjsonMessageWriter extends AbstractMessageWriter implements MessageWriter {
  readonly #writable: Writable;
  #errorCount = 0;
  #closed = false;
  readonly #onStreamError = (error: Error) => this.#fail(error);
  readonly #onStreamClose = () => {
    if (this.#closed) return;
    this.#closed = true;
    this.fireClose();
  };

  constructor(writable: Writable) {
    super();
    this.#writable = writable;
    // Without a listener an EPIPE from a dead child would be an uncaught exception.
    writable.on("error", this.#onStreamError);
    writable.on("close", this.#onStreamClose);
  }

  write(message: Message): Promise<void> {
    if (this.#closed || this.#writable.destroyed || this.#writable.writableEnded) {
      return Promise.reject(new Error("imsg's stdin is closed"));
    }
    const line = `${JSON.stringify(message)}\n`;
    return new Promise((resolve, reject) => {
      this.#writable.write(line, "utf8", (error) => {
        if (error) {
          this.#fail(error, message);
          reject(error);
        } else {
          resolve();
        }
      });
    });
  }

  end(): void {
    if (!this.#writable.writableEnded) this.#writable.end();
  }

  override dispose(): void {
    super.dispose();
    this.#writable.off("error", this.#onStreamError);
    this.#writable.off("close", this.#onStreamClose);
    // Keep swallowing late EPIPEs after dispose.
    this.#writable.on("error", () => {});
  }

  #fail(error: Error, message?: Message): void {
    this.#errorCount++;
    this.fireError(error, message, this.#errorCount);
  }
}
