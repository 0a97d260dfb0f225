import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempStateStore, type TempStateStore } from "./__fixtures__/temp-state-store.ts";
import { createOutbox, replyIdempotencyKey } from "./outbox.ts";

let temp: TempStateStore;

beforeEach(() => {
  temp = openTempStateStore();
});
afterEach(() => temp.dispose());

const inbound = { channel: "imessage", accountId: "bot", guid: "IN-1" };

describe("outbox reactions and inline replies (migration 6)", () => {
  it("stores an entry's reaction and the message it refers to, and reads them back after a reopen", () => {
    const outbox = createOutbox({ store: temp.store, requireReconcile: false });
    const base = { channel: "imessage", accountId: "bot", chatKey: "7", target: "chat_id:7" };
    outbox.enqueue({
      ...base,
      idempotencyKey: `${replyIdempotencyKey(inbound, 0)}:reaction`,
      text: "",
      reaction: "love",
      replyTo: "IN-1",
    });
    outbox.enqueue({ ...base, idempotencyKey: replyIdempotencyKey(inbound, 0), text: "hi", replyTo: "IN-1" });
    outbox.enqueue({ ...base, idempotencyKey: replyIdempotencyKey(inbound, 1), text: "plain" });

    const raw = new DatabaseSync(join(temp.dir, "state.db"), { readOnly: true });
    const rows = raw.prepare("SELECT text, reaction, reply_to FROM outbox ORDER BY id").all();
    raw.close();
    expect(rows).toEqual([
      { text: "", reaction: "love", reply_to: "IN-1" },
      { text: "hi", reaction: null, reply_to: "IN-1" },
      { text: "plain", reaction: null, reply_to: null },
    ]);
    const [reaction, threaded, plain] = createOutbox({
      store: temp.reopen(),
      requireReconcile: false,
    }).list();
    expect(reaction).toMatchObject({ reaction: "love", replyTo: "IN-1", text: "" });
    expect(threaded).toMatchObject({ replyTo: "IN-1", text: "hi" });
    expect(threaded?.reaction).toBeUndefined();
    expect(plain?.replyTo).toBeUndefined();
  });
});
