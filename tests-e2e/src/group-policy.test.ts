import { injectMessage } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMPAT_MODES,
  createWorkspace,
  type GatewayProcess,
  outboxRows,
  outgoingRows,
  startGateway,
  type Workspace,
  waitFor,
} from "./harness/index.ts";

const ALICE = "+15550001111";
const BOB = "+15550002222";
const CAROL = "+15550003333";
const MENTION = {
  agents: {
    list: [
      { id: "main", default: true, groupChat: { mentionPatterns: ["@bot"] }, backend: { type: "echo" } },
    ],
  },
};

/** Waits until the gateway counted `count` drops with `reason`. */
async function droppedAs(gateway: GatewayProcess, reason: string, count = 1): Promise<void> {
  await waitFor(
    async () =>
      (await gateway.metric("imgate_messages_dropped_total", { account: "default", reason })) >= count,
    { what: `${count} drop(s) counted as ${reason}` },
  );
}

describe.each(COMPAT_MODES)("group allowlist, mentions and group-ish threads (imsg %s)", (compat) => {
  let workspace: Workspace;
  let gateway: GatewayProcess;
  let threadId: number;

  beforeAll(async () => {
    workspace = createWorkspace();
    // A thread that imsg reports as is_group:false but has two people: it exists before the gateway starts
    // (the first start begins at the chat.db tail, so these setup rows are never answered).
    threadId = injectMessage(workspace.dbPath, {
      from: ALICE,
      text: "setup",
      chatIdentifier: "thread777",
    }).chatId;
    injectMessage(workspace.dbPath, { from: CAROL, text: "setup", chatIdentifier: "thread777" });
    gateway = await startGateway({
      compat,
      workspace,
      config: {
        ...MENTION,
        channels: {
          imessage: {
            groupPolicy: "allowlist",
            groupAllowFrom: [ALICE],
            groups: { "*": { requireMention: true }, [String(threadId)]: { requireMention: false } },
          },
        },
      },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    workspace?.dispose();
  });

  it("answers an allowed member's mention in the group by chat_id; ignores unmentioned and non-allowed", async () => {
    const group = { chatIdentifier: "chat100", group: true, name: "Team", participants: [BOB] };
    const quiet = gateway.inject({ from: ALICE, text: "no mention here", ...group });
    gateway.inject({ from: BOB, text: "@bot let me in", ...group });
    gateway.inject({ from: ALICE, text: "@bot hello team", ...group });
    await waitFor(() => gateway.outgoing(quiet.chatId).length === 1, { what: "the group reply" });
    await droppedAs(gateway, "no-mention");
    await droppedAs(gateway, "group-sender-not-allowed");
    expect(gateway.outgoing(quiet.chatId)).toEqual(["@bot hello team"]);
    expect(outgoingRows(gateway.dbPath).map((row) => row.chatId)).toEqual([quiet.chatId]);
    expect(outboxRows(workspace.stateDir).map((row) => row.target)).toEqual([`chat_id:${quiet.chatId}`]);
  });

  it("treats an is_group:false thread with a groups entry as a group: answered in the thread, by chat_id", async () => {
    const before = outboxRows(workspace.stateDir).length;
    gateway.inject({ from: CAROL, text: "carol is not allowlisted", chatIdentifier: "thread777" });
    gateway.inject({ from: ALICE, text: "no mention needed here", chatIdentifier: "thread777" });
    await waitFor(() => gateway.outgoing(threadId).length === 1, { what: "the thread reply" });
    await droppedAs(gateway, "group-sender-not-allowed", 2);
    expect(gateway.outgoing(threadId)).toEqual(["no mention needed here"]);
    expect(
      outboxRows(workspace.stateDir)
        .slice(before)
        .map((row) => row.target),
    ).toEqual([`chat_id:${threadId}`]);
    // Nothing went to Alice's or Carol's DMs.
    expect(new Set(outgoingRows(gateway.dbPath).map((row) => row.chatId)).size).toBe(2);
  });
});

describe.each(COMPAT_MODES)("group policy open, then disabled (imsg %s)", (compat) => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGateway({
      compat,
      config: {
        ...MENTION,
        channels: { imessage: { groupPolicy: "open", groups: { "*": { requireMention: true } } } },
      },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("open: any member's mention is answered in the group; disabled: nothing is", async () => {
    const group = { chatIdentifier: "chat200", group: true, participants: [ALICE] };
    const first = gateway.inject({ from: BOB, text: "@bot anyone home", ...group });
    await waitFor(() => gateway.outgoing(first.chatId).length === 1, { what: "the open-group reply" });
    expect(gateway.outgoing(first.chatId)).toEqual(["@bot anyone home"]);

    gateway.updateConfig({ channels: { imessage: { groupPolicy: "disabled" } } });
    await gateway.restart();
    gateway.inject({ from: BOB, text: "@bot still there", ...group });
    gateway.inject({ from: ALICE, text: "@bot hello?", ...group });
    await droppedAs(gateway, "group-disabled", 2);
    expect(gateway.outgoing(first.chatId)).toEqual(["@bot anyone home"]);
    expect(outgoingRows(gateway.dbPath)).toHaveLength(1);
  });
});
