import { z } from "zod";
import { suggestKey, unknownKeyMessage } from "./suggest-key.ts";

/**
 * A strict object whose unknown-key error names the nearest valid key, so a gateway that embeds this
 * schema in its own gets the suggestion in the zod issue message too.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const valid = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== "unrecognized_keys") return undefined;
      return issue.keys
        .map((key) => `${key}: ${unknownKeyMessage({ suggestion: suggestKey(key, valid), valid })}`)
        .join("; ");
    },
  });
}
