import { readFile } from "node:fs/promises";
import { isDeepStrictEqual } from "node:util";
import type { ConfigAccessor, ConfigWriteResult, JsonObject, JsonValue } from "@imgate/channel-core";
import { GatewayErrorCode } from "../errors/gateway-error.ts";
import { ConfigError } from "./config-error.ts";
import {
  Json5EditError,
  Json5SyntaxError,
  type PathSegment,
  parseJson5,
  setJson5Value,
  unsetJson5Value,
} from "./json5-document.ts";
import { validateGatewayConfig } from "./parse-gateway-config.ts";
import { writeFileAtomically } from "./write-file-atomically.ts";

/** The one change a `/config set|unset` makes, as channel-core parsed it (path keys as strings). */
export type ConfigFileEdit =
  | { action: "set"; segments: readonly string[]; value: JsonValue }
  | { action: "unset"; segments: readonly string[] };

/**
 * A {@link ConfigAccessor} over the config file at `path` for one `/config` command. `read()` parses the
 * file; `write(next)` makes `edit` in the file's text with the JSON5 editor (comments, order and layout
 * elsewhere survive), checks that the edited text means exactly `next`, validates the WHOLE result with
 * the gateway's validator (an invalid result is refused with the first issue's key path and message),
 * and replaces the file atomically with the same mode. The running gateway's config watcher then applies
 * it. Callers serialise commands (one read–write at a time).
 * @throws {ConfigError} from `read()`/`write()`: `CONFIG_NOT_FOUND`, `CONFIG_SYNTAX` or `CONFIG_WRITE`.
 */
export function createConfigFileAccessor(path: string, edit?: ConfigFileEdit): ConfigAccessor {
  let textSeen: string | undefined;

  const loadFile = async (): Promise<{ text: string; value: JsonObject }> => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new ConfigError(
        GatewayErrorCode.ConfigNotFound,
        `Cannot read the config file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); check that it exists and is readable.`,
        { source: path, cause: error },
      );
    }
    let value: unknown;
    try {
      value = text.trim() === "" ? {} : parseJson5(text);
    } catch (error) {
      if (!(error instanceof Json5SyntaxError)) throw error;
      throw new ConfigError(
        GatewayErrorCode.ConfigSyntax,
        `The config file ${path} is not valid JSON5 (${error.message}); fix it on the host.`,
        { source: path, cause: error },
      );
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new ConfigError(
        GatewayErrorCode.ConfigSyntax,
        `The config file ${path} does not hold an object; fix it on the host.`,
        { source: path },
      );
    }
    return { text, value: value as JsonObject };
  };

  return {
    async read() {
      const { text, value } = await loadFile();
      textSeen = text;
      return value;
    },
    async write(next): Promise<ConfigWriteResult> {
      if (!edit) return { ok: false, message: "this command does not change the config" };
      const { text, value } = await loadFile();
      if (textSeen !== undefined && text !== textSeen) {
        return { ok: false, message: "the config file changed while the command ran; send it again" };
      }
      let edited: string;
      try {
        const at = editorPath(value, edit.segments);
        edited = edit.action === "set" ? setJson5Value(text, at, edit.value) : unsetJson5Value(text, at).text;
      } catch (error) {
        if (error instanceof Json5EditError) return { ok: false, message: error.message };
        throw error;
      }
      // The editor and channel-core's setter must agree; if they ever do not, nothing is written.
      if (!isDeepStrictEqual(parseJson5(edited), next)) {
        return {
          ok: false,
          message: "the file could not be edited in place; change it on the host with `imgate config set`",
        };
      }
      const validation = validateGatewayConfig(next);
      if (!validation.ok) {
        const [first, ...rest] = validation.issues;
        return {
          ok: false,
          ...(first?.path ? { path: first.path } : {}),
          message: `${first?.message ?? "invalid"}${rest.length > 0 ? ` (and ${rest.length} more)` : ""}`,
        };
      }
      try {
        await writeFileAtomically(path, edited);
      } catch (error) {
        throw new ConfigError(
          GatewayErrorCode.ConfigWrite,
          `Cannot write the config file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the folder's permissions.`,
          { source: path, cause: error },
        );
      }
      return { ok: true };
    },
  };
}

/** channel-core keys are strings; the editor wants numbers where the existing container is a list. */
function editorPath(root: JsonValue, segments: readonly string[]): PathSegment[] {
  let current: JsonValue | undefined = root;
  return segments.map((key) => {
    const list = Array.isArray(current) && /^\d+$/.test(key);
    if (list) current = (current as JsonValue[])[Number(key)];
    else if (current !== null && typeof current === "object" && !Array.isArray(current))
      current = Object.hasOwn(current, key) ? current[key] : undefined;
    else current = undefined;
    return list ? Number(key) : key;
  });
}
