/** JSON Schema of `channels.imessage`, for editors and `imgate config schema`. */
import { z } from "zod";
import { imessageSectionSchema } from "./config-schema.ts";

/** The JSON Schema (draft 2020-12) of the `channels.imessage` section, with a description on every key. */
export function imessageConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(imessageSectionSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
}
