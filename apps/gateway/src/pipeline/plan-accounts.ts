import type { ResolvedImessageAccount } from "@imgate/imessage-channel";
import { resolveAccounts } from "@imgate/imessage-channel";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";

/** Accounts that share one transport and database, served by one watcher. */
export interface WatcherPlan {
  /** `ResolvedImessageAccount.sourceKey` shared by the group. */
  sourceKey: string;
  /** The account that owns the watcher (the first in sorted order). */
  owner: ResolvedImessageAccount;
  /** Every account of the group, the owner first. */
  accounts: ResolvedImessageAccount[];
  /** Every account id of the group, the owner first. */
  accountIds: string[];
  /** Stable fingerprint of the group's effective settings: a change means the watcher must restart. */
  fingerprint: string;
}

/** The channel's default account id (bindings without `accountId` mean it). */
export function defaultAccountIdOf(config: GatewayConfig): string {
  if (!config.channels.imessage) return "default";
  return (
    resolveAccounts(config.channels.imessage).find((account) => account.isDefault)?.accountId ?? "default"
  );
}

/**
 * The watchers a config asks for: every enabled account of `channels.imessage`, grouped by transport
 * and database so two accounts on one chat.db never both answer. No section → no watchers.
 */
export function planWatchers(config: GatewayConfig): WatcherPlan[] {
  const section = config.channels.imessage;
  if (!section) return [];
  const groups = new Map<string, ResolvedImessageAccount[]>();
  for (const account of resolveAccounts(section)) {
    if (!account.enabled) continue;
    const list = groups.get(account.sourceKey) ?? [];
    list.push(account);
    groups.set(account.sourceKey, list);
  }
  return [...groups.entries()].map(([sourceKey, accounts]) => ({
    sourceKey,
    owner: accounts[0]!,
    accounts,
    accountIds: accounts.map((account) => account.accountId),
    fingerprint: JSON.stringify(accounts),
  }));
}
