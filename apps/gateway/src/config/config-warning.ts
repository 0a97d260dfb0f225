/** Something in a valid config file that imgate accepts but that its owner should know about. */
export interface ConfigWarning {
  /**
   * Stable kind: `original-gateway-key` = a key of the original gateway's config that imgate ignores (`path`
   * names it); `echo-agent-default` = the file has no `agents` section, so the built-in echo agent answers.
   */
  code: "original-gateway-key" | "echo-agent-default";
  /** Dotted key path with array indexes, e.g. `agents.list[0].model`. */
  path: string;
}

/**
 * The warning lines printed (by the gateway at start, `imgate config validate` and `imgate doctor`): ONE line
 * naming every ignored key of the original gateway's config, and one for the echo-agent default.
 */
export function formatConfigWarnings(warnings: readonly ConfigWarning[]): string[] {
  const lines: string[] = [];
  const paths = warnings.filter((warning) => warning.code === "original-gateway-key").map((w) => w.path);
  if (paths.length > 0) {
    const count = paths.length === 1 ? "1 key" : `${paths.length} keys`;
    lines.push(
      `${count} of the original gateway's config ${paths.length === 1 ? "is" : "are"} not used by imgate and ignored: ${paths.join(", ")}`,
    );
  }
  if (warnings.some((warning) => warning.code === "echo-agent-default")) {
    lines.push(
      'no agents configured: the built-in echo agent answers every allowed message; add agents.list with a backend (e.g. { id: "main", backend: { type: "openai", model: "…" } })',
    );
  }
  return lines;
}
