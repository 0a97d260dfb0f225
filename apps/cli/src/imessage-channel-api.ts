/**
 * The parts of `@imgate/imessage-channel` the CLI uses — account resolution and target parsing — loaded
 * lazily so that cheap commands never pay for the channel package.
 */
import type { ImessageTarget, ResolvedImessageAccount } from "@imgate/imessage-channel";

/** A resolved iMessage account (every key has its effective value). */
export type Account = ResolvedImessageAccount;

/** A parsed send target. */
export type Target = ImessageTarget;

/** Loads the channel's account, target and send-check functions. */
export async function loadImessageChannel() {
  const {
    checkSendTarget,
    describeSendFailure,
    ImessageChatNotFoundError,
    ImessageTargetError,
    imsgPortFromClient,
    normalizeAccountId,
    parseSendTarget,
    parseTarget,
    resolveAccounts,
  } = await import("@imgate/imessage-channel");
  return {
    checkSendTarget,
    describeSendFailure,
    ImessageChatNotFoundError,
    ImessageTargetError,
    imsgPortFromClient,
    normalizeAccountId,
    parseSendTarget,
    parseTarget,
    /** Resolves the accounts of a (validated) `channels.imessage` section. */
    resolveAccounts: (section: unknown) => resolveAccounts(section as Parameters<typeof resolveAccounts>[0]),
  };
}
