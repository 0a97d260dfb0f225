import { randomUUID } from "node:crypto";
import type { StateStore } from "./state-store.ts";

/** What the store knows about one session key. */
export interface SessionMeta {
  sessionKey: string;
  /** Id of the current conversation; a new one after `/reset`. */
  sessionId: string;
  /** 0 for the first conversation under this key, +1 per reset. */
  generation: number;
  createdAt: number;
  /** Last inbound or outbound activity (ms). */
  updatedAt: number;
}

/** Session metadata (session key → current session id, generation, last activity). */
export interface SessionStore {
  /** Records activity on `sessionKey` now, creating the session when new; returns it. */
  touchSession(sessionKey: string): SessionMeta;
  /**
   * Starts a new conversation under `sessionKey` (`/reset`): a fresh `sessionId`, `generation` + 1, and
   * the key's stored history cleared, all in one transaction.
   */
  resetSession(sessionKey: string): SessionMeta;
  getSession(sessionKey: string): SessionMeta | undefined;
}

interface SessionRow {
  session_key: string;
  session_id: string;
  generation: number;
  created_at: number;
  updated_at: number;
}

const toMeta = (row: SessionRow): SessionMeta => ({
  sessionKey: row.session_key,
  sessionId: row.session_id,
  generation: row.generation,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Creates the {@link SessionStore}; `generateId` defaults to `crypto.randomUUID`. */
export function createSessionStore(
  store: StateStore,
  options: { generateId?: () => string } = {},
): SessionStore {
  const generateId = options.generateId ?? randomUUID;
  const sql = (text: string) => store.statement(text);
  const get = (sessionKey: string) => {
    const row = sql("SELECT * FROM sessions WHERE session_key = ?").get(sessionKey);
    return row ? toMeta(row as unknown as SessionRow) : undefined;
  };
  return {
    touchSession(sessionKey) {
      // One upsert that returns the row: atomic on its own.
      return store.read(() => {
        const now = store.clock.now();
        const row = sql(
          `INSERT INTO sessions (session_key, session_id, generation, created_at, updated_at) VALUES (?, ?, 0, ?, ?)
           ON CONFLICT (session_key) DO UPDATE SET updated_at = excluded.updated_at RETURNING *`,
        ).get(sessionKey, generateId(), now, now);
        return toMeta(row as unknown as SessionRow);
      });
    },
    resetSession(sessionKey) {
      return store.transaction(() => {
        const now = store.clock.now();
        sql(
          `INSERT INTO sessions (session_key, session_id, generation, created_at, updated_at) VALUES (?, ?, 0, ?, ?)
           ON CONFLICT (session_key) DO UPDATE SET session_id = excluded.session_id,
             generation = generation + 1, updated_at = excluded.updated_at`,
        ).run(sessionKey, generateId(), now, now);
        sql("DELETE FROM history WHERE session_key = ?").run(sessionKey);
        return get(sessionKey)!;
      });
    },
    getSession(sessionKey) {
      return store.read(() => get(sessionKey));
    },
  };
}
