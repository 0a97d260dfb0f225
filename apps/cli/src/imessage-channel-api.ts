/**
 * The parts of `@imgate/imessage-channel` the CLI uses — account resolution and target parsing — loaded
 * lazily so that cheap commands never pay for the channel package.
 */
import type * as ImessageChannel from "@imgate/imessage-channel";
import type { ImessageTarget, ResolvedImessageAccount } from "@imgate/imessage-channel";

/** A resolved iMessage account (every key has its effective value). */
export type Account = ResolvedImessageAccount;

/** A parsed send target. */
export type Target = ImessageTarget;

/** The channel's account, target and send-check functions the CLI uses. */
export type ImessageChannelApi = Pick<
  typeof ImessageChannel,
  | "checkSendTarget"
  | "createChatResolver"
  | "describeSendFailure"
  | "ImessageChatNotFoundError"
  | "ImessageTargetError"
  | "imsgPortFromClient"
  | "normalizeAccountId"
  | "parseSendTarget"
  | "parseTarget"
> & {
  /** Resolves the accounts of a (validated) `channels.imessage` section. */
  resolveAccounts: (section: unknown) => Account[];
};

/** Loads the channel's account, target and send-check functions. */
export async function loadImessageChannel(): Promise<ImessageChannelApi> {
  const channel = await import("@imgate/imessage-channel");
  return {
    ...channel,
    resolveAccounts: (section) =>
      channel.resolveAccounts(section as Parameters<typeof channel.resolveAccounts>[0]),
  };
}
