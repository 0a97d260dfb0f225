/**
 * The config of a run whose DMs and groups admit exactly `members` (allowlists, groups without a mention), as
 * the chaos proof and the failover test use it: every allowed message is owed one answer.
 */
export function allowlistConfig(members: readonly string[]): object {
  return {
    channels: {
      imessage: {
        dmPolicy: "allowlist",
        allowFrom: [...members],
        groupPolicy: "allowlist",
        groupAllowFrom: [...members],
        groups: { "*": { requireMention: false } },
      },
    },
  };
}
