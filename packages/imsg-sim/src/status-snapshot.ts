import type { CompatMode, SimOptions } from "./sim-options.ts";

/** Methods the 0.9.0 server advertises (`kSupportedRPCMethods`, §2.4). */
export const METHODS_09 = [
  "chats.list",
  "chats.create",
  "chats.delete",
  "chats.markUnread",
  "messages.history",
  "watch.subscribe",
  "watch.unsubscribe",
  "send",
  "send.rich",
  "send.attachment",
  "tapback",
  "typing",
  "read",
  "message.edit",
  "message.unsend",
  "message.delete",
  "message.notifyAnyways",
  "group.rename",
  "group.setIcon",
  "group.addParticipant",
  "group.removeParticipant",
  "group.leave",
] as const;

/** Methods the stand-in serves in 0.15 mode (what `status.methods` lists while the database is readable). */
export const METHODS_015 = [
  "initialize",
  "status",
  "chats.list",
  "chats.get",
  "messages.history",
  "messages.after",
  "watch.subscribe",
  "watch.unsubscribe",
  "send",
  "send.tracked",
  "message.send_status",
] as const;

/** Bridge methods the stand-in implements in bridge mode (`IMSG_SIM_BRIDGE=1`); the other bridge methods stay -32003. */
export const SIM_BRIDGE_METHODS = ["typing", "read", "tapback"] as const;

/** The 0.9 methods that work without the IMCore bridge; every other 0.9 method needs it. */
const NON_BRIDGE_09: ReadonlySet<string> = new Set([
  "chats.list",
  "messages.history",
  "watch.subscribe",
  "watch.unsubscribe",
  "send",
]);

/** Bridge-only methods: listed as supported, answered -32603 (0.9) / -32003 (0.15). */
export const BRIDGE_ONLY_METHODS: readonly string[] = [
  ...METHODS_09.filter((method) => !NON_BRIDGE_09.has(method)),
  "send.multipart",
  "bridge.events.subscribe",
];

const DB_FREE_METHODS = new Set(["initialize", "status"]);

/**
 * The method names `status.methods` (usable now) / `rpc_methods` report for a mode: 0.9 lists everything it
 * compiled; 0.15 lists what works, so the bridge methods only while the bridge runs.
 */
export function advertisedMethods(mode: CompatMode, databaseReady: boolean, bridge = false): string[] {
  if (mode === "0.9") return [...METHODS_09];
  const usable: string[] = [...METHODS_015, ...(bridge ? SIM_BRIDGE_METHODS : [])];
  return usable.filter((m) => databaseReady || DB_FREE_METHODS.has(m));
}

/** The 0.15 `initialize`/`status` snapshot (§9). */
export function statusSnapshot(
  options: SimOptions,
  database: { path: string; ready: boolean; error?: string },
): Record<string, unknown> {
  return {
    version: options.version,
    protocol_version: 1,
    database: {
      path: database.path,
      ready: database.ready,
      features: {
        unread_state: true,
        scheduled_messages: false,
        reactions: true,
        reply_context: true,
        routing_metadata: true,
        balloon_payloads: false,
      },
      ...(database.error ? { error: database.error } : {}),
    },
    bridge: options.bridge
      ? { ready: true, bridge_version: `imsg-sim ${options.version}`, v2_ready: true, selectors: {} }
      : { ready: false, error: "IMCore bridge is not running (imsg-sim: set IMSG_SIM_BRIDGE=1)" },
    contacts: { available: false },
    methods: advertisedMethods("0.15", database.ready, options.bridge),
    supported_methods: [...METHODS_015, ...BRIDGE_ONLY_METHODS],
    capabilities: {
      engine: { version: options.version, commit: "imsg-sim", built_at: "2026-01-01T00:00:00Z" },
      features: { "tapback.emoji": 0 },
    },
  };
}

/** CLI `status --json` (§1): the 0.9 field set; `rpc_methods` per mode. */
export function cliStatus(options: SimOptions, databaseReady: boolean): Record<string, unknown> {
  return {
    version: options.version,
    basic_features: true,
    advanced_features: options.bridge,
    typing_indicators: options.bridge,
    read_receipts: options.bridge,
    sip: options.bridge ? "disabled" : "enabled",
    message: options.bridge
      ? "imsg-sim: IMCore bridge simulated (typing, read, tapback); sends are simulated into chat.db"
      : "imsg-sim: basic features only (no IMCore bridge); sends are simulated into chat.db",
    v2_ready: options.bridge,
    selectors: {},
    rpc_methods: advertisedMethods(options.compat, databaseReady, options.bridge),
  };
}
