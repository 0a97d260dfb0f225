import { isAbsolute } from "node:path";
import { z } from "zod";

/*
 * The bodies the control API answers are declared here once, as zod schemas: the gateway's types are
 * inferred from them and the CLI validates what it reads with the same schemas.
 */

/**
 * State of one account's transport, as shown by `/readyz` and `imgate status`. `standby`: on a shared database
 * another gateway holds the account's lease (`servedBy`); this one takes over when it lapses.
 */
export const accountStateSchema = z.enum(["starting", "running", "backoff", "stopped", "standby"]);
/** State of one account's transport, as shown by `/readyz` and `imgate status`. */
export type AccountState = z.infer<typeof accountStateSchema>;

/** An agent turn that failed, as listed in the readiness report (`imgate status`). */
export const agentTurnSummarySchema = z.object({
  agentId: z.string(),
  sessionKey: z.string(),
  /** The sender of the message (normalised handle). */
  sender: z.string(),
  /** ISO time the gateway received the message. */
  arrivedAt: z.string(),
  /** Agent calls made so far. */
  attempts: z.number(),
  /** The last failure, one line (the upstream's body is in the log). */
  lastError: z.string().optional(),
});
/** An agent turn that failed, as listed in the readiness report (`imgate status`). */
export type AgentTurnSummary = z.infer<typeof agentTurnSummarySchema>;

/** A turn that keeps being retried (`messages.agentRetryMs`). */
export const pendingRetrySummarySchema = agentTurnSummarySchema.extend({
  /** ISO time of the next attempt. */
  nextAttemptAt: z.string(),
});
/** A turn that keeps being retried (`messages.agentRetryMs`). */
export type PendingRetrySummary = z.infer<typeof pendingRetrySummarySchema>;

/** A turn that was given up (`messages.agentFailureReply` was sent, unless it is empty). */
export const givenUpTurnSummarySchema = agentTurnSummarySchema.extend({
  /** `window` (retry window over) or `non-retryable` (e.g. HTTP 400/401, a missing command). */
  reason: z.string(),
  /** ISO time it was given up. */
  givenUpAt: z.string(),
});
/** A turn that was given up (`messages.agentFailureReply` was sent, unless it is empty). */
export type GivenUpTurnSummary = z.infer<typeof givenUpTurnSummarySchema>;

/** An account's pause switch, as `/readyz` and `imgate status` show it. */
export const pauseReportSchema = z.object({
  /** ISO time it was paused. */
  since: z.string(),
  /** `account` (this account's own switch) or `all` (`imgate pause` without `--account`). */
  scope: z.enum(["account", "all"]),
  reason: z.string().optional(),
});

/** One outbound message held in the outbox. */
export const heldEntrySchema = z.object({
  outboxId: z.number(),
  target: z.string(),
  /** `paused`, `max-per-day`, `min-send-interval`, `new-contacts-per-hour` or `new-contacts-per-day`. */
  reason: z.string(),
  /** ISO time it may go out, when a limit (not a pause) holds it. */
  until: z.string().optional(),
});

/** What the outbox holds back for an account and why (issue 15). */
export const heldReportSchema = z.object({
  /** Held outbound messages (chunks). */
  count: z.number(),
  /** The same, by reason. */
  byReason: z.record(z.string(), z.number()),
  /** The oldest held ones (up to 5). */
  oldest: z.array(heldEntrySchema),
});
/** What the outbox holds back for an account and why. */
export type HeldReport = z.infer<typeof heldReportSchema>;

/** An account that runs but does not work: sends keep failing, or imsg stopped answering. */
export const degradedReportSchema = z.object({
  /** `send-failures` or `imsg-not-answering`. */
  reason: z.string(),
  /** ISO time it became degraded. */
  since: z.string(),
  /** What is wrong, with the last error. */
  detail: z.string(),
  /** What to do. */
  fix: z.string(),
});
/** An account that runs but does not work. */
export type DegradedReport = z.infer<typeof degradedReportSchema>;

