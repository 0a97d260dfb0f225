import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** One row of the gateway's outbox (`<stateDir>/state.db`). */
export interface OutboxRow {
  id: number;
  target: string;
  text: string;
  state: string;
  attempts: number;
}

/** The gateway's outbox in id order (read-only; safe while the gateway runs: WAL). */
export function outboxRows(stateDir: string): OutboxRow[] {
  const db = new DatabaseSync(join(stateDir, "state.db"), { readOnly: true, timeout: 5_000 });
  try {
    return db
      .prepare("SELECT id, target, text, state, attempts FROM outbox ORDER BY id")
      .all() as unknown as OutboxRow[];
  } finally {
    db.close();
  }
}
