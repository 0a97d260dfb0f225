import { describe, expect, it } from "vitest";
import { createDropCounters } from "./drop-counters.ts";
import type { Envelope } from "./envelope.ts";
import type { Logger } from "./logger.ts";
import { createAccessPolicy } from "./policy.ts";
import type {
  AccessPolicyConfig,
  AllowEntryMatcher,
  PolicyCounterReason,
  PolicyInput,
} from "./policy-types.ts";

function envelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    channel: "imessage",
    accountId: "default",
    chatType: "direct",
    chatKey: "7",
    senderRaw: "+15550001111",
    sender: "+15550001111",
    text: "hello",
    attachments: [],
    timestamp: Date.UTC(2026, 0, 17),
    messageId: "1",
    guid: "g-1",
    participants: [],
    ...overrides,
  };
}

const group = (overrides: Partial<Envelope> = {}) =>
  envelope({ chatType: "group", chatKey: "42", ...overrides });

function recordingLogger() {
  const warnings: Array<{ fields: object; message: string }> = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (fields, message) => warnings.push({ fields, message }),
    error() {},
  };
  return { logger, warnings };
}

/** A channel-style matcher that understands `chat_id:` entries. */
const chatAwareMatcher: AllowEntryMatcher = (entry, env) =>
  entry.startsWith("chat_id:") ? entry.slice("chat_id:".length) === env.chatKey : entry === env.sender;

function setup() {
  const counters = createDropCounters<PolicyCounterReason>();
  const { logger, warnings } = recordingLogger();
  const policy = createAccessPolicy({ counters, logger, matchAllowEntry: chatAwareMatcher });
  const evaluate = (input: Partial<PolicyInput> & { config: AccessPolicyConfig }) =>
    policy.evaluate({ envelope: envelope(), ...input });
  return { counters, warnings, evaluate };
}

describe("DM policy", () => {
  it("defaults to pairing for unknown senders and counts it", () => {
    const { evaluate, counters } = setup();
    expect(evaluate({ config: {} })).toEqual({ kind: "pairing" });
    expect(counters.snapshot()).toEqual({ "pairing-required": 1 });
  });

  it("processes allowlisted senders with command authorisation", () => {
    const { evaluate } = setup();
    const decision = evaluate({ config: { dmPolicy: "pairing", allowFrom: ["+15550001111"] } });
    expect(decision).toMatchObject({
      kind: "process",
      chatType: "direct",
      wasMentioned: true,
      commandAuthorized: true,
    });
  });

  it("lets pairing-approved senders in, from a list or a predicate (Q2: DM access)", () => {
    const { evaluate } = setup();
    expect(evaluate({ config: {}, pairingApproved: ["+15550001111"] }).kind).toBe("process");
    expect(evaluate({ config: { dmPolicy: "allowlist" }, pairingApproved: () => true }).kind).toBe("process");
    expect(evaluate({ config: {}, pairingApproved: ["+15559999999"] }).kind).toBe("pairing");
  });

  it("drops unknown senders under allowlist and everyone under disabled", () => {
    const { evaluate, counters } = setup();
    expect(evaluate({ config: { dmPolicy: "allowlist", allowFrom: ["+1999"] } })).toEqual({
      kind: "drop",
      reason: "dm-not-allowed",
    });
    expect(evaluate({ config: { dmPolicy: "disabled", allowFrom: ["*"] } })).toEqual({
      kind: "drop",
      reason: "dm-disabled",
    });
    expect(counters.snapshot()).toEqual({ "dm-not-allowed": 1, "dm-disabled": 1 });
  });

  it("opens DMs to everyone with open, and * allows everyone under allowlist", () => {
    const { evaluate } = setup();
    expect(evaluate({ config: { dmPolicy: "open" } })).toMatchObject({
      kind: "process",
      commandAuthorized: true,
    });
    expect(evaluate({ config: { dmPolicy: "allowlist", allowFrom: ["*"] } }).kind).toBe("process");
  });

  it("authorises /config only through an explicit allowFrom entry, never through * or open", () => {
    const { evaluate } = setup();
    const config = (decision: ReturnType<typeof evaluate>) =>
      decision.kind === "process" ? decision.configAuthorized : undefined;
    expect(config(evaluate({ config: { dmPolicy: "open", allowFrom: ["*"] } }))).toBe(false);
    expect(config(evaluate({ config: { dmPolicy: "allowlist", allowFrom: ["*"] } }))).toBe(false);
    expect(config(evaluate({ config: { dmPolicy: "pairing" }, pairingApproved: ["+15550001111"] }))).toBe(
      false,
    );
    expect(config(evaluate({ config: { dmPolicy: "open", allowFrom: ["*", "+15550001111"] } }))).toBe(true);
    expect(
      config(
        evaluate({ envelope: group(), config: { groupPolicy: "open", groupAllowFrom: ["+15550001111"] } }),
      ),
    ).toBe(false);
  });

  it("drops an empty sender", () => {
    const { evaluate } = setup();
    expect(evaluate({ envelope: envelope({ sender: "  " }), config: { dmPolicy: "open" } })).toEqual({
      kind: "drop",
      reason: "empty-sender",
    });
  });

  it("accepts numeric allowlist entries and chat targets through the channel matcher", () => {
    const { evaluate } = setup();
    expect(evaluate({ config: { dmPolicy: "allowlist", allowFrom: ["chat_id:7"] } }).kind).toBe("process");
    const numeric = evaluate({
      envelope: envelope({ sender: "12345" }),
      config: { dmPolicy: "allowlist", allowFrom: [12345] },
    });
    expect(numeric.kind).toBe("process");
  });
});

