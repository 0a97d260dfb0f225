import { describe, expect, it } from "vitest";
import { createSessionQueue } from "./session-queue.ts";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("session queue", () => {
  it("runs one session's tasks strictly in order, one at a time", async () => {
    const queue = createSessionQueue({ maxConcurrent: 4 });
    const log: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const done = gates.map((gate, index) =>
      queue.enqueue("s", async () => {
        log.push(`start ${index}`);
        await gate.promise;
        log.push(`end ${index}`);
      }),
    );
    await Promise.resolve();
    expect(log).toEqual(["start 0"]);
    gates[2]!.resolve();
    gates[1]!.resolve();
    gates[0]!.resolve();
    await Promise.all(done);
    expect(log).toEqual(["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]);
  });

  it("runs different sessions in parallel up to the cap", async () => {
    const queue = createSessionQueue({ maxConcurrent: 2 });
    const started: string[] = [];
    const gate = deferred();
    const done = ["a", "b", "c"].map((key) =>
      queue.enqueue(key, async () => {
        started.push(key);
        await gate.promise;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual(["a", "b"]);
    expect(queue.pending()).toBe(3);
    gate.resolve();
    await Promise.all(done);
    expect(started).toEqual(["a", "b", "c"]);
    await queue.idle();
    expect(queue.pending()).toBe(0);
  });

  it("keeps going after a failing task and reports its error to the caller", async () => {
    const queue = createSessionQueue({ maxConcurrent: 1 });
    const failed = queue.enqueue("s", async () => {
      throw new Error("boom");
    });
    const next = queue.enqueue("s", async () => "ok");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ok");
  });

  it("a task idling in its slot lets other sessions run, and its own session still waits for it", async () => {
    const queue = createSessionQueue({ maxConcurrent: 1 });
    const log: string[] = [];
    const retry = deferred();
    const other = deferred();
    const first = queue.enqueue("a", async (slot) => {
      log.push("a1 fails");
      await slot.idle(retry.promise);
      log.push("a1 answered");
    });
    const second = queue.enqueue("a", async () => {
      log.push("a2");
    });
    const b = queue.enqueue("b", async () => {
      log.push("b starts");
      await other.promise;
      log.push("b done");
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["a1 fails", "b starts"]);
    // a1 wants its slot back while b holds the only one: it waits for b, then runs before anything new.
    retry.resolve();
    const c = queue.enqueue("c", async () => {
      log.push("c");
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["a1 fails", "b starts"]);
    other.resolve();
    await Promise.all([first, second, b, c]);
    // a2 then takes its turn behind c, which was waiting first (sessions are served in arrival order).
    expect(log).toEqual(["a1 fails", "b starts", "b done", "a1 answered", "c", "a2"]);
  });
});
