import { rm } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Logger, OutboxEntry } from "@imgate/channel-core";

/** Where the inline files of the reply to inbound message `guid` are written. */
export function replyStagingDir(stateDir: string, accountId: string, guid: string): string {
  return join(stateDir, "outbound", accountId, guid.replace(/[^\w.-]/g, "_"));
}

/**
 * Removes the staged copy of a sent entry's inline files (`<stateDir>/outbound/…/<n>/<name>`, see
 * {@link replyStagingDir}); files outside that folder are the agent's own and stay. Best effort: a failure is
 * logged at debug (the copy is 0600 under the state dir).
 */
export async function removeStagedFiles(entry: OutboxEntry, stateDir: string, logger: Logger): Promise<void> {
  const root = join(stateDir, "outbound");
  for (const path of entry.media ?? []) {
    const inside = relative(root, path);
    if (inside === "" || inside.startsWith("..") || inside.startsWith(sep)) continue;
    await rm(dirname(path), { recursive: true, force: true }).catch((error: unknown) =>
      logger.debug({ err: error, path }, "could not remove a staged reply file"),
    );
  }
}
