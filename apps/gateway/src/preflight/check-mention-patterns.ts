import { createMentionPatternCompiler, resolveAgentRoute } from "@imgate/channel-core";
import { resolveAccounts } from "@imgate/imessage-channel";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import { agentMentionPatterns } from "../pipeline/agent-registry.ts";
import { type StartCheck, startCheck } from "./start-checks.ts";

/**
 * One warning per group entry (`groups.<chat_id>` or `"*"`) of an enabled account that requires a mention
 * while the agent answering there has no usable mention pattern (none configured, `mentionPatterns: []`, or
 * only invalid ones, and no `identity.name`/`emoji` to derive them from). Such a group cannot be gated: every
 * message in it is answered, which is rarely what `requireMention` meant (issue 14).
 */
export function checkMentionPatterns(config: GatewayConfig): StartCheck[] {
  const compiler = createMentionPatternCompiler();
  const checks: StartCheck[] = [];
  const accounts = resolveAccounts(config.channels.imessage).filter(
    (account) => account.enabled && account.groupPolicy !== "disabled",
  );
  const defaultAccountId = accounts.find((account) => account.isDefault)?.accountId;
  for (const account of accounts) {
    const wildcardRequires = account.groups["*"]?.requireMention ?? true;
    // No groups map: every group is let in and requires a mention (the policy's default), like a bare "*".
    const entries: Array<[string, { requireMention?: boolean | undefined }]> =
      Object.keys(account.groups).length > 0 ? Object.entries(account.groups) : [["*", {}]];
    for (const [key, entry] of entries) {
      if (!(entry.requireMention ?? (key === "*" ? true : wildcardRequires))) continue;
      const route = resolveAgentRoute({
        bindings: config.bindings,
        agents: config.agents.list,
        channel: "imessage",
        accountId: account.accountId,
        // "*" stands for any group: the account's route (bindings for a single group are checked by their key).
        peer: { chatType: "group", id: key },
        ...(defaultAccountId !== undefined ? { defaultAccountId } : {}),
      });
      const agentIndex = config.agents.list.findIndex((agent) => agent.id === route.agentId);
      const agent = config.agents.list[agentIndex];
      if (!agent) continue;
      if (compiler.compile(agentMentionPatterns(agent, config)).canDetect) continue;
      const where = `channels.imessage${account.accountId === "default" ? "" : `.accounts.${account.accountId}`}.groups["${key}"]`;
      checks.push(
        startCheck(
          `mention.${account.accountId}.${key}`,
          "warn",
          `${where} requires a mention, but agent "${agent.id}" has no usable mention pattern, so every message there is answered`,
          `Give agents.list[${agentIndex}] an identity.name (or emoji), or set its groupChat.mentionPatterns; or set ${where}.requireMention to false if every message should be answered.`,
        ),
      );
    }
  }
  return checks;
}
