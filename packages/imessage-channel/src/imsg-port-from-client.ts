/** Adapts `@imgate/imsg-rpc`'s supervised client to the {@link ImsgPort} this package calls. */
import type { ImsgClient } from "@imgate/imsg-rpc";
import type { ImsgPort, ImsgSendParams } from "./imsg-port.ts";

/** Options of {@link imsgPortFromClient}. */
export interface ImsgPortFromClientOptions {
  /** Timeout of each `send` (ms); imsg-rpc's default when absent. */
  sendTimeoutMs?: number;
}

/** Chats listed to find one by id where imsg has no `chats.get` (0.9). */
const CHAT_LOOKUP_LIMIT = 10_000;
const INVALID_PARAMS = -32602;

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * An {@link ImsgPort} over an imsg-rpc client. `sendTracked`/`sendStatus` follow the client's detected
 * capabilities at call time (they change when imsg restarts as another version).
 */
export function imsgPortFromClient(client: ImsgClient, options: ImsgPortFromClientOptions = {}): ImsgPort {
  const sendOptions = options.sendTimeoutMs !== undefined ? { timeoutMs: options.sendTimeoutMs } : undefined;
  return {
    listChats: (params) => client.chatsList(params),
    getChat: async (chatId) => {
      if (!client.capabilities?.chatsGet) {
        return (await client.chatsList({ limit: CHAT_LOOKUP_LIMIT })).find((chat) => chat.id === chatId);
      }
      try {
        return await client.chatsGet({ chat_id: chatId });
      } catch (error) {
        // chats.get answers -32602 for an id it does not know (protocol §2.9).
        if ((error as { rpcCode?: unknown }).rpcCode === INVALID_PARAMS) return undefined;
        throw error;
      }
    },
    history: (params) => client.messagesHistory(params),
    send: (params: ImsgSendParams) => client.send(definedOnly(params), sendOptions),
    sendTracked: async (params) => {
      const { to, chat_id, chat_guid, chat_identifier, text, service, region, attempt_id } = params;
      return client.sendTracked(
        definedOnly({
          to,
          chat_id,
          chat_guid,
          chat_identifier,
          text: text ?? "",
          service,
          region,
          attempt_id,
        }),
        sendOptions,
      );
    },
    sendStatus: async (params) => client.messageSendStatus(params),
    typing: (params) => client.typing(params),
    markRead: (params) => client.read(params),
    tapback: (params) => client.tapback(definedOnly(params), sendOptions),
  };
}

/**
 * Capability view for typing bubbles and read receipts: whether imsg lists `typing` / `read` as usable now
 * (0.15 `status.methods`, which names them only while its IMCore bridge runs; never on 0.9, which has no
 * status and whose method list names them without saying whether they work).
 */
export function bridgeCapabilitiesOf(client: ImsgClient): () => { typing: boolean; read: boolean } {
  return () => {
    const usable = usableMethods(client);
    return { typing: usable.includes("typing"), read: usable.includes("read") };
  };
}

/**
 * The methods imsg says are usable now (0.15 `status.methods`). Only these count: `supported_methods` lists
 * what imsg was built with, bridge or not, and 0.9 has no status at all.
 */
function usableMethods(client: ImsgClient): readonly string[] {
  return client.capabilities?.status?.methods ?? [];
}

/** Methods only a running bridge (SIP off, `imsg launch`) offers; listed in `status.methods` when usable. */
const BRIDGE_METHODS = ["tapback", "send.rich", "typing", "read"];

/**
 * Capability view for delivery, read at call time: whether `send.tracked` and `message.send_status` may be
 * used, whether `tapback` is listed as usable now (`status.methods`), and whether `send` honours `reply_to`
 * (0.15 with the bridge ready: `status.bridge.ready`, or a bridge-only method listed as usable now).
 */
export function sendCapabilitiesOf(client: ImsgClient): () => DeliveryCapabilities {
  return () => {
    const capabilities = client.capabilities;
    const usable = usableMethods(client);
    const bridgeReady =
      capabilities?.status?.bridge?.ready === true ||
      BRIDGE_METHODS.some((method) => usable.includes(method));
    return {
      sendTracked: capabilities?.sendTracked ?? false,
      sendStatus: capabilities?.sendStatus ?? false,
      tapback: usable.includes("tapback"),
      replyTo: capabilities?.family === "0.15" && bridgeReady,
    };
  };
}

/** What delivery may use on the connected imsg (see {@link sendCapabilitiesOf}). */
export interface DeliveryCapabilities {
  sendTracked: boolean;
  sendStatus: boolean;
  /** `tapback` is usable: agent reactions are sent (else skipped). */
  tapback?: boolean;
  /** `send` honours `reply_to`: threaded replies are inline replies (else plain sends). */
  replyTo?: boolean;
}
