import { z } from "zod";
import { parseContacts, type SimContact } from "./contact-book.ts";
import { SimError } from "./sim-error.ts";

/** Which imsg generation the stand-in imitates: 0.9.0 (lenient, sequential) or 0.15.x (strict, lanes). */
export type CompatMode = "0.9" | "0.15";

/** The chat.db quirks the stand-in can reproduce (README "Quirks and faults"). */
export interface SimQuirks {
  /** Every outbound send also writes an `is_from_me:0` copy from the sim's own handle. */
  selfEcho: boolean;
  /** When > 0, outbound rows are written with `is_from_me=0` and corrected after this many ms. */
  lateFromMeMs: number;
  /** Messages containing a URL get a second `URLBalloonProvider` row with the same text. */
  urlPreviewDupes: boolean;
  /** When > 0, `inject` writes the chat join this many ms after the message row. */
  lateJoinMs: number;
  /**
   * Every outbound text row gets a mirror row from the chat's other member: `is_from_me=0`, a new guid,
   * `reply_to_guid` = the sent guid, the same text (openclaw/openclaw#135704).
   */
  mirrorRows: boolean;
  /** When > 0, mirror rows are written this many ms after the send (at exit at the latest). */
  mirrorDelayMs: number;
  /** Reflection rows (self-echo copies, mirror rows) start with attributed-body residue `\u0093b\u0002`. */
  residuePrefix: boolean;
}

/** Deterministic faults, all counted rather than random (README "Quirks and faults"). */
export interface SimFaults {
  /** Exit with code 1 right after writing this many notifications. */
  exitAfterNotifications: number | null;
  /** Write a non-JSON line after every N protocol lines. */
  garbageEvery: number | null;
  /** After N protocol lines, write half of the next line without a newline and exit 1. */
  partialAfter: number | null;
  /** After N protocol lines, write one oversized line of `oversizedBytes` bytes. */
  oversizedAfter: number | null;
  /** Size of the oversized line. */
  oversizedBytes: number;
  /** Delay before each send touches the database. */
  sendDelayMs: number;
  /** The first N sends of this process fail. */
  failSends: number;
  /** Sends whose text contains this substring fail. */
  failSendMatch: string | null;
  /** A failing send still writes its rows first (outcome unknown: the client must reconcile). */
  failSendInserts: boolean;
  /**
   * Sends whose text contains this substring write their rows and then never answer: the client is stuck
   * "after the send, before it learned the outcome" (a crash there must be reconciled, not resent).
   */
  holdSendMatch: string | null;
  /** A subscription overflows once this many notifications are buffered for it (0.15). */
  overflowAfter: number | null;
  /**
   * Deaf-stream switch, flipped at runtime: while this file exists, every subscription made before the
   * file's last modification delivers nothing more — no notification, no `error`, no end (file events that
   * stopped). Subscriptions made after it are healthy, as a fresh subscription is on a real Mac.
   */
  deafFile: string | null;
}

/** Everything that shapes one stand-in process, resolved from env and flags. */
export interface SimOptions {
  /** Behaviour family. */
  compat: CompatMode;
  /** What `--version` and `status` report. */
  version: string;
  /** The account's own handle, written as `destination_caller_id` on outbound rows. */
  selfHandle: string;
  /** Create a missing database file (else a missing file behaves like a Full-Disk-Access denial). */
  createDb: boolean;
  /** Pretend Full Disk Access is missing. */
  fda: boolean;
  /**
   * The IMCore bridge is running (`imsg launch`, SIP off): `typing`, `read` and `tapback` work and are listed as
   * usable, and `send`/`send.tracked` accept `reply_to`. Off: they fail as imsg does without it.
   */
  bridge: boolean;
  /** Escape `/` as `\/` in output lines, as Foundation's JSONSerialization does (0.9 default). */
  escapeSlashes: boolean;
  /** 0.9: with a replay backlog, the first notifications are written before the subscribe result. */
  subscribeRace: boolean;
  /** Fallback poll interval of watches. */
  pollMs: number;
  /** 0.15: how long an unjoined row is retried before it is dropped. */
  unjoinedRetryMs: number;
  /** The address book `send` resolves contact names in (`IMSG_SIM_CONTACTS`); default empty. */
  contacts: SimContact[];
  quirks: SimQuirks;
  faults: SimFaults;
}

const flag = z
  .enum(["0", "1", "true", "false", "yes", "no"])
  .transform((v) => v === "1" || v === "true" || v === "yes");
const count = z
  .string()
  .regex(/^\d+$/, "must be a non-negative integer")
  .transform((v) => Number(v));

