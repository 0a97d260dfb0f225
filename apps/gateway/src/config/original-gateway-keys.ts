/**
 * Keys the original gateway (Moltbot / OpenClaw) defines in its config file but imgate does not use, so a
 * user's `moltbot.json` starts imgate: these keys are accepted, left out of validation, and named in one
 * warning. Any other unknown key is still an error with a "did you mean" (a misspelt imgate key).
 *
 * Written by hand from the original's published zod schema (openclaw/openclaw):
 *   src/config/zod-schema.ts            @ 000ca690f107b75cf5eae1fb323c2ba872a2e36d (root keys, `gateway`)
 *   src/config/zod-schema.providers.ts  @ 07ab42ae799a8486809900d414c6790502da5578 (`channels`)
 *   src/config/zod-schema.agents.ts     @ 0a7191172997933b9be03862f134d486045fb8ba (`agents`, `bindings`)
 *   src/config/zod-schema.agent-runtime.ts @ 001ba9a34d6f100c3150d9209bef8774607f843d (`agents.list[]`)
 *   src/config/zod-schema.session.ts    @ 00463892e760f02de554608ad588cdbec955013b (`messages`, `commands`, `session`)
 *   src/config/zod-schema.providers-core.ts (IMessageAccountSchemaBase; the stored version that has `catchup`)
 *                                       (`channels.imessage` and `channels.imessage.accounts.<id>`)
 * Only the keys imgate lacks are listed; where both define a key (e.g. `agents.list[].groupChat`,
 * `messages.responsePrefix`, `session.dmScope`) imgate's schema validates it.
 */

/** A subtree of ignored keys: `true` ignores the key with everything below it; an object descends. */
export interface IgnoredKeyTree {
  readonly [key: string]: true | IgnoredKeyTree;
}

/** Marks the element schema of an array (`agents.list[]`, `bindings[]`). */
export const ARRAY_ITEMS = "[]";
/** Marks the value schema of a record (`accounts.<id>`, `groups.<chat id>`). */
export const RECORD_VALUES = "{}";

const keys = (...names: string[]): IgnoredKeyTree => Object.fromEntries(names.map((name) => [name, true]));

/** The later iMessage channel's keys imgate does not have, valid at the top level and in each account. */
const IMESSAGE_ACCOUNT_KEYS: IgnoredKeyTree = {
  ...keys(
    "actions",
    "defaultTo",
    "contextVisibility",
    "attachmentRoots",
    "probeTimeoutMs",
    "coalesceSameSenderDms",
    "catchup",
    "healthMonitor",
    "responsePrefix",
  ),
};

