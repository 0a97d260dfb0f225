import { writeFileSync } from "node:fs";

/** Options of {@link writeConfigFile}. */
export interface WriteConfigOptions {
  /** Comment lines written at the top of the file (`// …`). */
  header?: readonly string[];
  /** Comments placed on the line above a key, by dotted path (`"channels.imessage.dmPolicy"`). */
  comments?: Readonly<Record<string, string>>;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function render(value: unknown, path: string, indent: string, comments: Record<string, string>): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = `${indent}  `;
    return `[\n${value.map((item, i) => `${inner}${render(item, `${path}.${i}`, inner, comments)},`).join("\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    const inner = `${indent}  `;
    const lines = entries.map(([key, v]) => {
      const keyPath = path ? `${path}.${key}` : key;
      const comment = comments[keyPath] !== undefined ? `${inner}// ${comments[keyPath]}\n` : "";
      const name = IDENTIFIER.test(key) ? key : JSON.stringify(key);
      return `${comment}${inner}${name}: ${render(v, keyPath, inner, comments)},`;
    });
    return `{\n${lines.join("\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/**
 * Renders `config` as JSON5 (unquoted keys, trailing commas, `//` comments) — the shape a person writes, so
 * tests can check that config writes keep comments.
 */
export function renderConfig(config: object, options: WriteConfigOptions = {}): string {
  const header = (options.header ?? []).map((line) => `// ${line}\n`).join("");
  return `${header}${render(config, "", "", { ...options.comments })}\n`;
}

/** Writes {@link renderConfig}'s output to `path` (mode 0600) and returns `path`. */
export function writeConfigFile(path: string, config: object, options: WriteConfigOptions = {}): string {
  writeFileSync(path, renderConfig(config, options), { mode: 0o600 });
  return path;
}