describe("group policy", () => {
  const members = { allowFrom: ["+15550001111"] };

  it("drops everything when disabled", () => {
    const { evaluate } = setup();
    expect(evaluate({ envelope: group(), config: { ...members, groupPolicy: "disabled" } })).toEqual({
      kind: "drop",
      reason: "group-disabled",
    });
  });

  it("defaults to allowlist and drops when the list is empty", () => {
    const { evaluate } = setup();
    expect(evaluate({ envelope: group(), config: {} })).toEqual({
      kind: "drop",
      reason: "group-allowlist-empty",
    });
  });

  it("uses groupAllowFrom, falling back to allowFrom", () => {
    const { evaluate } = setup();
    expect(evaluate({ envelope: group(), config: members }).kind).toBe("process");
    expect(evaluate({ envelope: group(), config: { ...members, groupAllowFrom: ["+1999"] } })).toEqual({
      kind: "drop",
      reason: "group-sender-not-allowed",
    });
    expect(evaluate({ envelope: group(), config: { groupAllowFrom: ["chat_id:42"] } }).kind).toBe("process");
  });

  it("does not let pairing approval into groups (Q2)", () => {
    const { evaluate } = setup();
    const decision = evaluate({
      envelope: group(),
      config: { groupAllowFrom: ["+1999"] },
      pairingApproved: ["+15550001111"],
    });
    expect(decision).toEqual({ kind: "drop", reason: "group-sender-not-allowed" });
  });

  it("skips the sender allowlist when open but keeps the groups map", () => {
    const { evaluate } = setup();
    expect(evaluate({ envelope: group(), config: { groupPolicy: "open" } }).kind).toBe("process");
    expect(evaluate({ envelope: group(), config: { groupPolicy: "open", groups: { "9": {} } } })).toEqual({
      kind: "drop",
      reason: "group-not-in-groups-map",
    });
    expect(evaluate({ envelope: group(), config: { groupPolicy: "open", groups: { "*": {} } } }).kind).toBe(
      "process",
    );
  });

  it("drops a group message without a chat key", () => {
    const { evaluate } = setup();
    expect(evaluate({ envelope: group({ chatKey: "" }), config: { groupPolicy: "open" } })).toEqual({
      kind: "drop",
      reason: "group-missing-chat-key",
    });
  });
});

