import type { z } from "zod";
import type { ImsgConnection } from "./imsg-connection.ts";
import { ImsgResponseError, ImsgRpcCodes } from "./imsg-error.ts";
import type { ImsgMethod } from "./protocol/define-method.ts";
import type { ImsgStatus } from "./protocol/shapes.ts";
import { imsg09 } from "./protocol/v0-9.ts";
import { imsg015 } from "./protocol/v0-15.ts";

/** Which method surface the peer speaks: 0.9 (lenient, no `initialize`) or 0.14–0.15 (strict). */
export type ProtocolFamily = "0.9" | "0.15";

/** The client's names for imsg methods (keys of the 0.15 family, a superset of 0.9). */
export type ImsgMethodKey = keyof typeof imsg015;

type ResultIn<Table, K> = K extends keyof Table
  ? Table[K] extends { result: z.ZodType<infer R> }
    ? R
    : never
  : never;

/** What method `key` resolves to, read from its result schema in whichever family the peer speaks. */
export type ImsgMethodResult<K extends ImsgMethodKey> =
  | ResultIn<typeof imsg015, K>
  | ResultIn<typeof imsg09, K>;

/** A family's method table, as seen through the client's method names. */
type MethodTable = { readonly [K in ImsgMethodKey]?: ImsgMethod<object, ImsgMethodResult<K>> };

/** What the connected imsg can do; detected on every (re)start. */
export interface ImsgCapabilities {
  /** `status.version` (e.g. `0.15.1`), or `0.9` when imsg predates `initialize`. */
  version: string;
  family: ProtocolFamily;
  /** Wire names of the methods the client may call (e.g. `chats.list`, `send.tracked`). */
  methods: ReadonlySet<string>;
  /** `send.tracked` is available (0.15 with the bridge advertising it). */
  sendTracked: boolean;
  /** `messages.after` is available (0.14+). */
  messagesAfter: boolean;
  /** `message.send_status` is available. */
  sendStatus: boolean;
  /** `chats.get` is available. */
  chatsGet: boolean;
  /** `watch.subscribe` takes `buffer_limit` and ends with `watch.overflow`. */
  bufferLimit: boolean;
  /** Unknown param keys and loose types are rejected (-32602). */
  strictParams: boolean;
  /** The `initialize`/`status` snapshot, when the peer has one. */
  status?: ImsgStatus;
}

/** Methods every imsg with an RPC server has; never gated on the advertised list. */
const CORE = ["chats.list", "messages.history", "watch.subscribe", "watch.unsubscribe", "send"];

/** The declared method for `key` in the peer's family, or undefined when the family lacks it. */
export function methodFor<K extends ImsgMethodKey>(
  family: ProtocolFamily,
  key: K,
): ImsgMethod<object, ImsgMethodResult<K>> | undefined {
  const table: MethodTable = family === "0.9" ? imsg09 : imsg015;
  return table[key];
}

/**
 * Calls `initialize` (then `status` if the snapshot lacks a method list); a -32601 answer means the
 * 0.9 surface. Other errors (including Full Disk Access ones) propagate.
 */
export async function detectCapabilities(
  connection: ImsgConnection,
  timeoutMs: number,
): Promise<ImsgCapabilities> {
  let status: ImsgStatus;
  try {
    status = await connection.request(imsg015.initialize, { protocol_version: 1 }, timeoutMs);
  } catch (error) {
    if (error instanceof ImsgResponseError && error.rpcCode === ImsgRpcCodes.methodNotFound) {
      return capabilitiesFor09();
    }
    throw error;
  }
  if (!status.methods && !status.supported_methods) {
    status = await connection.request(imsg015.status, {}, timeoutMs);
  }
  const advertised =
    status.methods ?? status.supported_methods ?? Object.values(imsg015).map((m) => m.method);
  const methods = new Set([...CORE, ...advertised]);
  return {
    version: status.version,
    family: "0.15",
    methods,
    sendTracked: methods.has("send.tracked"),
    messagesAfter: methods.has("messages.after"),
    sendStatus: methods.has("message.send_status"),
    chatsGet: methods.has("chats.get"),
    bufferLimit: true,
    strictParams: true,
    status,
  };
}

function capabilitiesFor09(): ImsgCapabilities {
  return {
    version: "0.9",
    family: "0.9",
    methods: new Set(Object.values(imsg09).map((m) => m.method)),
    sendTracked: false,
    messagesAfter: false,
    sendStatus: false,
    chatsGet: false,
    bufferLimit: false,
    strictParams: false,
  };
}
