import type { CommandRegistry } from "./command-gate.ts";
import { DEFAULT_COMMAND_REGISTRY, hasControlCommand } from "./command-gate.ts";
import type { DropCounters } from "./drop-counters.ts";
import type { Envelope } from "./envelope.ts";
import type { Logger } from "./logger.ts";
import { silentLogger } from "./logger.ts";
import { createMentionPatternCompiler } from "./mention-gate.ts";
import type {
  AllowEntry,
  AllowEntryMatcher,
  DropReason,
  PairingApproval,
  PolicyCounterReason,
  PolicyDecision,
  PolicyInput,
} from "./policy-types.ts";

/** Options of {@link createAccessPolicy}. */
export interface AccessPolicyOptions {
  /** Matches allowlist entries other than `"*"`; default {@link exactSenderMatcher}. */
  matchAllowEntry?: AllowEntryMatcher;
  /** Control commands; default the chat commands of channel-core. */
  commands?: CommandRegistry;
  /** Every drop, pairing hold and mention skip is counted here by reason. */
  counters?: DropCounters<PolicyCounterReason>;
  logger?: Logger;
}

/** Decides, per message, whether it is processed, dropped, held for pairing or kept as history only. */
export interface AccessPolicy {
  evaluate(input: PolicyInput): PolicyDecision;
}

/** The fallback matcher: the entry equals the normalised sender, ignoring case. */
export const exactSenderMatcher: AllowEntryMatcher = (entry, envelope) =>
  entry.toLowerCase() === envelope.sender.toLowerCase();

/**
 * Creates the access policy (behaviour reference §5 steps 2–10, §6, §7, with imgate decisions Q2 and
 * Q10). Group path: chat key present → `groupPolicy` → sender allowlist → `groups` map → unauthorised
 * control command dropped → mention gate. DM path: `dmPolicy` with `allowFrom` ∪ pairing-approved.
 */
export function createAccessPolicy(options: AccessPolicyOptions = {}): AccessPolicy {
  const logger = options.logger ?? silentLogger;
  const matchEntry = options.matchAllowEntry ?? exactSenderMatcher;
  const commands = options.commands ?? DEFAULT_COMMAND_REGISTRY;
  const mentions = createMentionPatternCompiler({ logger });
  const hinted = new Set<string>();

  const matchesList = (list: readonly AllowEntry[] | undefined, envelope: Envelope): boolean =>
    (list ?? []).some((raw) => {
      const entry = String(raw).trim();
      return entry === "*" || (entry !== "" && matchEntry(entry, envelope));
    });

  const matchesExplicitEntry = (list: readonly AllowEntry[] | undefined, envelope: Envelope): boolean =>
    (list ?? []).some((raw) => {
      const entry = String(raw).trim();
      return entry !== "*" && entry !== "" && matchEntry(entry, envelope);
    });

  const isApproved = (approval: PairingApproval | undefined, envelope: Envelope): boolean =>
    typeof approval === "function" ? approval(envelope) : matchesList(approval, envelope);

  const drop = (reason: DropReason, envelope: Envelope): PolicyDecision => {
    options.counters?.increment(reason);
    logger.debug(
      { reason, channel: envelope.channel, accountId: envelope.accountId, chatKey: envelope.chatKey },
      "inbound message dropped by policy",
    );
    return { kind: "drop", reason };
  };

  const hintMultiParticipantDm = (envelope: Envelope) => {
    const key = `${envelope.channel}\u0000${envelope.accountId}\u0000${envelope.chatKey}`;
    if (hinted.has(key)) return;
    hinted.add(key);
    logger.warn(
      {
        channel: envelope.channel,
        accountId: envelope.accountId,
        chatKey: envelope.chatKey,
        participants: envelope.participants.length,
      },
      `conversation ${envelope.chatKey} has several participants but is not marked as a group, so DM policy applies to it; add groups["${envelope.chatKey}"] to the channel config to treat it as a group`,
    );
  };

  return {
    evaluate(input) {
      const { envelope, config } = input;
      if (envelope.sender.trim() === "") return drop("empty-sender", envelope);
      const groups = config.groups ?? {};
      const groupKeys = Object.keys(groups);
      const explicitEntry = envelope.chatKey !== "*" && Object.hasOwn(groups, envelope.chatKey);
      const isGroup = envelope.chatType === "group" || explicitEntry;
      const isControlCommand = input.isControlCommand ?? hasControlCommand(envelope.text, commands);

      if (!isGroup) {
        if (envelope.participants.length > 1) hintMultiParticipantDm(envelope);
        const dmPolicy = config.dmPolicy ?? "pairing";
        if (dmPolicy === "disabled") return drop("dm-disabled", envelope);
        const dmAuthorized =
          dmPolicy === "open" ||
          matchesList(config.allowFrom, envelope) ||
          isApproved(input.pairingApproved, envelope);
        if (!dmAuthorized) {
          if (dmPolicy === "pairing") {
            options.counters?.increment("pairing-required");
            return { kind: "pairing" };
          }
          return drop("dm-not-allowed", envelope);
        }
        return {
          kind: "process",
          chatType: "direct",
          wasMentioned: true,
          commandAuthorized: dmAuthorized,
          configAuthorized: matchesExplicitEntry(config.allowFrom, envelope),
          isControlCommand,
          mentionBypassed: false,
        };
      }

      if (envelope.chatKey.trim() === "") return drop("group-missing-chat-key", envelope);
      const groupPolicy = config.groupPolicy ?? "allowlist";
      if (groupPolicy === "disabled") return drop("group-disabled", envelope);
      // Decision Q2: pairing approval is not part of the group list.
      const groupAllowFrom = config.groupAllowFrom ?? config.allowFrom ?? [];
      if (groupPolicy === "allowlist") {
        if (groupAllowFrom.length === 0) return drop("group-allowlist-empty", envelope);
        if (!matchesList(groupAllowFrom, envelope)) return drop("group-sender-not-allowed", envelope);
      }
      if (groupKeys.length > 0 && !Object.hasOwn(groups, "*") && !explicitEntry) {
        return drop("group-not-in-groups-map", envelope);
      }

      const commandAuthorized =
        matchesList(config.allowFrom, envelope) || matchesList(groupAllowFrom, envelope);
      if (isControlCommand && !commandAuthorized) return drop("control-command-unauthorized", envelope);

      const requireMention =
        (explicitEntry ? groups[envelope.chatKey]?.requireMention : undefined) ??
        groups["*"]?.requireMention ??
        true;
      const matcher = mentions.compile(input.mentionPatterns ?? []);
      const mentioned = matcher.matches(envelope.text);
      const mentionBypassed = requireMention && !mentioned && commandAuthorized && isControlCommand;
      if (requireMention && matcher.canDetect && !mentioned && !mentionBypassed) {
        options.counters?.increment("no-mention");
        return { kind: "history-only", reason: "no-mention" };
      }
      return {
        kind: "process",
        chatType: "group",
        wasMentioned: mentioned || mentionBypassed,
        commandAuthorized,
        configAuthorized: matchesExplicitEntry(config.allowFrom, envelope),
        isControlCommand,
        mentionBypassed,
      };
    },
  };
}
