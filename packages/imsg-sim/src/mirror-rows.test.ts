import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { useSimPeers } from "./__fixtures__/sim-peers.ts";
import { injectMessage } from "./inject-message.ts";
import { waitFor } from "./wait-for.ts";

const fixture = useSimPeers();
const CONTACT = "+15551234567";

describe.each(["0.9", "0.15"] as const)("mirror rows and residue (%s)", (compat) => {
  it("IMSG_SIM_MIRROR_ROWS: a sent text gets a mirror from the other member, reply_to_guid = the sent guid", async () => {
    const peer = fixture.start(compat, { IMSG_SIM_MIRROR_ROWS: "1", IMSG_SIM_RESIDUE_PREFIX: "1" });
    await peer.request("watch.subscribe", { debounce_ms: 0 });
    const sent = (await peer.request("send", { to: CONTACT, text: "on my way" })).result as { guid: string };
    await waitFor(() => peer.messages().length === 2, "the sent row and its mirror");
    const [own, mirror] = peer.messages();
    expect(own).toMatchObject({ guid: sent.guid, is_from_me: true, text: "on my way" });
    expect(mirror).toMatchObject({
      is_from_me: false,
      sender: CONTACT,
      reply_to_guid: sent.guid,
      text: "\u0093b\u0002on my way",
    });
    expect(mirror?.guid).not.toBe(sent.guid);
  });

  it("IMSG_SIM_MIRROR_DELAY_MS: the mirror comes later, and is written at exit at the latest", async () => {
    const peer = fixture.start(compat, { IMSG_SIM_MIRROR_ROWS: "1", IMSG_SIM_MIRROR_DELAY_MS: "600000" });
    await peer.request("send", { to: CONTACT, text: "later" });
    const mirrors = () => {
      const db = new DatabaseSync(fixture.sim.db, { readOnly: true });
      try {
        return db
          .prepare("SELECT text, associated_message_guid AS replyTo FROM message WHERE is_from_me = 0")
          .all();
      } finally {
        db.close();
      }
    };
    expect(mirrors()).toEqual([]);
    await peer.close();
    expect(mirrors()).toEqual([expect.objectContaining({ text: "later" })]);
  });
});

describe("inject --reply-to-guid", () => {
  it("writes associated_message_guid, reported as reply_to_guid; a reaction cannot have one", async () => {
    const peer = fixture.start("0.15");
    await peer.request("watch.subscribe", { debounce_ms: 0 });
    injectMessage(fixture.sim.db, { from: CONTACT, text: "thanks!", replyToGuid: "SENT-GUID" });
    await waitFor(() => peer.messages().length === 1, "the injected row");
    expect(peer.messages()[0]).toMatchObject({ reply_to_guid: "SENT-GUID", text: "thanks!" });
    expect(() =>
      injectMessage(fixture.sim.db, { from: CONTACT, reaction: "love", reactedTo: "X", replyToGuid: "Y" }),
    ).toThrow(/replyToGuid/);
  });
});
