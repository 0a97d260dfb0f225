import type { z } from "zod";

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  in?: z.ZodType;
  values?: unknown[];
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** Strips optional/default/nullable/pipe wrappers; picks the union member that fits `value`. */
function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 20; depth += 1) {
    const def = defOf(current);
    if (def.innerType) {
      current = def.innerType;
    } else if (def.type === "pipe" && def.in) {
      current = def.in;
    } else if (def.type === "union" && def.options) {
      const options = def.options;
      const discriminator = def.discriminator;
      const tag = discriminator && isRecord(value) ? value[discriminator] : undefined;
      const chosen =
        options.find((option) => {
          const shape = defOf(option).shape;
          const literal = discriminator && shape?.[discriminator] ? defOf(shape[discriminator]) : undefined;
          return literal?.values?.includes(tag) ?? false;
        }) ?? options.find((option) => defOf(option).type === "object");
      if (!chosen) return current;
      current = chosen;
    } else {
      return current;
    }
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The keys an object schema accepts at `path` inside `root`, using the raw `value` to choose between
 * union members (e.g. the agent backend `type`). Empty when the path does not lead to an object schema.
 */
export function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[], value: unknown): string[] {
  let schema = unwrap(root, value);
  let current: unknown = value;
  for (const segment of path) {
    const def = defOf(schema);
    const next: unknown =
      isRecord(current) || Array.isArray(current)
        ? (current as Record<PropertyKey, unknown>)[segment]
        : undefined;
    let child: z.ZodType | undefined;
    if (def.type === "object" && typeof segment === "string") child = def.shape?.[segment];
    else if (def.type === "record") child = def.valueType;
    else if (def.type === "array") child = def.element;
    if (!child) return [];
    schema = unwrap(child, next);
    current = next;
  }
  const shape = defOf(schema).shape;
  return shape ? Object.keys(shape) : [];
}