/** One account in the readiness report. */
export const accountReadinessSchema = z.object({
  /** Account id (`default` or a key of `channels.imessage.accounts`). */
  accountId: z.string(),
  state: accountStateSchema,
  /** `local` (spawned `cliPath`) or `ssh` (`remote`). */
  transport: z.enum(["local", "ssh"]),
  /** While `standby`: the gateway serving the account (`host:pid` of the lease holder). */
  servedBy: z.string().optional(),
  /** Version reported by imsg, once connected. */
  imsgVersion: z.string().optional(),
  /** Capabilities detected from imsg (e.g. `watch.overflow`, `send.tracked`). */
  capabilities: z.array(z.string()).optional(),
  /** ISO time of the last inbound message, if any. */
  lastInboundAt: z.string().optional(),
  /** ISO time of the last delivered message, if any. */
  lastOutboundAt: z.string().optional(),
  /** The last transport or delivery error, if any. */
  lastError: z.string().optional(),
  /** While the transport fails: what to change (which path failed and how). */
  fix: z.string().optional(),
  /** ISO time of the next restart attempt while in `backoff`. */
  nextRetryAt: z.string().optional(),
  /** How many times the transport was restarted. */
  restarts: z.number(),
  /** Consecutive failed starts of the transport (while it keeps failing; retried with growing backoff). */
  failures: z.number().optional(),
  /** Times the account was restarted to apply a changed config file. */
  configRestarts: z.number().optional(),
  /** Replies whose delivery stayed uncertain after reconciliation (given up, never resent). */
  uncertainDeliveries: z.number().optional(),
  /** What the operator should do about `uncertainDeliveries`. */
  uncertainAdvice: z.string().optional(),
  /** Agent turns waiting for another attempt after failures (all of them counted). */
  pendingTurns: z.number().optional(),
  /** The oldest of `pendingTurns` (up to 5). */
  pendingRetries: z.array(pendingRetrySummarySchema).optional(),
  /** The most recently given-up agent turns (up to 5), newest first. */
  givenUpTurns: z.array(givenUpTurnSummarySchema).optional(),
  /** Present while outbound sending is paused (`imgate pause`). */
  paused: pauseReportSchema.optional(),
  /** Outbound messages held in the outbox by the pause or a limit, when any. */
  held: heldReportSchema.optional(),
  /** Present while sends keep failing or imsg does not answer (the account stays `running`). */
  degraded: degradedReportSchema.optional(),
  /** Times the watch was found deaf and resubscribed. */
  deafStreamRecoveries: z.number().optional(),
});
/** One account in the readiness report. */
export type AccountReadiness = z.infer<typeof accountReadinessSchema>;

/** Body of `GET /readyz` (HTTP 200 when `ready`, else 503). */
export const readinessReportSchema = z.object({
  /** True when every enabled account is running. */
  ready: z.boolean(),
  accounts: z.array(accountReadinessSchema),
});
/** Body of `GET /readyz` (HTTP 200 when `ready`, else 503). */
export type ReadinessReport = z.infer<typeof readinessReportSchema>;

/** Body of every refusal (4xx/5xx): a stable `code` and a sentence naming the fix. */
export const controlApiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
/** Body of every refusal (4xx/5xx). */
export type ControlApiErrorBody = z.infer<typeof controlApiErrorSchema>;

/** Body of `POST /v1/pairing/approve`. */
export const approvePairingRequestSchema = z.strictObject({
  channel: z.string().min(1).max(64).default("imessage"),
  code: z.string().trim().min(4).max(32),
  /** Send the approved sender a short confirmation. */
  notify: z.boolean().default(false),
});
/** A validated approve request. */
export type ApprovePairingRequest = z.output<typeof approvePairingRequestSchema>;

/** Answer of `POST /v1/pairing/approve`. */
export const approvePairingResultSchema = z.object({
  channel: z.string(),
  sender: z.string(),
  notified: z.boolean(),
  /** The code had been approved before; nothing changed and nobody was notified again. */
  alreadyApproved: z.boolean().optional(),
  /** The notice is held in the outbox (sending paused or over a limit); it goes out later by itself. */
  noticeHeld: z.boolean().optional(),
});
/** Answer of `POST /v1/pairing/approve`. */
export type ApprovePairingResult = z.infer<typeof approvePairingResultSchema>;

/** Body of `POST /v1/pause`. */
export const pauseRequestSchema = z.strictObject({
  /** The account to pause; omitted: every account. */
  accountId: z.string().min(1).max(128).optional(),
  /** Shown in `imgate status`. */
  reason: z.string().max(500).optional(),
});
/** A validated pause request. */
export type PauseRequest = z.output<typeof pauseRequestSchema>;

