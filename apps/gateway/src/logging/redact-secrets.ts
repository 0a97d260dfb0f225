import { REDACTED } from "@imgate/channel-core";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A function that removes secrets from an already-serialised log line: the literal secret values given
 * (and their JSON-escaped forms), and any `Bearer <credential>`. Values shorter than 4 characters are
 * ignored, since scrubbing them would mangle ordinary text.
 */
export function createSecretScrubber(secrets: readonly string[]): (line: string) => string {
  const literals = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    literals.add(secret);
    literals.add(JSON.stringify(secret).slice(1, -1));
  }
  const parts = [...literals].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const literalPattern = parts.length > 0 ? new RegExp(parts.join("|"), "g") : undefined;
  const bearerPattern = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
  return (line) => {
    let out = literalPattern ? line.replace(literalPattern, REDACTED) : line;
    out = out.replace(bearerPattern, `$1${REDACTED}`);
    return out;
  };
}