/** The original gateway's keys that imgate ignores, as a tree from the file's root. */
export const ORIGINAL_GATEWAY_KEYS: IgnoredKeyTree = {
  ...keys(
    "meta",
    "env",
    "wizard",
    "diagnostics",
    "logging",
    "cli",
    "crestodian",
    "update",
    "browser",
    "ui",
    "secrets",
    "auth",
    "acp",
    "models",
    "nodeHost",
    "tools",
    "broadcast",
    "audio",
    "media",
    "approvals",
    "cron",
    "hooks",
    "web",
    "discovery",
    "canvasHost",
    "talk",
    "memory",
    "mcp",
    "skills",
    "plugins",
    "surfaces",
    "proxy",
  ),
  // The original's other channels, its channel defaults, and the extension channels its schema passes through.
  channels: {
    imessage: {
      ...IMESSAGE_ACCOUNT_KEYS,
      defaultAccount: true,
      accounts: { [RECORD_VALUES]: IMESSAGE_ACCOUNT_KEYS },
    },
    ...keys(
      "defaults",
      "whatsapp",
      "telegram",
      "discord",
      "irc",
      "googlechat",
      "slack",
      "signal",
      "bluebubbles",
      "msteams",
      "matrix",
      "mattermost",
      "nostr",
      "zalo",
      "zalouser",
      "line",
      "feishu",
      "twitch",
      "nextcloud-talk",
      "tlon",
    ),
  },
  agents: {
    defaults: true,
    list: {
      [ARRAY_ITEMS]: {
        ...keys(
          "description",
          "workspace",
          "agentDir",
          "model",
          "utilityModel",
          "models",
          "modelPolicy",
          "thinkingDefault",
          "verboseDefault",
          "toolProgressDetail",
          "reasoningDefault",
          "fastModeDefault",
          "contextInjection",
          "bootstrapMaxChars",
          "bootstrapTotalMaxChars",
          "experimental",
          "skills",
          "memory",
          "memorySearch",
          "humanDelay",
          "typingMode",
          "typingIntervalSeconds",
          "tts",
          "skillsLimits",
          "contextLimits",
          "contextTokens",
          "heartbeat",
          "subagents",
          "embeddedAgent",
          "plugins",
          "sandbox",
          "params",
          "tools",
          "runtime",
        ),
        identity: keys("theme", "avatar"),
      },
    },
  },
  bindings: { [ARRAY_ITEMS]: keys("sessionKey", "sessionScope") },
  messages: keys(
    "messagePrefix",
    "queue",
    "inbound",
    "ackReaction",
    "ackReactionScope",
    "removeAckAfterReply",
    "statusReactions",
    "suppressToolErrors",
    "tts",
  ),
  commands: keys(
    "native",
    "nativeSkills",
    "text",
    "bash",
    "bashForegroundMs",
    "mcp",
    "plugins",
    "debug",
    "restart",
    "ownerAllowFrom",
    "ownerDisplay",
    "ownerDisplaySecret",
    "allowFrom",
  ),
  session: keys(
    "scope",
    "identityLinks",
    "transcriptRetentionDays",
    "maxRecentTurns",
    "resetTriggers",
    "idleMinutes",
    "reset",
    "resetByType",
    "resetByChannel",
    "store",
    "typingIntervalSeconds",
    "typingMode",
    "parentForkMaxTokens",
    "mainKey",
    "sendPolicy",
    "agentToAgent",
    "threadBindings",
    "maintenance",
  ),
  gateway: {
    ...keys(
      "port",
      "mode",
      "bind",
      "customBindHost",
      "controlUi",
      "auth",
      "trustedProxies",
      "allowRealIpFallback",
      "tools",
      "webchat",
      "channelHealthCheckMinutes",
      "channelStaleEventThresholdMinutes",
      "channelMaxRestartsPerHour",
      "tailscale",
      "remote",
      "reload",
      "tls",
      "push",
      "nodes",
    ),
    http: keys("endpoints", "securityHeaders"),
  },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

function joinPath(prefix: string, key: string | number): string {
  if (typeof key === "number") return `${prefix}[${key}]`;
  if (!SIMPLE_KEY.test(key)) return `${prefix}[${JSON.stringify(key)}]`;
  return prefix === "" ? key : `${prefix}.${key}`;
}

/** The result of {@link stripOriginalGatewayKeys}. */
export interface StrippedConfig {
  /** The config without the ignored keys (a copy; the input is not modified). */
  value: unknown;
  /** Key paths of the ignored keys present in the file, in file order (`channels.telegram`, `agents.list[0].model`). */
  ignored: string[];
}

/**
 * Removes the original gateway's keys that imgate does not use (see {@link ORIGINAL_GATEWAY_KEYS}) and
 * reports their paths. Keys that are not in the tree are left for the schema, which rejects unknown ones.
 */
export function stripOriginalGatewayKeys(
  raw: unknown,
  tree: IgnoredKeyTree = ORIGINAL_GATEWAY_KEYS,
): StrippedConfig {
  const ignored: string[] = [];
  const walk = (value: unknown, node: IgnoredKeyTree, path: string): unknown => {
    if (Array.isArray(value)) {
      const items = node[ARRAY_ITEMS];
      if (items === undefined || items === true) return value;
      return value.map((item, index) => walk(item, items, joinPath(path, index)));
    }
    if (!isRecord(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const rule = Object.hasOwn(node, key) ? node[key] : node[RECORD_VALUES];
      if (rule === true) ignored.push(joinPath(path, key));
      else out[key] = rule === undefined ? child : walk(child, rule, joinPath(path, key));
    }
    return out;
  };
  return { value: walk(raw, tree, ""), ignored };
}
