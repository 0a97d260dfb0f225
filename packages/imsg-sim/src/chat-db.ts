import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { CHAT_DB_SCHEMA } from "./chat-db-schema.ts";
import { expandHome } from "./home-path.ts";
import { SimError } from "./sim-error.ts";

/** How to open a chat.db-shaped file. */
export interface OpenChatDbOptions {
  /** Create the file (and its folder) with the §5.4 schema when it is missing. Default true. */
  create?: boolean;
}

/**
 * Opens (and when missing, creates) a chat.db-shaped SQLite file in WAL mode with a 5 s busy timeout,
 * so several stand-in processes and `inject` can share it. Throws SimError `SIM_DB_UNAVAILABLE`.
 */
export function openChatDb(path: string, options: OpenChatDbOptions = {}): DatabaseSync {
  const file = expandHome(path);
  const exists = existsSync(file);
  if (!exists && options.create === false) {
    throw new SimError("SIM_DB_UNAVAILABLE", `unable to open database file: ${file} does not exist`);
  }
  let db: DatabaseSync;
  try {
    if (!exists) mkdirSync(dirname(file), { recursive: true });
    db = new DatabaseSync(file, { timeout: 5000 });
  } catch (cause) {
    throw new SimError("SIM_DB_UNAVAILABLE", `unable to open database file ${file}: ${String(cause)}`, {
      cause,
    });
  }
  try {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(CHAT_DB_SCHEMA);
  } catch (cause) {
    const hasSchema = db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='message'").get();
    if (!hasSchema) {
      db.close();
      throw new SimError("SIM_DB_UNAVAILABLE", `cannot open ${file} as a chat.db: ${String(cause)}`, {
        cause,
      });
    }
  }
  return db;
}
