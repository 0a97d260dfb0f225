import type { checkImessageConfig } from "@imgate/imessage-channel";
import { z } from "zod";
import { DEFAULT_LEASE_TTL_MS } from "../leases/lease-timing.ts";
import { gatewayLeasesSchema, gatewayStateSchema } from "./state-config-schema.ts";

/**
 * The whole imgate config file (JSON5). Every object is strict: an unknown key is an error that names its
 * path. The `channels.imessage`, `agents.list[]`, `bindings`, `messages`, `commands` and `session` shapes
 * follow the original gateway so an existing file's iMessage part works unchanged.
 */

/** Checks that every entry is a valid (case-insensitive) regular expression. */
const mentionPatternsSchema = z
  .array(z.string().min(1))
  .superRefine((patterns, ctx) => {
    patterns.forEach((pattern, index) => {
      try {
        new RegExp(pattern, "i");
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          path: [index],
          message: `not a valid regular expression (${(error as Error).message})`,
        });
      }
    });
  })
  .describe("Regular expressions (case-insensitive) that count as a mention of the agent in a group.");

/** Group-chat settings shared by `messages.groupChat` and `agents.list[].groupChat`. */
const groupChatSchema = z.strictObject({
  /** Patterns that count as a mention. */
  mentionPatterns: mentionPatternsSchema.optional(),
  /** How many earlier group messages the agent sees as context. */
  historyLimit: z.int().min(0).optional().describe("How many earlier group messages the agent sees."),
});

/** Default of `messages.agentRetryMs`: ten minutes. */
export const DEFAULT_AGENT_RETRY_MS = 600_000;

/** Default of `messages.stormTurnsPerMinute`. */
export const DEFAULT_STORM_TURNS_PER_MINUTE = 20;
/** Default of `messages.agentFailureReply`. */
export const DEFAULT_AGENT_FAILURE_REPLY = "Sorry — I couldn't answer that just now. Please try again later.";

const loopbackHosts = new Set(["127.0.0.1", "::1", "localhost"]);

const timeoutMsSchema = z.int().min(1).max(3_600_000);

/** The demo backend: replies with the turn's text and one line per fetched attachment. */
export const echoBackendSchema = z.strictObject({
  type: z.literal("echo"),
});

/** Any OpenAI-compatible `/chat/completions` endpoint (OpenAI, Ollama, llama.cpp, vLLM). */
export const openaiBackendSchema = z.strictObject({
  type: z.literal("openai"),
  baseUrl: z
    .url()
    .default("https://api.openai.com/v1")
    .describe("Base URL; `/chat/completions` is appended."),
  model: z.string().min(1).describe("Model name sent as `model`."),
  apiKeyEnv: z
    .string()
    .min(1)
    .optional()
    .describe("Name of the environment variable that holds the API key (sent as a bearer token)."),
  system: z.string().optional().describe("System prompt sent before the conversation."),
  timeoutMs: timeoutMsSchema.default(60_000).describe("Per-attempt timeout in milliseconds."),
  maxRetries: z.int().min(0).max(10).default(2).describe("Retries on 429, 5xx and network errors."),
  /** Send inbound images to the model (needs `includeAttachments` and a vision model). */
  vision: z
    .boolean()
    .default(false)
    .describe(
      "Send the message's images as image_url parts (data: URLs; HEIC converted to JPEG). Needs channels.imessage.includeAttachments and a vision model.",
    ),
  /** Transcribe voice memos that come without Apple's transcript. */
  transcription: z
    .strictObject({
      model: z.string().min(1).describe("Transcription model, e.g. whisper-1."),
      baseUrl: z
        .url()
        .optional()
        .describe("Base URL of the transcription API; default: the backend's baseUrl."),
      apiKeyEnv: z
        .string()
        .min(1)
        .optional()
        .describe("Environment variable with the transcription API key; default: the backend's apiKeyEnv."),
    })
    .optional()
    .describe(
      "Transcribe voice memos at <baseUrl>/audio/transcriptions (multipart); the transcript becomes the turn's text. Needs channels.imessage.includeAttachments.",
    ),
});

/** Runs a command per turn: the turn as JSON on stdin, `{ "text": … }` on stdout. */
export const execBackendSchema = z.strictObject({
  type: z.literal("exec"),
  command: z
    .array(z.string().min(1))
    .min(1)
    .describe('argv of the command; run without a shell (e.g. ["python3", "bot.py"]).'),
  timeoutMs: timeoutMsSchema.default(30_000).describe("The command is killed after this many milliseconds."),
  env: z
    .record(z.string(), z.string())
    .optional()
    .describe("Extra environment variables for the command (PATH, HOME and LANG are passed through)."),
  fileRoots: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Folders (absolute, ~ allowed) the command may send files from in a rich reply\'s "files"; a path elsewhere (symlinks resolved) is refused. Default none: exec replies cannot send local files until a folder is listed.',
    ),
});

