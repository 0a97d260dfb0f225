import {
  type ChatCommand,
  chatCommandHelpText,
  type Logger,
  type OutcomeWriter,
  type ProtectedConfigKeys,
  parseChatCommand,
  parseConfigPath,
  runConfigCommand,
  stripInvisibleCharacters,
} from "@imgate/channel-core";
import { IMESSAGE_PROTECTED_CONFIG_KEYS, type ResolvedImessageAccount } from "@imgate/imessage-channel";
import { type ConfigFileEdit, createConfigFileAccessor } from "../config/config-file-accessor.ts";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import type { AccountReadiness } from "../control-api/control-api-types.ts";
import type { CoreServices } from "./core-services.ts";

/**
 * What `/config` may never change: the channel's keys plus the gateway's own — agent `backend`s (what runs
 * per turn) and the whole `gateway` section (state dir, control API).
 */
export const CHAT_PROTECTED_CONFIG_KEYS: ProtectedConfigKeys = {
  keys: [...IMESSAGE_PROTECTED_CONFIG_KEYS, "backend"],
  roots: ["gateway"],
};

/** Options of {@link createChatCommandHandler}. */
export interface ChatCommandHandlerOptions {
  core: CoreServices;
  getConfig(): GatewayConfig;
  /** The config file `/config` reads and edits; without one, `/config` says so. */
  configPath?: string;
  logger: Logger;
}

/** One control command to answer (the policy already marked the text as a control command). */
export interface ChatCommandRequest {
  /** The message text as received. */
  text: string;
  /** The account answering the chat. */
  account: ResolvedImessageAccount;
  /** Policy `commandAuthorized`. Unauthorised commands are ignored silently (behaviour reference §13). */
  senderAuthorized: boolean;
  /** Policy `configAuthorized`: `/config` additionally needs an explicit `allowFrom` entry for the sender. */
  configAuthorized: boolean;
  /** The conversation's route. */
  route: { agentId: string; sessionKey: string };
  /** The answering account's current status, for `/status`. */
  status(): Promise<AccountReadiness | undefined>;
}

/** What to do after a control command. */
export type ChatCommandResult =
  | {
      kind: "reply";
      /** The command's name, for logs. */
      command: ChatCommand["name"];
      /** The answer to send to the same chat (chunked like any reply). */
      text: string;
      /** A state change recorded with the reply, committed in the same outcome (e.g. `/reset`). */
      apply?: (writer: OutcomeWriter) => void;
    }
  | { kind: "ignored"; reason: "unauthorized" };

/** Answers chat control commands (`/config`, `/status`, `/reset`, `/help`) inside the gateway. */
export interface ChatCommandHandler {
  /** `undefined` when `text` is not a command after all; then it is an ordinary turn. */
  handle(request: ChatCommandRequest): Promise<ChatCommandResult | undefined>;
}

/**
 * Creates the gateway's chat command handler. Parsing and the `/config` rules (authorisation,
 * `commands.config`, `configWrites`, protected keys) are channel-core's (`parseChatCommand`,
 * `runConfigCommand`); this adds the config file (edited with the JSON5 editor, validated whole, written
 * atomically — the config watcher reloads it), account status and session reset. `/config` commands run
 * one at a time across all accounts, so two chats cannot interleave a read and a write.
 */
export function createChatCommandHandler(options: ChatCommandHandlerOptions): ChatCommandHandler {
  const { core, logger } = options;
  let configChain: Promise<unknown> = Promise.resolve();

  const runConfig = async (
    command: Extract<ChatCommand, { name: "config" }>,
    request: ChatCommandRequest,
  ): Promise<ChatCommandResult> => {
    const config = options.getConfig();
    const { account } = request;
    const accountWrites = config.channels.imessage?.accounts?.[account.accountId]?.configWrites;
    const context = {
      senderAuthorized: request.senderAuthorized && request.configAuthorized,
      commandsConfigEnabled: config.commands.config === true,
      configWritesEnabled: account.configWrites !== false,
      channel: "imessage",
      protectedKeys: CHAT_PROTECTED_CONFIG_KEYS,
      configWritesKey:
        accountWrites !== undefined
          ? `channels.imessage.accounts.${account.accountId}.configWrites`
          : "channels.imessage.configWrites",
    };
    const path = options.configPath;
    if (!path) {
      if (!context.senderAuthorized) return { kind: "ignored", reason: "unauthorized" };
      return {
        kind: "reply",
        command: "config",
        text: "⚠️ /config needs the gateway to run with a config file (imgate gateway --config <file>).",
      };
    }
    const edit = configEdit(command);
    const outcome = await runConfigCommand(command, {
      ...context,
      accessor: createConfigFileAccessor(path, edit),
    }).catch((error: unknown) => {
      logger.warn({ err: error, path }, "/config: the config file could not be read or written");
      return {
        kind: "reply" as const,
        text: `⚠️ ${error instanceof Error ? error.message : String(error)}`,
        changed: false,
      };
    });
    if (outcome.kind === "ignored") return outcome;
    if (outcome.changed)
      logger.info({ action: command.action, path: command.path }, "/config changed the file");
    return { kind: "reply", command: "config", text: outcome.text };
  };

  return {
    async handle(request) {
      const command = parseChatCommand(stripInvisibleCharacters(request.text));
      if (!command) return undefined;
      if (command.name === "config") {
        const run = configChain.then(() => runConfig(command, request));
        configChain = run.catch(() => {});
        return run;
      }
      if (!request.senderAuthorized) return { kind: "ignored", reason: "unauthorized" };
      const { sessionKey, agentId } = request.route;
      switch (command.name) {
        case "status":
          return { kind: "reply", command: "status", text: await statusText(request, core) };
        case "reset":
          return {
            kind: "reply",
            command: "reset",
            text: `🔄 New session started for ${agentId}; earlier messages are forgotten.`,
            // Committed with the answer, once (a replay of the command resets nothing more).
            apply: (writer) => writer.resetSession(sessionKey),
          };
        case "help":
          return {
            kind: "reply",
            command: "help",
            text: command.error ? `⚠️ ${command.error}\n${chatCommandHelpText()}` : chatCommandHelpText(),
          };
      }
    },
  };
}

function configEdit(command: Extract<ChatCommand, { name: "config" }>): ConfigFileEdit | undefined {
  try {
    if (command.action === "set")
      return { action: "set", segments: parseConfigPath(command.path), value: command.value };
    if (command.action === "unset") return { action: "unset", segments: parseConfigPath(command.path) };
  } catch {
    // runConfigCommand reports the bad path itself.
  }
  return undefined;
}

async function statusText(request: ChatCommandRequest, core: CoreServices): Promise<string> {
  const { sessionKey, agentId } = request.route;
  const [status, session] = await Promise.all([request.status(), core.sessions.getSession(sessionKey)]);
  const account = status
    ? `${status.accountId}: ${status.state} (${status.transport} transport, imsg ${status.imsgVersion ?? "unknown"})`
    : `${request.account.accountId}: unknown`;
  return [
    "📊 imgate status",
    `Account ${account}`,
    `Agent: ${agentId}`,
    `Session: ${sessionKey}${session ? ` (reset ${session.generation}×)` : " (new)"}`,
    ...(status?.lastError ? [`Last error: ${status.lastError}`] : []),
  ].join("\n");
}
