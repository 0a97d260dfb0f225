/**
 * A JSON5 text that can be read and edited in place: `imgate config set`/`unset` and the `/config` chat
 * command splice only the changed value, so comments, key order, quoting and layout elsewhere in the file
 * survive. The `json5` package (used to load the config) cannot say where a value sits in the text, so
 * this is a small parser that records positions.
 */

import type { PathSegment } from "./parse-json5-tree.ts";

/** Parses a dotted config path: channel-core's one parser (`parseConfigKeyPath`), under its gateway name. */
/** Formats path segments back into the dotted form: channel-core's one formatter (`formatConfigKeyPath`). */
export {
  formatConfigKeyPath as formatJson5KeyPath,
  parseConfigKeyPath as parseKeyPath,
} from "@imgate/channel-core/config-path";
export type { Json5Node, PathSegment } from "./parse-json5-tree.ts";
export { Json5SyntaxError, nodeToValue, parseJson5, parseJson5Tree } from "./parse-json5-tree.ts";
export { Json5EditError, setJson5Value, unsetJson5Value } from "./set-json5-value.ts";
export { stringifyJson5 } from "./stringify-json5.ts";

/** Reads the value at `path` from a plain value; `found: false` when any segment is missing. */
export function getAtPath(root: unknown, path: readonly PathSegment[]): { found: boolean; value?: unknown } {
  let current: unknown = root;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number" && segment < current.length) {
      current = current[segment];
    } else if (
      current !== null &&
      typeof current === "object" &&
      !Array.isArray(current) &&
      Object.hasOwn(current, String(segment))
    ) {
      current = (current as Record<string, unknown>)[String(segment)];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}
