import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type RpcPeer, runBin } from "./__fixtures__/rpc-peer.ts";
import { useSimPeers } from "./__fixtures__/sim-peers.ts";
import { injectMessage } from "./inject-message.ts";
import { waitFor } from "./wait-for.ts";

const fixture = useSimPeers();
const { start } = fixture;

function seed(count: number): number[] {
  const ids: number[] = [];
  for (let i = 1; i <= count; i++)
    ids.push(injectMessage(fixture.sim.db, { from: "+15551234567", text: `m${i}` }).id);
  return ids;
}

const texts = (peer: RpcPeer) => peer.messages().map((m) => m.text);

describe.each(["0.9", "0.15"] as const)("watch.subscribe (%s)", (compat) => {
  it("since_rowid: omitted/0 = tail, negative = replay, positive = exclusive; inject from another process arrives", async () => {
    seed(3);
    const peer = start(compat);
    const tail = (await peer.request("watch.subscribe", { debounce_ms: 0 })).result as {
      subscription: number;
    };
    const zero = (await peer.request("watch.subscribe", { since_rowid: 0, debounce_ms: 0 })).result as {
      subscription: number;
    };
    const replay = (await peer.request("watch.subscribe", { since_rowid: -1, debounce_ms: 0 })).result as {
      subscription: number;
    };
    const after = (await peer.request("watch.subscribe", { since_rowid: 2, debounce_ms: 0 })).result as {
      subscription: number;
    };
    expect([tail.subscription, zero.subscription, replay.subscription, after.subscription]).toEqual([
      1, 2, 3, 4,
    ]);
    const injected = await runBin("imsg-sim", [
      "inject",
      "--db",
      fixture.sim.db,
      "--from",
      "friend@example.com",
      "--text",
      "live",
      "--json",
    ]);
    expect(injected.code).toBe(0);
    const bySub = (id: number) =>
      peer
        .notifications("message")
        .filter((l) => (l.params as { subscription: number }).subscription === id)
        .map((l) => (l.params as { message: { text: string } }).message.text);
    await waitFor(
      () => [1, 2, 3, 4].every((id) => bySub(id).includes("live")),
      "live message on every subscription",
    );
    expect(bySub(1)).toEqual(["live"]);
    expect(bySub(2)).toEqual(["live"]);
    expect(bySub(3)).toEqual(["m1", "m2", "m3", "live"]);
    expect(bySub(4)).toEqual(["m3", "live"]);
    const live = peer.messages().find((m) => m.text === "live");
    expect(live).toMatchObject({
      sender: "friend@example.com",
      is_from_me: false,
      chat_identifier: "friend@example.com",
    });
    expect(await peer.request("watch.unsubscribe", { subscription: 3 })).toMatchObject({
      result: { ok: true },
    });
    expect(await peer.close()).toBe(0);
  });

  it("drains a backlog in 100-row batches, advances past filtered rows and excludes reactions unless asked", async () => {
    const ids = seed(150);
    injectMessage(fixture.sim.db, {
      from: "+15551234567",
      reaction: "like",
      reactedTo: "whatever",
      text: "Liked “m1”",
    });
    injectMessage(fixture.sim.db, { from: "other@example.com", text: "not from the participant" });
    injectMessage(fixture.sim.db, { from: "+15551234567", text: "last" });
    const peer = start(compat);
    await peer.request("watch.subscribe", {
      since_rowid: -1,
      debounce_ms: 0,
      participants: ["+15551234567"],
      buffer_limit: 4096,
    });
    await waitFor(() => texts(peer).includes("last"), "backlog drained");
    expect(texts(peer)).toHaveLength(151);
    expect(texts(peer).slice(0, 2)).toEqual(["m1", "m2"]);
    expect(texts(peer)).not.toContain("not from the participant");
    expect(texts(peer)).not.toContain("Liked “m1”");
    expect(peer.messages()[0]?.id).toBe(ids[0]);
    const withReactions = start(compat);
    await withReactions.request("watch.subscribe", {
      since_rowid: ids[149],
      debounce_ms: 0,
      include_reactions: true,
    });
    await waitFor(() => texts(withReactions).includes("last"), "reaction stream");
    expect(withReactions.messages()[0]).toMatchObject({
      is_reaction: true,
      reaction_type: "like",
      is_reaction_add: true,
      reacted_to_guid: "whatever",
    });
  });

  it("drops URL-preview duplicates", async () => {
    const peer = start(compat);
    await peer.request("watch.subscribe", { debounce_ms: 0 });
    injectMessage(fixture.sim.db, {
      from: "+15551234567",
      text: "read https://example.com/x",
      urlPreview: true,
    });
    injectMessage(fixture.sim.db, { from: "+15551234567", text: "after" });
    await waitFor(() => texts(peer).includes("after"), "after");
    expect(texts(peer)).toEqual(["read https://example.com/x", "after"]);
  });
});

