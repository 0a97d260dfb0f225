/**
 * What an account runtime sees of its account's lease on a shared database: the token its commits carry and
 * whether it may act. Absent on SQLite (one gateway per state file).
 */
export interface LeaseView {
  /** This gateway's current lease: every group commit carries it, so a deposed holder's batch is refused. */
  current(): { holderId: string; fencingToken: number } | undefined;
  /** Whether this gateway may serve the account right now (checked before every send). */
  serving(): boolean;
}
