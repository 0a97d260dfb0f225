import { stripInvisibleCharacters } from "./mention-gate.ts";

/** The control commands a channel recognises (names without the leading slash). */
export interface CommandRegistry {
  readonly commands: readonly string[];
}

/** The chat commands channel-core implements (§13): `/config`, `/status`, `/reset`, `/help`. */
export const DEFAULT_COMMAND_REGISTRY: CommandRegistry = {
  commands: ["config", "status", "reset", "help"],
};

/**
 * Whether `text` is a control command of `registry`: after trimming (and removing invisible
 * characters) it starts with `/<name>` followed by whitespace or the end; case-insensitive.
 */
export function hasControlCommand(
  text: string,
  registry: CommandRegistry = DEFAULT_COMMAND_REGISTRY,
): boolean {
  const match = /^\/([A-Za-z][\w-]*)(?:\s|$)/.exec(stripInvisibleCharacters(text).trim());
  const name = match?.[1]?.toLowerCase();
  return name !== undefined && registry.commands.some((command) => command.toLowerCase() === name);
}
