import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { check, type DoctorCheck } from "./doctor-check.ts";

/** `state.db` readable by others: the gateway tightens it to 0600 when it opens it, so only a warning. */
export function checkStateDb(stateDir: string): DoctorCheck[] {
  const db = join(stateDir, "state.db");
  if (!existsSync(db)) return [];
  const dbMode = statSync(db).mode & 0o777;
  if ((dbMode & 0o077) === 0) return [];
  return [
    check(
      "stateDb",
      "warn",
      `${db} is readable by others (mode ${dbMode.toString(8).padStart(4, "0")}); the gateway sets it to 0600 when it starts`,
      `Run \`chmod 600 ${db}\` (or just start the gateway).`,
    ),
  ];
}
