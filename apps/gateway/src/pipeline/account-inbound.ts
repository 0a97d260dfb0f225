import {
  bridgeCapabilitiesOf,
  type ChatPresence,
  createChatPresence,
  createInboundProcessor,
  type EchoFilter,
  type ImsgPort,
} from "@imgate/imessage-channel";
import type { ImsgClient, ImsgWatch } from "@imgate/imsg-rpc";
import type { AccountStatus } from "./account-status.ts";
import type { ChatCommandHandler } from "./chat-command-handler.ts";
import { createReplyEnqueuer } from "./enqueue-replies.ts";
import { createInboundDispatch } from "./inbound-dispatch.ts";
import type { OutcomeCommitter } from "./outcome-committer.ts";
import { createReplyStormBrake } from "./reply-storm-brake.ts";
import { createTurnRunner, type TurnRunnerDeps } from "./turn-runner.ts";

const CHANNEL = "imessage";

/** Options of {@link createAccountInbound}. */
export interface AccountInboundOptions
  extends Omit<
    TurnRunnerDeps,
    "accountId" | "inFlightGuids" | "committer" | "replies" | "presence" | "storm"
  > {
  /** The default account id of the channel (bindings without `accountId` refer to it). */
  defaultAccountId: string;
  /** Answers authorised control commands (`/config`, `/status`, `/reset`, `/help`) instead of the agent. */
  chatCommands?: ChatCommandHandler;
  /** The supervised imsg client (which bridge methods are usable: typing bubbles, read receipts). */
  client: ImsgClient;
  port: ImsgPort;
  /** Drops reflections of the gateway's own sends. */
  echo: EchoFilter;
  status: Pick<AccountStatus, "readiness" | "refresh" | "noteInbound">;
  /** The group commit of the account's inbound rows and their outcomes. */
  committer: OutcomeCommitter;
}

/** The inbound side of one watcher: from imsg's watch to the agent turn and its reply in the outbox. */
export interface AccountInbound {
  /** Typing bubbles and read receipts of the account's turns. */
  presence: ChatPresence;
  /**
   * Queues the turns a previous run left pending, then subscribes to imsg's watch from the cursor `since`
   * (a ROWID; absent: from now) and hands each row to the inbound pipeline.
   */
  openWatch(since: string | undefined): Promise<ImsgWatch>;
}

/**
 * Wires the inbound side of one watcher: the inbound pipeline ends in the turn runner, which queues the
 * replies into the outbox; typing bubbles and read receipts only where imsg lists `typing`/`read` as
 * usable (its bridge runs); a reply storm spaces out a chat's turns (`messages.stormTurnsPerMinute`).
 */
export function createAccountInbound(options: AccountInboundOptions): AccountInbound {
  const { account, client, port, echo, status, committer, mover, logger, clock } = options;
  const accountId = account.accountId;
  const inFlightGuids = new Set<string>();
  const replies = createReplyEnqueuer(CHANNEL, accountId);
  const presence = createChatPresence({ port, capabilities: bridgeCapabilitiesOf(client), logger });
  const turns = createTurnRunner({
    presence,
    ...options,
    accountId,
    inFlightGuids,
    committer,
    replies,
    ...(mover ? { mover } : {}),
    storm: createReplyStormBrake({
      turnsPerMinute: () => options.getConfig().messages.stormTurnsPerMinute,
      onStorm: () => options.metrics.replyStorms.inc({ account: accountId }),
      logger,
      clock,
    }),
  });
  const dispatch = createInboundDispatch({
    ...options,
    inFlightGuids,
    status: async (id) => {
      await status.refresh();
      return status.readiness().find((report) => report.accountId === id);
    },
    turn: turns.start,
    processor: createInboundProcessor({ account, port, echo, logger }),
    committer,
    replies,
    noteInbound: (at) => status.noteInbound(at),
  });
  const openWatch = async (since: string | undefined): Promise<ImsgWatch> => {
    // Before the watch: later messages of a session queue behind its resumed turn (chat order).
    await turns.resumePending();
    // Reflections of sends from before a restart are recognised from the first row on.
    await echo.loaded;
    return client.watch(
      {
        ...(since !== undefined ? { sinceRowid: Number(since) } : {}),
        attachments: account.includeAttachments,
        // Tapbacks arrive as reaction rows (events); a short debounce makes the typing bubble prompt.
        includeReactions: true,
        debounceMs: account.watchDebounceMs,
        convertAttachments: account.includeAttachments,
        onStart: (start) => committer.watchStarted(start),
      },
      (message, delivery) => dispatch.handle(message, delivery),
    );
  };
  return { presence, openWatch };
}