/** Body of `POST /v1/resume`. */
export const resumeRequestSchema = z.strictObject({
  /** The account to resume; omitted: every account (and the all-accounts switch). */
  accountId: z.string().min(1).max(128).optional(),
});
/** A validated resume request. */
export type ResumeRequest = z.output<typeof resumeRequestSchema>;

/** Answer of `POST /v1/pause` and `POST /v1/resume`: every account's switch afterwards. */
export const pauseResultSchema = z.object({
  action: z.enum(["paused", "resumed"]),
  accounts: z.array(
    z.object({
      accountId: z.string(),
      paused: z.boolean(),
      /** Outbound messages waiting in the outbox (they go out in order on resume). */
      queued: z.number(),
    }),
  ),
});
/** Answer of `POST /v1/pause` and `POST /v1/resume`. */
export type PauseResult = z.infer<typeof pauseResultSchema>;

/** Longest a `POST /v1/send` may wait for the delivery outcome (ms). */
export const MAX_SEND_WAIT_MS = 120_000;
/** How long a `POST /v1/send` waits for the delivery outcome by default (ms). */
export const DEFAULT_SEND_WAIT_MS = 10_000;

/** Body of `POST /v1/send`. */
export const sendRequestSchema = z
  .strictObject({
    /** `chat_id:N`, `chat_guid:G`, `chat_identifier:I`, or a handle (optionally `imessage:`/`sms:`/`auto:`). */
    target: z.string().trim().min(1).max(512),
    text: z.string().max(100_000).default(""),
    /**
     * A file on the gateway's machine to attach (absolute path; a regular file within the account's
     * `mediaMaxMb`). Remote accounts upload it to the Mac first.
     */
    file: z
      .string()
      .min(1)
      .max(4096)
      .refine((path) => isAbsolute(path), "file must be an absolute path on the gateway's machine")
      .optional(),
    /** Account to send from; default: the default account. */
    accountId: z.string().min(1).max(128).optional(),
    /** Wait for the delivery outcome (default); `false` answers `queued` as soon as the outbox holds it. */
    wait: z.boolean().default(true),
    /** How long to wait for the outcome before answering `uncertain` (ms). Default 10 000, at most 120 000. */
    waitMs: z.int().min(0).max(MAX_SEND_WAIT_MS).default(DEFAULT_SEND_WAIT_MS),
  })
  .refine((body) => body.text !== "" || body.file !== undefined, {
    message: "give text, file, or both",
    path: ["text"],
  });
/** A validated send request. */
export type SendRequest = z.output<typeof sendRequestSchema>;

/**
 * Outcome of a send: `sent` (imsg delivered every chunk), `failed` (it did not go out; `error` says why),
 * `uncertain` (not known within the wait: still retrying, or imsg could not confirm it), `queued`
 * (`wait: false`: in the outbox, not waited for), or `held` (in the outbox, held by `imgate pause` or an
 * outbound limit; it goes out later by itself — do not resend).
 */
export type SendStatus = "sent" | "failed" | "uncertain" | "queued" | "held";

/** Answer of `POST /v1/send`: HTTP 200 `sent`, 202 `queued`/`uncertain`, 422/502 `failed`. */
export interface SendResult {
  accountId: string;
  /** Outbox ids, one per chunk, in order. */
  outboxIds: string[];
  status: SendStatus;
  /** Why it is `failed`, `uncertain` or `held`: `contact_unresolved`, `send_rejected`, `send_failed`, `send_uncertain`, `send_retrying`, `send_pending`, `held_paused`, `held_max_per_day`, `held_new_contacts_per_hour`, `held_new_contacts_per_day`. */
  error?: { code: string; message: string };
}

/** What the control API calls into; the gateway implements it (the server awaits every answer). */
export interface ControlApiHandlers {
  readiness(): ReadinessReport | Promise<ReadinessReport>;
  /** Prometheus text. */
  metrics(): string | Promise<string>;
  /** Pending pairing requests (optionally of one channel). */
  listPairing(channel: string | undefined): unknown[] | Promise<unknown[]>;
  approvePairing(request: ApprovePairingRequest): Promise<ApprovePairingResult>;
  send(request: SendRequest): Promise<SendResult>;
  /** Turns the pause switch on. @throws ControlApiHttpError 404 for an unknown account. */
  pause(request: PauseRequest): PauseResult | Promise<PauseResult>;
  /** Turns it off; held messages go out in order. @throws ControlApiHttpError 404, 409. */
  resume(request: ResumeRequest): PauseResult | Promise<PauseResult>;
}
