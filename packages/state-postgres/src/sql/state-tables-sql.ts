/**
 * Migration 2: channel-core's state tables (its SQLite migrations 1–7) except pairing, in PostgreSQL. Times are
 * `bigint` milliseconds from the gateway's injected clock (as on SQLite, so both stores agree), ids `bigserial`,
 * JSON columns `jsonb`; the unique keys and the partial `outbox_unresolved` index are the same.
 */
export const STATE_TABLES_SQL = `
  CREATE TABLE sessions (
    session_key text PRIMARY KEY,
    session_id text NOT NULL,
    generation integer NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );

  CREATE TABLE history (
    id bigserial PRIMARY KEY,
    session_key text NOT NULL,
    sender text NOT NULL,
    sender_label text,
    text text NOT NULL,
    message_id text NOT NULL,
    timestamp bigint NOT NULL,
    extra jsonb
  );
  CREATE UNIQUE INDEX history_session_message ON history (session_key, message_id);
  CREATE INDEX history_session_id ON history (session_key, id);

  CREATE TABLE inbound_seen (
    account_id text NOT NULL,
    guid text NOT NULL,
    seen_at bigint NOT NULL,
    PRIMARY KEY (account_id, guid)
  );
  CREATE INDEX inbound_seen_at ON inbound_seen (seen_at);

  CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    channel text NOT NULL,
    account_id text NOT NULL,
    chat_key text NOT NULL,
    target text NOT NULL,
    text text NOT NULL,
    media jsonb,
    meta jsonb,
    reaction text,
    reply_to text,
    state text NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'unknown')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    result_id text,
    not_before bigint NOT NULL DEFAULT 0,
    held_reason text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX outbox_chat ON outbox (channel, account_id, chat_key, id);
  CREATE INDEX outbox_state ON outbox (state, id);
  -- The per-chat ordering check ("no earlier queued/sending/unknown entry in this chat") reads only these.
  CREATE INDEX outbox_unresolved ON outbox (channel, account_id, chat_key, id)
    WHERE state IN ('queued', 'sending', 'unknown');

  CREATE TABLE cursors (
    account_id text NOT NULL,
    source text NOT NULL,
    position text NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (account_id, source)
  );

  CREATE TABLE echo_memory (
    id bigserial PRIMARY KEY,
    scope text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('guid', 'text')),
    key text NOT NULL,
    bound text,
    expires_at bigint NOT NULL
  );
  CREATE INDEX echo_memory_lookup ON echo_memory (scope, kind, key);
  CREATE INDEX echo_memory_expiry ON echo_memory (scope, expires_at);

  CREATE TABLE pending_turns (
    account_id text NOT NULL,
    guid text NOT NULL,
    session_key text NOT NULL,
    agent_id text NOT NULL,
    target text NOT NULL,
    envelope jsonb NOT NULL,
    request jsonb NOT NULL,
    meta jsonb,
    state text NOT NULL CHECK (state IN ('pending', 'given_up')),
    arrived_at bigint NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL DEFAULT 0,
    last_error text,
    give_up_reason text,
    given_up_at bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (account_id, guid)
  );
  CREATE INDEX pending_turns_state ON pending_turns (account_id, state, arrived_at);

  CREATE TABLE account_pauses (
    channel text NOT NULL,
    account_id text NOT NULL,
    paused_at bigint NOT NULL,
    reason text,
    PRIMARY KEY (channel, account_id)
  );

  CREATE TABLE send_log (
    id bigserial PRIMARY KEY,
    channel text NOT NULL,
    account_id text NOT NULL,
    contact text NOT NULL,
    new_contact boolean NOT NULL,
    at bigint NOT NULL
  );
  CREATE INDEX send_log_account_at ON send_log (channel, account_id, at);
`;