/** POSTs the turn as JSON, HMAC-signed, and takes the reply from the JSON response. */
export const webhookBackendSchema = z
  .strictObject({
    type: z.literal("webhook"),
    url: z.url().describe("HTTPS URL (plain HTTP only on loopback)."),
    secretEnv: z.string().min(1).describe("Name of the environment variable that holds the HMAC secret."),
    timeoutMs: timeoutMsSchema.default(30_000),
    replayWindowSec: z
      .int()
      .min(1)
      .max(86_400)
      .default(300)
      .describe("How old a signed timestamp may be before the receiver rejects it."),
  })
  .superRefine((backend, ctx) => {
    const url = new URL(backend.url);
    if (url.protocol !== "https:" && !loopbackHosts.has(url.hostname.replace(/^\[|\]$/g, ""))) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: "webhook URLs must use https (plain http is allowed only on loopback)",
      });
    }
  });

/** The values of an agent backend's `type`. */
export const AGENT_BACKEND_TYPES = ["echo", "openai", "exec", "webhook"] as const;

const backendChoices = AGENT_BACKEND_TYPES.map((type) => `"${type}"`).join(", ");

/** Which agent backend answers: `echo`, `openai`, `exec` or `webhook`. */
export const agentBackendConfigSchema = z.discriminatedUnion(
  "type",
  [echoBackendSchema, openaiBackendSchema, execBackendSchema, webhookBackendSchema],
  {
    error: (issue) => {
      // Required, never defaulted: an agent must not silently become the echo agent answering real contacts.
      if (issue.input === undefined) {
        return `missing: every agent needs a backend; set backend.type to one of ${backendChoices} (the original gateway's "model" is not used)`;
      }
      if (issue.code === "invalid_union") return `backend.type must be one of ${backendChoices}`;
      return undefined;
    },
  },
);

/** One entry of `agents.list`. */
export const agentConfigSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/i, "use letters, digits, '-' and '_'")
    .describe("Agent id used by bindings and session keys."),
  default: z.boolean().optional().describe("The agent that answers when no binding matches."),
  name: z.string().optional(),
  identity: z
    .strictObject({
      name: z.string().optional(),
      emoji: z.string().optional(),
    })
    .optional(),
  groupChat: groupChatSchema.optional(),
  /** Required: which backend answers for this agent (`echo` only when asked for). */
  backend: agentBackendConfigSchema.describe(
    'Which backend answers: { type: "echo" | "openai" | "exec" | "webhook", … }. Required.',
  ),
});

/** One entry of `bindings`: routes a channel/account/peer to an agent. */
export const bindingSchema = z.strictObject({
  agentId: z.string().min(1),
  match: z.strictObject({
    channel: z.string().min(1),
    /** Omitted: the default account; `*`: any account of the channel. */
    accountId: z.string().optional(),
    peer: z
      .strictObject({
        kind: z.enum(["dm", "group"]),
        id: z.string().min(1),
      })
      .optional(),
  }),
});

/**
 * `channels.imessage` is accepted loosely here (an object) and validated in full by
 * `@imgate/imessage-channel`'s own schema in `validateGatewayConfig`, which owns that shape.
 */
const looseChannelSchema = z.record(z.string(), z.unknown());

