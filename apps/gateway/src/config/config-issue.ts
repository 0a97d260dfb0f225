import { formatConfigKeyPath } from "@imgate/channel-core/config-path";
import { suggestKey, unknownKeyMessage } from "@imgate/imessage-channel";
import type { z } from "zod";
import { knownKeysAt } from "./known-keys-at.ts";

/** One problem in a config file, addressed by its key path. */
export interface ConfigIssue {
  /** Dotted key path with array indexes, e.g. `agents.list[0].backend.model` (empty for the root). */
  path: string;
  /** What is wrong, in a few words. */
  message: string;
  /** For an unknown key: the nearest valid key, when one is close. */
  suggestion?: string;
}

/** Formats a zod path as `a.b[0].c`: channel-core's one formatter. */
export { formatConfigKeyPath as formatKeyPath } from "@imgate/channel-core/config-path";

/** Turns zod issues into {@link ConfigIssue}s; unknown keys get one issue each with a "did you mean". */
export function toConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
  raw: unknown,
  pathPrefix: readonly PropertyKey[] = [],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const fullPath = [...pathPrefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, issue.path, raw);
      for (const key of issue.keys) {
        const suggestion = suggestKey(key, known);
        out.push({
          path: formatConfigKeyPath([...fullPath, key]),
          message: unknownKeyMessage({ suggestion, valid: known }),
          ...(suggestion ? { suggestion } : {}),
        });
      }
    } else {
      out.push({ path: formatConfigKeyPath(fullPath), message: issue.message });
    }
  }
  return out;
}

/** Renders issues one per line: `  - agents.list[0].backend.model: Invalid input`. */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => `  - ${issue.path || "(root)"}: ${issue.message}`).join("\n");
}
