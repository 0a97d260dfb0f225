import { z } from "zod";
import { invalidParams } from "./rpc-error.ts";
import type { CompatMode } from "./sim-options.ts";

/** The value kinds imsg method parameters have. */
export type ParamKind = "int" | "bool" | "string" | "strings" | "any";

/** Documented keys of one method and their documented aliases (alias → canonical key). */
export interface ParamSpec {
  fields: Readonly<Record<string, ParamKind>>;
  aliases?: Readonly<Record<string, string>>;
}

const KIND_NAMES: Record<ParamKind, string> = {
  int: "an integer",
  bool: "a boolean",
  string: "a string",
  strings: "an array of strings",
  any: "a value",
};

const ZOD_KINDS: Record<ParamKind, z.ZodType> = {
  int: z.int(),
  bool: z.boolean(),
  string: z.string(),
  strings: z.array(z.string()),
  any: z.unknown(),
};

const strictSchemas = new WeakMap<ParamSpec, z.ZodType<Record<string, unknown>>>();

function strictSchemaFor(spec: ParamSpec): z.ZodType<Record<string, unknown>> {
  let schema = strictSchemas.get(spec);
  if (!schema) {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, kind] of Object.entries(spec.fields)) shape[key] = ZOD_KINDS[kind].optional();
    for (const [alias, key] of Object.entries(spec.aliases ?? {})) {
      shape[alias] = ZOD_KINDS[spec.fields[key] ?? "any"].optional();
    }
    schema = z.strictObject(shape) as unknown as z.ZodType<Record<string, unknown>>;
    strictSchemas.set(spec, schema);
  }
  return schema;
}

/** 0.9.0 coercion (§2.2): numbers or numeric strings; undefined when not coercible (treated as absent). */
function lenientInt(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

function lenientBool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

function lenientString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function lenientStrings(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(lenientString).filter((v): v is string => v !== undefined);
  if (typeof value === "string") {
    return value
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
  }
  return undefined;
}

const LENIENT: Record<ParamKind, (value: unknown) => unknown> = {
  int: lenientInt,
  bool: lenientBool,
  string: lenientString,
  strings: lenientStrings,
  any: (value) => value,
};

/** Validated method parameters with typed accessors (absent keys read as undefined). */
export class Params {
  readonly #values: Record<string, unknown>;

  constructor(values: Record<string, unknown>) {
    this.#values = values;
  }

  /** True when the key was given (after alias folding). */
  has(key: string): boolean {
    return this.#values[key] !== undefined;
  }
  /** Integer parameter. */
  int(key: string): number | undefined {
    return this.#values[key] as number | undefined;
  }
  /** Boolean parameter. */
  bool(key: string): boolean | undefined {
    return this.#values[key] as boolean | undefined;
  }
  /** String parameter. */
  str(key: string): string | undefined {
    return this.#values[key] as string | undefined;
  }
  /** String-array parameter. */
  strings(key: string): string[] | undefined {
    return this.#values[key] as string[] | undefined;
  }
}

function describeIssue(issue: z.core.$ZodIssue, spec: ParamSpec): string {
  if (issue.code === "unrecognized_keys") return `unknown parameter: ${issue.keys.join(", ")}`;
  const key = String(issue.path[0] ?? "params");
  const canonical = spec.aliases?.[key] ?? key;
  const kind = spec.fields[canonical] ?? "any";
  return `${key} must be ${KIND_NAMES[kind]}`;
}

/**
 * Reads a method's params the way the chosen imsg generation does: 0.9 coerces (§2.2) and ignores unknown keys;
 * 0.15 rejects unknown keys and wrong types with -32602 and folds only documented aliases (§2.9).
 */
export function readParams(spec: ParamSpec, raw: Record<string, unknown>, mode: CompatMode): Params {
  const values: Record<string, unknown> = {};
  if (mode === "0.15") {
    const parsed = strictSchemaFor(spec).safeParse(raw);
    if (!parsed.success) throw invalidParams(describeIssue(parsed.error.issues[0] as z.core.$ZodIssue, spec));
    for (const [key, value] of Object.entries(parsed.data)) {
      const canonical = spec.aliases?.[key] ?? key;
      if (value !== undefined && values[canonical] === undefined) values[canonical] = value;
    }
    return new Params(values);
  }
  for (const [key, value] of Object.entries(raw)) {
    const canonical = spec.aliases?.[key] ?? key;
    const kind = spec.fields[canonical];
    if (!kind || values[canonical] !== undefined) continue;
    const coerced = LENIENT[kind](value);
    if (coerced !== undefined) values[canonical] = coerced;
  }
  return new Params(values);
}
