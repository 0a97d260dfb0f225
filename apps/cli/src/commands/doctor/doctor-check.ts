/** The doctor's report line and how checks build one. */

/** Outcome of one check. */
export type CheckStatus = "ok" | "warn" | "fail";

/** One line of the doctor's report. */
export interface DoctorCheck {
  /** Stable id, e.g. `imsg.rpc` or `account.bot.database`. */
  id: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about it (for `warn` and `fail`). */
  fix?: string;
}

/** Builds one report line; `fix` is left out when not given. */
export function check(id: string, status: CheckStatus, detail: string, fix?: string): DoctorCheck {
  return fix ? { id, status, detail, fix } : { id, status, detail };
}