describe("group-ish threads (Q10)", () => {
  it("treats a direct thread with an explicit groups entry as a group", () => {
    const { evaluate } = setup();
    const decision = evaluate({
      envelope: envelope({ chatKey: "2" }),
      config: { groupPolicy: "open", dmPolicy: "disabled", groups: { "2": { requireMention: false } } },
    });
    expect(decision).toMatchObject({ kind: "process", chatType: "group" });
  });

  it("does not treat * alone as an explicit entry", () => {
    const { evaluate } = setup();
    const decision = evaluate({
      envelope: envelope({ chatKey: "2" }),
      config: { groupPolicy: "open", dmPolicy: "disabled", groups: { "*": {} } },
    });
    expect(decision).toEqual({ kind: "drop", reason: "dm-disabled" });
  });

  it("logs a hint once for a multi-participant DM and applies DM policy", () => {
    const { evaluate, warnings } = setup();
    const env = envelope({ chatKey: "5", participants: ["+15550001111", "+15550002222"] });
    expect(evaluate({ envelope: env, config: { dmPolicy: "allowlist" } })).toEqual({
      kind: "drop",
      reason: "dm-not-allowed",
    });
    evaluate({ envelope: env, config: { dmPolicy: "allowlist" } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('groups["5"]');
  });

  it("does not hint for a one-to-one DM", () => {
    const { evaluate, warnings } = setup();
    evaluate({ envelope: envelope({ participants: ["+15550001111"] }), config: {} });
    expect(warnings).toHaveLength(0);
  });
});

describe("mention and command gating", () => {
  const config: AccessPolicyConfig = { groupPolicy: "open", allowFrom: ["+15550001111"] };
  const stranger = "+15557777777";

  it("keeps an unmentioned group message as history only and counts it", () => {
    const { evaluate, counters } = setup();
    const decision = evaluate({ envelope: group({ text: "hi all" }), config, mentionPatterns: ["@molty"] });
    expect(decision).toEqual({ kind: "history-only", reason: "no-mention" });
    expect(counters.snapshot()).toEqual({ "no-mention": 1 });
  });

  it("processes a mentioned message, case-insensitively", () => {
    const { evaluate } = setup();
    const decision = evaluate({
      envelope: group({ text: "hey @Molty" }),
      config,
      mentionPatterns: ["@molty"],
    });
    expect(decision).toMatchObject({ kind: "process", wasMentioned: true, mentionBypassed: false });
  });

  it("strips zero-width and bidi characters before matching", () => {
    const { evaluate } = setup();
    const decision = evaluate({
      envelope: group({ text: "@mo\u200Blt\u202Ey" }),
      config,
      mentionPatterns: ["@molty"],
    });
    expect(decision.kind).toBe("process");
  });

  it("skips gating when no pattern exists", () => {
    const { evaluate } = setup();
    expect(evaluate({ envelope: group({ text: "hi" }), config })).toMatchObject({
      kind: "process",
      wasMentioned: false,
    });
  });

  it("honours requireMention false from the chat entry, then *", () => {
    const { evaluate } = setup();
    const patterns = ["@molty"];
    const perChat = { ...config, groups: { "42": { requireMention: false }, "*": { requireMention: true } } };
    expect(evaluate({ envelope: group(), config: perChat, mentionPatterns: patterns }).kind).toBe("process");
    const star = { ...config, groups: { "*": { requireMention: false } } };
    expect(evaluate({ envelope: group(), config: star, mentionPatterns: patterns }).kind).toBe("process");
  });

  it("lets an authorised control command through without a mention", () => {
    const { evaluate } = setup();
    const decision = evaluate({ envelope: group({ text: "/status" }), config, mentionPatterns: ["@molty"] });
    expect(decision).toMatchObject({
      kind: "process",
      wasMentioned: true,
      mentionBypassed: true,
      commandAuthorized: true,
      isControlCommand: true,
    });
  });

  it("drops an unauthorised control command in a group", () => {
    const { evaluate, counters } = setup();
    const decision = evaluate({ envelope: group({ text: "/config show", sender: stranger }), config });
    expect(decision).toEqual({ kind: "drop", reason: "control-command-unauthorized" });
    expect(counters.snapshot()).toEqual({ "control-command-unauthorized": 1 });
  });

  it("does not authorise commands for paired senders in groups (Q2)", () => {
    const { evaluate } = setup();
    const decision = evaluate({
      envelope: group({ text: "/reset", sender: stranger }),
      config,
      pairingApproved: [stranger],
    });
    expect(decision).toEqual({ kind: "drop", reason: "control-command-unauthorized" });
  });

  it("uses the caller's isControlCommand over the registry", () => {
    const { evaluate } = setup();
    const decision = evaluate({
      envelope: group({ text: "!do", sender: stranger }),
      config,
      isControlCommand: true,
    });
    expect(decision).toEqual({ kind: "drop", reason: "control-command-unauthorized" });
  });

  it("warns once about an invalid pattern and still uses the valid ones", () => {
    const { evaluate, warnings } = setup();
    const patterns = ["([", "@molty"];
    expect(evaluate({ envelope: group({ text: "@molty" }), config, mentionPatterns: patterns }).kind).toBe(
      "process",
    );
    expect(evaluate({ envelope: group({ text: "nope" }), config, mentionPatterns: patterns }).kind).toBe(
      "history-only",
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({ pattern: "([" });
  });
});