const EnvSchema = z.object({
  IMSG_SIM_COMPAT: z.enum(["0.9", "0.15"]).optional(),
  IMSG_VERSION: z.string().min(1).optional(),
  IMSG_SIM_SELF: z.string().min(1).optional(),
  IMSG_SIM_CREATE_DB: flag.optional(),
  IMSG_SIM_FDA: flag.optional(),
  IMSG_SIM_BRIDGE: flag.optional(),
  IMSG_SIM_ESCAPE_SLASHES: flag.optional(),
  IMSG_SIM_SUBSCRIBE_RACE: flag.optional(),
  IMSG_SIM_POLL_MS: count.optional(),
  IMSG_SIM_UNJOINED_RETRY_MS: count.optional(),
  IMSG_SIM_SELF_ECHO: flag.optional(),
  IMSG_SIM_LATE_FROM_ME_MS: count.optional(),
  IMSG_SIM_URL_PREVIEW_DUPES: flag.optional(),
  IMSG_SIM_LATE_JOIN_MS: count.optional(),
  IMSG_SIM_MIRROR_ROWS: flag.optional(),
  IMSG_SIM_MIRROR_DELAY_MS: count.optional(),
  IMSG_SIM_RESIDUE_PREFIX: flag.optional(),
  IMSG_SIM_EXIT_AFTER: count.optional(),
  IMSG_SIM_GARBAGE_EVERY: count.optional(),
  IMSG_SIM_PARTIAL_AFTER: count.optional(),
  IMSG_SIM_OVERSIZED_AFTER: count.optional(),
  IMSG_SIM_OVERSIZED_BYTES: count.optional(),
  IMSG_SIM_SEND_DELAY_MS: count.optional(),
  IMSG_SIM_FAIL_SENDS: count.optional(),
  IMSG_SIM_FAIL_SEND_MATCH: z.string().min(1).optional(),
  IMSG_SIM_FAIL_SEND_INSERTS: flag.optional(),
  IMSG_SIM_HOLD_SEND_MATCH: z.string().min(1).optional(),
  IMSG_SIM_OVERFLOW_AFTER: count.optional(),
  IMSG_SIM_DEAF_FILE: z.string().min(1).optional(),
  IMSG_SIM_CONTACTS: z.string().optional(),
});

/** Flags that override env (`--compat`, `--sim-fda`, `--sim-bridge`), already removed from argv by the caller. */
export interface SimFlagOverrides {
  compat?: string;
  fda?: boolean;
  bridge?: boolean;
}

/** Default `--version` output per compat mode. */
export const DEFAULT_VERSIONS: Record<CompatMode, string> = { "0.9": "0.9.0", "0.15": "0.15.1" };

function positiveOrNull(n: number | undefined): number | null {
  return n === undefined || n === 0 ? null : n;
}

/** Resolves env (`IMSG_SIM_*`, `IMSG_VERSION`) and flags into options; throws SimError naming the bad variable. */
export function resolveSimOptions(env: NodeJS.ProcessEnv, flags: SimFlagOverrides = {}): SimOptions {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") picked[key] = value;
  }
  if (flags.compat !== undefined) picked.IMSG_SIM_COMPAT = flags.compat;
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    throw new SimError(
      "SIM_CONFIG_INVALID",
      `${name}=${JSON.stringify(picked[name] ?? "")} is invalid (${issue?.message ?? "bad value"}); fix or unset it (see packages/imsg-sim/README.md).`,
    );
  }
  const e = parsed.data;
  const compat: CompatMode = e.IMSG_SIM_COMPAT ?? "0.15";
  return {
    compat,
    version: e.IMSG_VERSION ?? DEFAULT_VERSIONS[compat],
    selfHandle: e.IMSG_SIM_SELF ?? "me@icloud.com",
    createDb: e.IMSG_SIM_CREATE_DB ?? true,
    fda: flags.fda ?? e.IMSG_SIM_FDA ?? false,
    bridge: flags.bridge ?? e.IMSG_SIM_BRIDGE ?? false,
    escapeSlashes: e.IMSG_SIM_ESCAPE_SLASHES ?? compat === "0.9",
    subscribeRace: compat === "0.9" && (e.IMSG_SIM_SUBSCRIBE_RACE ?? true),
    pollMs: Math.max(10, Math.min(250, e.IMSG_SIM_POLL_MS ?? 250)),
    unjoinedRetryMs: e.IMSG_SIM_UNJOINED_RETRY_MS ?? 1000,
    contacts: parseContacts(e.IMSG_SIM_CONTACTS),
    quirks: {
      selfEcho: e.IMSG_SIM_SELF_ECHO ?? false,
      lateFromMeMs: e.IMSG_SIM_LATE_FROM_ME_MS ?? 0,
      urlPreviewDupes: e.IMSG_SIM_URL_PREVIEW_DUPES ?? false,
      lateJoinMs: e.IMSG_SIM_LATE_JOIN_MS ?? 0,
      mirrorRows: e.IMSG_SIM_MIRROR_ROWS ?? false,
      mirrorDelayMs: e.IMSG_SIM_MIRROR_DELAY_MS ?? 0,
      residuePrefix: e.IMSG_SIM_RESIDUE_PREFIX ?? false,
    },
    faults: {
      exitAfterNotifications: positiveOrNull(e.IMSG_SIM_EXIT_AFTER),
      garbageEvery: positiveOrNull(e.IMSG_SIM_GARBAGE_EVERY),
      partialAfter: e.IMSG_SIM_PARTIAL_AFTER ?? null,
      oversizedAfter: e.IMSG_SIM_OVERSIZED_AFTER ?? null,
      oversizedBytes: e.IMSG_SIM_OVERSIZED_BYTES ?? 64 * 1024 * 1024,
      sendDelayMs: e.IMSG_SIM_SEND_DELAY_MS ?? 0,
      failSends: e.IMSG_SIM_FAIL_SENDS ?? 0,
      failSendMatch: e.IMSG_SIM_FAIL_SEND_MATCH ?? null,
      failSendInserts: e.IMSG_SIM_FAIL_SEND_INSERTS ?? false,
      holdSendMatch: e.IMSG_SIM_HOLD_SEND_MATCH ?? null,
      overflowAfter: positiveOrNull(e.IMSG_SIM_OVERFLOW_AFTER),
      deafFile: e.IMSG_SIM_DEAF_FILE ?? null,
    },
  };
}