describe("ordering", () => {
  it("0.9: a replay backlog's first notification precedes the subscribe result (the documented race)", async () => {
    seed(2);
    const peer = start("0.9");
    peer.writeLine('{"jsonrpc":"2.0","id":1,"method":"watch.subscribe","params":{"since_rowid":-1}}');
    await peer.response(1);
    const order = peer.lines.map((l) => (l.id === 1 ? "result" : l.method));
    expect(order).toEqual(["message", "message", "result"]);
  });

  it("0.15: the result comes first, and a read overtakes a slow send (lanes)", async () => {
    seed(2);
    const peer = start("0.15", { IMSG_SIM_SEND_DELAY_MS: "600" });
    await peer.request("watch.subscribe", { since_rowid: -1, debounce_ms: 0 });
    await waitFor(() => peer.messages().length === 2, "replay");
    expect(peer.lines[0]).toMatchObject({ result: { subscription: 1, buffer_limit: 256 } });
    peer.writeLine(
      '{"jsonrpc":"2.0","id":"send","method":"send","params":{"to":"+15551234567","text":"slow"}}',
    );
    peer.writeLine('{"jsonrpc":"2.0","id":"read","method":"chats.list","params":{}}');
    await peer.response("send");
    const ids = peer.lines.filter((l) => l.id === "send" || l.id === "read").map((l) => l.id);
    expect(ids).toEqual(["read", "send"]);
  });

  it("0.9 handles requests strictly in order behind a slow send", async () => {
    const peer = start("0.9", { IMSG_SIM_SEND_DELAY_MS: "300" });
    peer.writeLine(
      '{"jsonrpc":"2.0","id":"send","method":"send","params":{"to":"+15551234567","text":"slow"}}',
    );
    peer.writeLine('{"jsonrpc":"2.0","id":"read","method":"chats.list","params":{}}');
    await peer.response("read");
    expect(peer.lines.map((l) => l.id)).toEqual(["send", "read"]);
  });
});

