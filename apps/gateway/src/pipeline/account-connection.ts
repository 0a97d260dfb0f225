import type { Clock, Logger } from "@imgate/channel-core";
import { type ImsgPort, imsgPortFromClient, type ResolvedImessageAccount } from "@imgate/imessage-channel";
import { createImsgClient, type ImsgClient, type RestartOptions } from "@imgate/imsg-rpc";
import { type AccountTransport, createAccountTransport } from "./create-account-transport.ts";
import { type AttachmentMover, createAttachmentMover } from "./create-attachment-mover.ts";

/** Options of {@link connectAccount}. */
export interface AccountConnectionOptions {
  logger: Logger;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** Gateway state dir: fetched attachments of remote accounts land in `<stateDir>/media/<account>/…`. */
  stateDir: string;
  /** imsg restart policy (tests shorten it; the first retry is never under 1 s by default). */
  restart?: RestartOptions;
}

/** How one watcher reaches imsg and the account's files. */
export interface AccountConnection {
  transport: AccountTransport;
  /** The supervised imsg client (not started). */
  client: ImsgClient;
  /** imessage-channel's view of the client. */
  port: ImsgPort;
  /** Moves attachments of a remote account; absent when they are on this machine. */
  mover: AttachmentMover | undefined;
}

/** Builds the transport (local spawn or ssh2), the imsg client over it, and the attachment mover. */
export function connectAccount(
  account: ResolvedImessageAccount,
  options: AccountConnectionOptions,
): AccountConnection {
  const { logger, env } = options;
  const transport = createAccountTransport(account, { logger, env });
  const client = createImsgClient({
    transport: transport.transport,
    logger,
    clock: options.clock,
    ...(options.restart ? { restart: options.restart } : {}),
  });
  const mover = createAttachmentMover(account, transport, { stateDir: options.stateDir, logger, env });
  return { transport, client, port: imsgPortFromClient(client), mover };
}
