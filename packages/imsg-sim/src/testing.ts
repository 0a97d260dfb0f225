/**
 * Helpers for other packages' tests: where the stand-in's executables are, an empty chat.db, and direct
 * inserts through the same code path as `imsg-sim inject`.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openChatDb } from "./chat-db.ts";

const packageRoot = join(fileURLToPath(new URL(".", import.meta.url)), "..");

/** Absolute path of `bin/imsg` (use it as a gateway's `cliPath`). */
export const IMSG_BIN: string = join(packageRoot, "bin", "imsg");

/** Absolute path of `bin/imsg-sim` (`inject`, `seed`). */
export const IMSG_SIM_BIN: string = join(packageRoot, "bin", "imsg-sim");

/** Creates an empty chat.db-schema database `chat.db` in `dir` (WAL) and returns its path. */
export function createSimDb(dir: string): string {
  const path = join(dir, "chat.db");
  openChatDb(path).close();
  return path;
}

export type { BridgeCall } from "./bridge-journal.ts";
export { readBridgeCalls } from "./bridge-journal.ts";
export { freePort } from "./free-port.ts";
export type { InjectedMessage, InjectMessageOptions } from "./inject-message.ts";
export { injectMessage, joinInjectedMessage } from "./inject-message.ts";
export type { SeedOptions, SeedResult } from "./seed-history.ts";
export { seedHistory } from "./seed-history.ts";
export type { TapbackKind } from "./tapback-kinds.ts";
export { tapbackText } from "./tapback-kinds.ts";
export { waitFor } from "./wait-for.ts";
