/**
 * Migration 4: channel-core's pairing tables (its SQLite migrations 1 and 5) in PostgreSQL, for
 * `createPostgresPairing`. Times are `bigint` milliseconds from the gateway's injected clock, as on SQLite; the
 * keys are the same (one request, approval and decision per channel and sender; a code unique per channel).
 */
export const PAIRING_TABLES_SQL = `
  CREATE TABLE pairing_requests (
    channel text NOT NULL,
    sender text NOT NULL,
    code text NOT NULL,
    created_at bigint NOT NULL,
    last_seen_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    meta jsonb,
    PRIMARY KEY (channel, sender)
  );
  CREATE UNIQUE INDEX pairing_requests_code ON pairing_requests (channel, code);
  CREATE INDEX pairing_requests_expires_at ON pairing_requests (expires_at);

  -- Senders approved for direct messages (channel-core's SQLite table is approved_senders).
  CREATE TABLE pairing_approved (
    channel text NOT NULL,
    sender text NOT NULL,
    approved_at bigint NOT NULL,
    PRIMARY KEY (channel, sender)
  );

  -- The owner's last decision per sender: a rejected sender's cooldown, an approved code recognised again.
  CREATE TABLE pairing_decisions (
    channel text NOT NULL,
    sender text NOT NULL,
    code text NOT NULL,
    decision text NOT NULL CHECK (decision IN ('approved', 'rejected')),
    decided_at bigint NOT NULL,
    until bigint NOT NULL,
    PRIMARY KEY (channel, sender)
  );
  CREATE INDEX pairing_decisions_until ON pairing_decisions (until);

  -- Pairing replies sent and wrong codes tried, for the hourly reply cap and the per-minute wrong-code limit.
  -- Loaded by time (every kind at once), so indexed by time.
  CREATE TABLE pairing_events (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('reply', 'approve_failed')),
    channel text NOT NULL,
    at bigint NOT NULL
  );
  CREATE INDEX pairing_events_at ON pairing_events (at);
`;
