import type { Logger } from "./logger.ts";
import { silentLogger } from "./logger.ts";

/** Where mention patterns come from, for one agent (behaviour reference §7). */
export interface MentionPatternSources {
  /** `agents.list[<agentId>].groupChat.mentionPatterns`; wins when present, even when empty. */
  agentPatterns?: readonly string[];
  /** `messages.groupChat.mentionPatterns`; used when the agent has none configured. */
  globalPatterns?: readonly string[];
  /** `agents.list[<agentId>].identity`; patterns are derived from it when neither list is configured. */
  identity?: { name?: string; emoji?: string };
}

/**
 * Picks the mention patterns for an agent: the agent's own list if configured, else the global list
 * if configured, else patterns derived from the identity (`Molty Bot` → `\b@?Molty\s+Bot\b`; the emoji
 * escaped). The result may be empty, which turns mention gating off.
 */
export function resolveMentionPatterns(sources: MentionPatternSources): string[] {
  if (sources.agentPatterns) return [...sources.agentPatterns];
  if (sources.globalPatterns) return [...sources.globalPatterns];
  const derived: string[] = [];
  const words = sources.identity?.name?.trim().split(/\s+/).filter(Boolean) ?? [];
  if (words.length > 0) {
    const body = words.map(escapeRegExp).join("\\s+");
    const first = words[0] as string;
    const last = words.at(-1) as string;
    // `\b` only makes sense next to a word character; names like "R2-D2!" would never match otherwise.
    const start = /^\w/.test(first) ? "\\b@?" : "@?";
    const end = /\w$/.test(last) ? "\\b" : "";
    derived.push(`${start}${body}${end}`);
  }
  const emoji = sources.identity?.emoji?.trim();
  if (emoji) derived.push(escapeRegExp(emoji));
  return derived;
}

/** Zero-width and bidi control characters that could hide or fake a mention. */
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF\u061C]/g;

/** Removes zero-width and bidi control characters (U+200B–U+200F, U+202A–U+202E, U+2060–U+206F, U+FEFF, U+061C). */
export function stripInvisibleCharacters(text: string): string {
  return text.replace(INVISIBLE, "");
}

/** Compiled mention patterns for one agent. */
export interface MentionMatcher {
  /** True when at least one valid pattern exists; without one, mention gating is skipped. */
  readonly canDetect: boolean;
  /** Whether `text` (after removing invisible characters) mentions the agent. */
  matches(text: string): boolean;
}

/** Compiles mention patterns, caching them and warning once per invalid pattern. */
export interface MentionPatternCompiler {
  compile(patterns: readonly string[]): MentionMatcher;
}

/** Options of {@link createMentionPatternCompiler}. */
export interface MentionPatternCompilerOptions {
  /** Receives one warning per invalid pattern (the first time it is seen). */
  logger?: Logger;
}

/**
 * Creates a {@link MentionPatternCompiler}. Patterns are case-insensitive regular expressions; a
 * backspace character (`\u0008`, a JSON-escaping slip for `\b`) is read as `\b`; invalid ones are skipped.
 */
export function createMentionPatternCompiler(
  options: MentionPatternCompilerOptions = {},
): MentionPatternCompiler {
  const logger = options.logger ?? silentLogger;
  const cache = new Map<string, RegExp | null>();
  const compileOne = (pattern: string): RegExp | null => {
    const cached = cache.get(pattern);
    if (cached !== undefined) return cached;
    let compiled: RegExp | null;
    try {
      compiled = new RegExp(pattern.replaceAll("\u0008", "\\b"), "i");
    } catch (cause) {
      compiled = null;
      logger.warn(
        { pattern, error: cause instanceof Error ? cause.message : String(cause) },
        "invalid mention pattern skipped; fix it in groupChat.mentionPatterns (it is a regular expression)",
      );
    }
    cache.set(pattern, compiled);
    return compiled;
  };
  return {
    compile(patterns) {
      const regexes = patterns
        .filter((p) => p.trim() !== "")
        .map(compileOne)
        .filter((r) => r !== null);
      return {
        canDetect: regexes.length > 0,
        matches(text) {
          const cleaned = stripInvisibleCharacters(text).toLowerCase();
          return regexes.some((regex) => regex.test(cleaned));
        },
      };
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
