import type { AsyncOutbox, OutboxEntry } from "@imgate/channel-core";

/** Prefix of `lastError` for outbox entries given up as uncertain (see {@link giveUpUncertain}). */
export const UNCERTAIN_PREFIX = "uncertain delivery: ";

/** What the operator should do about an uncertain entry (logged and shown in `/readyz`). */
export const UNCERTAIN_ADVICE =
  "it may or may not have reached the chat and is not resent automatically (a resend could duplicate it); check the chat and resend with `imgate send` if it is missing";

/**
 * Policy for an outbox entry still `unknown` after reconciliation (send_status and a history lookup
 * could not decide): it is marked `failed` with {@link UNCERTAIN_PREFIX}, so the chat's later messages
 * flow again instead of waiting behind it forever, and it is never resent on its own.
 */
export async function giveUpUncertain(
  outbox: Pick<AsyncOutbox, "markFailed">,
  entry: OutboxEntry,
): Promise<void> {
  await outbox.markFailed(entry.id, `${UNCERTAIN_PREFIX}${entry.lastError ?? "no confirmation from imsg"}`);
}

/** Entries of `accountId` given up as uncertain. */
export async function uncertainEntries(
  outbox: Pick<AsyncOutbox, "list">,
  accountId: string,
): Promise<OutboxEntry[]> {
  return (await outbox.list(["failed"])).filter(
    (entry) => entry.accountId === accountId && entry.lastError?.startsWith(UNCERTAIN_PREFIX),
  );
}
