import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOutbox, type Envelope, openStateStore } from "@imgate/channel-core";
import { afterEach, describe, expect, it } from "vitest";
import { createReplyEnqueuer } from "./enqueue-replies.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const envelope = {
  channel: "imessage",
  accountId: "default",
  chatType: "direct",
  chatKey: "7",
  senderRaw: "+15550001111",
  sender: "+15550001111",
  text: "hi",
  attachments: [],
  timestamp: 0,
  messageId: "42",
  guid: "IN-GUID",
  participants: [],
} as unknown as Envelope;

describe("reply enqueuer: rich replies", () => {
  it("queues reaction → text chunks → files under keys of the inbound message; a replay adds nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-enqueue-"));
    dirs.push(dir);
    const store = openStateStore({ path: join(dir, "state.db") });
    try {
      const outbox = createOutbox({ store, requireReconcile: false });
      const drafts = createReplyEnqueuer("imessage", "default");
      const extras = { reaction: "love", threaded: true, files: ["/tmp/a.png", "/tmp/b.txt"] };
      const queue = () =>
        store.transaction(() => {
          for (const draft of drafts(envelope, "chat_id:7", ["one", "two"], extras)) outbox.enqueue(draft);
        });
      queue();
      queue();
      const entries = outbox.list();
      expect(
        entries.map((e) => [
          e.idempotencyKey.split(":").slice(4).join(":"),
          e.reaction,
          e.replyTo,
          e.text,
          e.media,
        ]),
      ).toEqual([
        ["0:reaction", "love", "IN-GUID", "", undefined],
        ["0", undefined, "IN-GUID", "one", undefined],
        ["1", undefined, "IN-GUID", "two", undefined],
        ["2", undefined, "IN-GUID", "", ["/tmp/a.png"]],
        ["3", undefined, "IN-GUID", "", ["/tmp/b.txt"]],
      ]);
    } finally {
      store.close();
    }
  });

  it("a plain reply refers to nothing (as before)", () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-enqueue-"));
    dirs.push(dir);
    const store = openStateStore({ path: join(dir, "state.db") });
    try {
      const outbox = createOutbox({ store, requireReconcile: false });
      for (const draft of createReplyEnqueuer("imessage", "default")(envelope, "chat_id:7", ["only text"]))
        outbox.enqueue(draft);
      expect(outbox.list().map((e) => [e.text, e.replyTo, e.reaction])).toEqual([
        ["only text", undefined, undefined],
      ]);
    } finally {
      store.close();
    }
  });
});
