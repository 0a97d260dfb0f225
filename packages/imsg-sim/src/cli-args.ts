import { parseArgs } from "node:util";
import { SimError } from "./sim-error.ts";

/** Option table of one command, in `node:util` parseArgs form. */
export type OptionTable = Record<string, { type: "string" | "boolean"; short?: string }>;

/** Runtime flags every imsg command accepts (§1): `--json`, `-v/--verbose`, `--log-level`, `--db`, `-h/--help`. */
export const RUNTIME_OPTIONS: OptionTable = {
  json: { type: "boolean" },
  "json-output": { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  "log-level": { type: "string" },
  db: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** Parsed flags of one command. */
export type ParsedFlags = Record<string, string | boolean | undefined>;

/** Parses a command's argv; an unknown flag or a missing value is a SimError `SIM_USAGE`. */
export function parseCommandArgs(
  args: string[],
  options: OptionTable,
): { flags: ParsedFlags; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args,
      options: { ...RUNTIME_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { flags: parsed.values as ParsedFlags, positionals: parsed.positionals };
  } catch (cause) {
    throw new SimError("SIM_USAGE", `${(cause as Error).message} (see --help)`, { cause });
  }
}

/** Removes the stand-in's own global flags (`--compat X`, `--compat=X`, `--sim-fda`, `--sim-bridge`) from argv. */
export function extractSimFlags(argv: string[]): {
  args: string[];
  compat?: string;
  fda?: boolean;
  bridge?: boolean;
} {
  const args: string[] = [];
  let compat: string | undefined;
  let fda: boolean | undefined;
  let bridge: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--compat") {
      compat = argv[i + 1];
      i += 1;
    } else if (arg.startsWith("--compat=")) {
      compat = arg.slice("--compat=".length);
    } else if (arg === "--sim-fda") {
      fda = true;
    } else if (arg === "--sim-bridge") {
      bridge = true;
    } else {
      args.push(arg);
    }
  }
  return { args, compat, fda, bridge };
}

/** Reads an integer flag; throws SIM_USAGE naming the flag when it is not one. */
export function intFlag(flags: ParsedFlags, name: string): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) {
    throw new SimError("SIM_USAGE", `--${name} must be an integer, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}