describe("0.15 overflow", () => {
  it("buffer_limit: accepted messages drain, then one terminal watch.overflow with a resume cursor", async () => {
    const ids = seed(10);
    const peer = start("0.15");
    await peer.request("watch.subscribe", { since_rowid: -1, debounce_ms: 0, buffer_limit: 4 });
    const overflow = await waitFor(() => peer.notifications("watch.overflow")[0], "overflow");
    expect(texts(peer)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(overflow.params).toEqual({
      subscription: 1,
      resume_after_rowid: ids[3],
      reason: "buffer_limit_exceeded",
      terminal: true,
    });
    injectMessage(fixture.sim.db, { from: "+15551234567", text: "ignored" });
    const resumed = (await peer.request("messages.after", { since_rowid: ids[3] })).result as {
      messages: unknown[];
    };
    expect(resumed.messages).toHaveLength(7);
    expect(texts(peer)).toHaveLength(4);
  });

  it("IMSG_SIM_OVERFLOW_AFTER overflows after N notifications even for a live stream", async () => {
    const peer = start("0.15", { IMSG_SIM_OVERFLOW_AFTER: "2" });
    await peer.request("watch.subscribe", { debounce_ms: 0 });
    for (const text of ["a", "b", "c"]) {
      injectMessage(fixture.sim.db, { from: "+15551234567", text });
      await waitFor(
        () => texts(peer).includes(text) || peer.notifications("watch.overflow").length > 0,
        text,
      );
    }
    expect(texts(peer)).toEqual(["a", "b"]);
    expect(peer.notifications("watch.overflow")).toHaveLength(1);
  });
});

describe("deaf stream fault", () => {
  it("IMSG_SIM_DEAF_FILE silences the subscriptions made before the touch; a new one hears", async () => {
    const deafFile = join(fixture.sim.dir, "deaf");
    const peer = start("0.15", { IMSG_SIM_DEAF_FILE: deafFile });
    const old = (await peer.request("watch.subscribe", { debounce_ms: 0 })).result as {
      subscription: number;
    };
    injectMessage(fixture.sim.db, { from: "+15551234567", text: "heard" });
    await waitFor(() => texts(peer).includes("heard"), "the live message before the fault");
    writeFileSync(deafFile, "");
    const row = injectMessage(fixture.sim.db, { from: "+15551234567", text: "missed" });
    // imsg still answers and still has the row…
    const after = (await peer.request("messages.after", { since_rowid: row.id - 1, limit: 5 })).result as {
      messages: { id: number }[];
    };
    expect(after.messages.map((message) => message.id)).toEqual([row.id]);
    // …and a subscription made after the touch delivers it, while the old one stays silent and open.
    const fresh = (await peer.request("watch.subscribe", { since_rowid: row.id - 1, debounce_ms: 0 }))
      .result as {
      subscription: number;
    };
    const bySub = (id: number) =>
      peer
        .notifications("message")
        .filter((line) => (line.params as { subscription: number }).subscription === id)
        .map((line) => (line.params as { message: { text: string } }).message.text);
    await waitFor(() => bySub(fresh.subscription).includes("missed"), "the fresh subscription");
    expect(bySub(old.subscription)).toEqual(["heard"]);
    expect(peer.notifications("error")).toEqual([]);
    expect(peer.notifications("watch.overflow")).toEqual([]);
  });
});

describe("quirks", () => {
  it("self-chat echo writes an is_from_me:false copy from the own handle", async () => {
    const peer = start("0.9", { IMSG_SIM_SELF_ECHO: "1", IMSG_SIM_SELF: "bot@icloud.com" });
    await peer.request("watch.subscribe", { debounce_ms: 0 });
    await peer.request("send", { to: "bot@icloud.com", text: "note to self" });
    await waitFor(() => peer.messages().length === 2, "two rows");
    expect(peer.messages().map((m) => [m.is_from_me, m.sender, m.text])).toEqual([
      [true, "bot@icloud.com", "note to self"],
      [false, "bot@icloud.com", "note to self"],
    ]);
  });

  it("late is_from_me: the outbound row first reads is_from_me:false, then is corrected", async () => {
    const peer = start("0.9", { IMSG_SIM_LATE_FROM_ME_MS: "1000" });
    await peer.request("watch.subscribe", { debounce_ms: 0 });
    const sent = (await peer.request("send", { to: "+15551234567", text: "mine" })).result as { id: number };
    await waitFor(() => peer.messages().length === 1, "watch row");
    expect(peer.messages()[0]).toMatchObject({ id: sent.id, is_from_me: false, sender: "me@icloud.com" });
    const chatId = peer.messages()[0]?.chat_id as number;
    await waitFor(
      () => {
        peer.writeLine(
          JSON.stringify({
            jsonrpc: "2.0",
            id: `h${Date.now()}`,
            method: "messages.history",
            params: { chat_id: chatId },
          }),
        );
        return peer.lines.some(
          (l) =>
            (l.result as { messages?: Array<{ is_from_me: boolean }> } | undefined)?.messages?.[0]
              ?.is_from_me === true,
        );
      },
      "corrected row",
      8000,
    );
  });

  it("unjoined rows: 0.9 all-chat watch emits chat_id 0, 0.15 drops them after a retry", async () => {
    const old = start("0.9");
    const fresh = start("0.15", { IMSG_SIM_UNJOINED_RETRY_MS: "300" });
    await old.request("watch.subscribe", { debounce_ms: 0 });
    await fresh.request("watch.subscribe", { debounce_ms: 0 });
    injectMessage(fixture.sim.db, { from: "friend@example.com", text: "anchorless", unjoined: true });
    injectMessage(fixture.sim.db, { from: "friend@example.com", text: "joined" });
    await waitFor(() => texts(old).includes("joined") && texts(fresh).includes("joined"), "both streams");
    expect(old.messages()[0]).toMatchObject({
      text: "anchorless",
      chat_id: 0,
      chat_identifier: "",
      chat_guid: "",
      participants: [],
      is_group: false,
    });
    expect(texts(fresh)).toEqual(["joined"]);
  });
});

describe("faults", () => {
  it("failing sends: 0.9 -32603; 0.15 -32001 may_have_completed with the row written anyway", async () => {
    const old = start("0.9", { IMSG_SIM_FAIL_SENDS: "1" });
    const failed = await old.request("send", { to: "+15551234567", text: "boom" });
    expect(failed.error).toMatchObject({ code: -32603, data: expect.stringContaining("AppleScript failed") });
    expect((await old.request("send", { to: "+15551234567", text: "ok now" })).result).toMatchObject({
      ok: true,
    });
    const fresh = start("0.15", { IMSG_SIM_FAIL_SEND_MATCH: "explode", IMSG_SIM_FAIL_SEND_INSERTS: "1" });
    const unknown = await fresh.request("send", { to: "+15551234567", text: "please explode" });
    expect(unknown.error).toMatchObject({
      code: -32001,
      data: {
        retry_safe: false,
        disposition: "may_have_completed",
        transport: "applescript",
        operation: "send",
      },
    });
    const history = (await fresh.request("messages.history", { chat_id: 1 })).result as {
      messages: Array<{ text: string }>;
    };
    expect(history.messages.map((m) => m.text)).toEqual(["please explode", "ok now"]);
  });

  it("exit after N notifications, garbage lines, oversized lines and a partial last line", async () => {
    seed(3);
    const exiting = start("0.9", { IMSG_SIM_EXIT_AFTER: "2", IMSG_SIM_GARBAGE_EVERY: "1" });
    // 0.9 writes the replay before the result, so the process dies before answering.
    exiting.writeLine('{"jsonrpc":"2.0","id":1,"method":"watch.subscribe","params":{"since_rowid":-1}}');
    expect(await exiting.exited).toBe(1);
    expect(exiting.lines.some((l) => l.id === 1)).toBe(false);
    expect(texts(exiting)).toEqual(["m1", "m2"]);
    expect(exiting.lines.filter((l) => l.raw !== undefined).length).toBeGreaterThanOrEqual(2);
    const big = start("0.15", {
      IMSG_SIM_OVERSIZED_AFTER: "1",
      IMSG_SIM_OVERSIZED_BYTES: String(4 * 1024 * 1024),
    });
    await big.request("status");
    const oversized = await waitFor(() => big.notifications("sim.oversized")[0], "oversized line");
    expect(JSON.stringify(oversized).length).toBeGreaterThan(4 * 1024 * 1024 - 100);
    const partial = start("0.15", { IMSG_SIM_PARTIAL_AFTER: "1" });
    await partial.request("status");
    partial.writeLine('{"jsonrpc":"2.0","id":2,"method":"status"}');
    expect(await partial.exited).toBe(1);
    expect(partial.pending.startsWith('{"jsonrpc":"2.0","id":2')).toBe(true);
  });
});
