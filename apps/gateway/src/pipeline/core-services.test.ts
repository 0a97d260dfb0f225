import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AccessPolicyConfig,
  createSqliteBackend,
  openStateStore,
  silentLogger,
} from "@imgate/channel-core";
import { type ImsgMessage, messageToInbound } from "@imgate/imessage-channel";
import { afterEach, describe, expect, it } from "vitest";
import { createCoreServices } from "./core-services.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function inbound(overrides: Partial<ImsgMessage>): ImsgMessage {
  return {
    id: 10,
    chat_id: 7,
    guid: "G-1",
    sender: "+15550001111",
    is_from_me: false,
    text: "hello",
    created_at: "2026-01-01T00:00:00.000Z",
    attachments: [],
    reactions: [],
    chat_identifier: "+15550001111",
    chat_guid: "iMessage;-;+15550001111",
    chat_name: "",
    participants: ["+15550001111"],
    is_group: false,
    ...overrides,
  } as ImsgMessage;
}

const account = { accountId: "default", region: "US", groups: {}, includeAttachments: false, mediaMaxMb: 16 };

describe("the gateway's allowlist matching (chat entries, issue 10 item 7)", () => {
  const decide = (message: ImsgMessage, config: AccessPolicyConfig) => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-core-services-"));
    dirs.push(dir);
    const store = openStateStore({ path: join(dir, "state.db"), logger: silentLogger, clock: Date });
    try {
      const outcome = messageToInbound(message, account);
      if (outcome.kind !== "turn") throw new Error(`not a turn: ${outcome.kind}`);
      return createCoreServices(createSqliteBackend(store), silentLogger).policyFor("US").evaluate({
        envelope: outcome.envelope,
        config,
      }).kind;
    } finally {
      store.close();
    }
  };

  it("admits a DM by chat_id, chat_guid or chat_identifier in allowFrom, and nothing else", () => {
    const dm = inbound({});
    for (const entry of ["chat_id:7", "chat_guid:iMessage;-;+15550001111", "chat_identifier:+15550001111"]) {
      expect(decide(dm, { dmPolicy: "allowlist", allowFrom: [entry] }), entry).toBe("process");
    }
    for (const entry of ["chat_id:8", "chat_guid:iMessage;-;+15550002222", "chat_identifier:chat99"]) {
      expect(decide(dm, { dmPolicy: "allowlist", allowFrom: [entry] }), entry).toBe("drop");
    }
  });

  it("admits a group by chat_guid or chat_identifier in groupAllowFrom", () => {
    const group = inbound({
      chat_id: 9,
      chat_identifier: "chat123",
      chat_guid: "iMessage;+;chat123",
      is_group: true,
      participants: ["+15550001111", "+15550002222"],
      text: "@bot hi",
    });
    const config = (entry: string): AccessPolicyConfig => ({
      groupPolicy: "allowlist",
      groupAllowFrom: [entry],
      groups: { "*": { requireMention: false } },
    });
    expect(decide(group, config("chat_guid:iMessage;+;chat123"))).toBe("process");
    expect(decide(group, config("chat_identifier:chat123"))).toBe("process");
    expect(decide(group, config("chat_id:9"))).toBe("process");
    expect(decide(group, config("chat_identifier:chat124"))).toBe("drop");
  });
});