/** The whole config file. */
export const gatewayConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    channels: z
      .strictObject({
        imessage: looseChannelSchema.optional(),
      })
      .default({}),
    agents: z
      .strictObject({
        list: z
          .array(agentConfigSchema, {
            error: (issue) =>
              issue.input === undefined
                ? 'missing: add at least one agent, e.g. { id: "main", backend: { type: "openai", model: "…" } }'
                : undefined,
          })
          .min(1),
      })
      .default({ list: [{ id: "main", default: true, backend: { type: "echo" } }] }),
    bindings: z.array(bindingSchema).default([]),
    messages: z
      .strictObject({
        responsePrefix: z.string().default("").describe('Prepended to every reply; "auto" = [<agent name>].'),
        groupChat: groupChatSchema.default({}),
        /**
         * How long a turn whose agent fails with a retryable error (HTTP 5xx or 429, a timeout, a refused
         * connection, an invalid body) is retried, with growing backoff, counted from the message's arrival.
         * The turn is kept in the state database, so a restart resumes the retries. 0 = no retries.
         */
        agentRetryMs: z
          .int()
          .min(0)
          .max(7 * 24 * 3_600_000)
          .default(DEFAULT_AGENT_RETRY_MS)
          .describe(
            "How long a failing agent turn is retried (ms since the message arrived; default 600000 = 10 min; 0 = no retries).",
          ),
        /**
         * Sent once to the sender when a turn is given up (retry window over, or a non-retryable failure
         * such as HTTP 400/401). `""` sends nothing.
         */
        agentFailureReply: z
          .string()
          .max(2_000)
          .default(DEFAULT_AGENT_FAILURE_REPLY)
          .describe('Sent once when a turn is given up after agent failures; "" sends nothing.'),
        /**
         * Reply-storm brake (issue 15): a chat that drives more agent turns than this in a rolling minute
         * (a group spamming the bot, two bots answering each other) has its further turns delayed to this
         * rate, logged once per storm. 0 = off.
         */
        stormTurnsPerMinute: z
          .int()
          .min(0)
          .max(10_000)
          .default(DEFAULT_STORM_TURNS_PER_MINUTE)
          .describe(
            "Agent turns one chat may drive per rolling minute before further turns are slowed to that rate (logged once per storm). 0 = off. Default 20.",
          ),
      })
      .default({
        responsePrefix: "",
        groupChat: {},
        agentRetryMs: DEFAULT_AGENT_RETRY_MS,
        agentFailureReply: DEFAULT_AGENT_FAILURE_REPLY,
        stormTurnsPerMinute: DEFAULT_STORM_TURNS_PER_MINUTE,
      }),
    commands: z
      .strictObject({
        config: z.boolean().default(false).describe("Allow config changes from chat commands."),
        useAccessGroups: z.boolean().default(true),
      })
      .default({ config: false, useAccessGroups: true }),
    session: z
      .strictObject({
        dmScope: z
          .enum(["main", "per-peer", "per-channel-peer", "per-account-channel-peer"])
          .default("main")
          .describe("How DMs map to sessions."),
      })
      .default({ dmScope: "main" }),
    gateway: z
      .strictObject({
        stateDir: z
          .string()
          .optional()
          .describe(
            "State directory (IMGATE_STATE_DIR wins; default ~/.imgate). A relative path is relative to the config file's directory.",
          ),
        http: z
          .strictObject({
            host: z.string().min(1).default("127.0.0.1"),
            port: z.int().min(0).max(65_535).default(18_790),
            tokenEnv: z
              .string()
              .min(1)
              .default("IMGATE_TOKEN")
              .describe("Environment variable holding the control API bearer token."),
          })
          .default({ host: "127.0.0.1", port: 18_790, tokenEnv: "IMGATE_TOKEN" }),
        maxConcurrentSessions: z.int().min(1).max(256).default(4),
        shutdownTimeoutMs: z.int().min(0).max(600_000).default(10_000),
        pairingExpiryMs: z
          .int()
          .min(1_000)
          .max(7 * 24 * 3_600_000)
          .default(3_600_000)
          .describe(
            "How long a DM pairing code stays valid, in milliseconds (default one hour). Read at start.",
          ),
        /** Where state lives: absent = `<stateDir>/state.db` (SQLite); `{ postgres: { urlEnv } }` = shared. */
        state: gatewayStateSchema
          .optional()
          .describe(
            "Where the gateway keeps its state: absent = its own SQLite file; { postgres: { urlEnv } } = one PostgreSQL database shared by several gateways.",
          ),
        leases: gatewayLeasesSchema.default({ ttlMs: DEFAULT_LEASE_TTL_MS }),
      })
      .default({
        http: { host: "127.0.0.1", port: 18_790, tokenEnv: "IMGATE_TOKEN" },
        maxConcurrentSessions: 4,
        shutdownTimeoutMs: 10_000,
        pairingExpiryMs: 3_600_000,
        leases: { ttlMs: DEFAULT_LEASE_TTL_MS },
      }),
  })
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    let defaults = 0;
    config.agents.list.forEach((agent, index) => {
      if (ids.has(agent.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["agents", "list", index, "id"],
          message: `duplicate agent id "${agent.id}"`,
        });
      }
      ids.add(agent.id);
      if (agent.default) defaults += 1;
    });
    if (defaults > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["agents", "list"],
        message: "only one agent may have default: true",
      });
    }
    config.bindings.forEach((binding, index) => {
      if (!ids.has(binding.agentId)) {
        ctx.addIssue({
          code: "custom",
          path: ["bindings", index, "agentId"],
          message: `no agent "${binding.agentId}" in agents.list`,
        });
      }
    });
  });

/** The validated `channels.imessage` section (the iMessage channel's own type). */
export type ImessageSection = Extract<ReturnType<typeof checkImessageConfig>, { ok: true }>["config"];

/** The validated config, defaults applied. */
export type GatewayConfig = Omit<z.output<typeof gatewayConfigSchema>, "channels"> & {
  channels: { imessage?: ImessageSection };
};
/** The config as written in the file (defaults optional). */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
/** One validated `agents.list[]` entry. */
export type AgentConfig = z.output<typeof agentConfigSchema>;
/** One validated agent `backend` block. */
export type AgentBackendConfig = z.output<typeof agentBackendConfigSchema>;
/** One validated `bindings[]` entry. */
export type BindingConfig = z.output<typeof bindingSchema>;
