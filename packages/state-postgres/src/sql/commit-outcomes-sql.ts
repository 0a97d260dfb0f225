/**
 * Migration 3: the state writes as PL/pgSQL functions. `imgate_commit_outcomes(batch)` applies a whole group
 * commit (channel-core's `OutcomeBatch`) in ONE statement, so one round trip; the per-op helpers it calls are
 * the same ones the backend's single methods call, so both paths write alike. Times come in from the gateway's
 * injected clock (`now`, ms), as on SQLite; only the lease expiry is judged by the database's `now()`.
 */
export const COMMIT_OUTCOMES_SQL = `
  -- JSON numbers (times in ms, counts) are cast through numeric so a fractional one is rounded, not a failure.
  -- Error texts are stored short (the full upstream body belongs in the log): as channel-core's pending turns.
  CREATE FUNCTION imgate_clip(p_text text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN length(p_text) > 500 THEN left(p_text, 500) || '…' ELSE p_text END
  $fn$;

  -- Sets a message's dedupe mark (or revives an expired one); true when it was not set: the message is new.
  CREATE FUNCTION imgate_first_seen(p_account text, p_guid text, p_now bigint, p_ttl bigint)
  RETURNS boolean LANGUAGE plpgsql AS $fn$
  DECLARE n integer;
  BEGIN
    INSERT INTO inbound_seen (account_id, guid, seen_at) VALUES (p_account, p_guid, p_now)
    ON CONFLICT (account_id, guid) DO UPDATE SET seen_at = excluded.seen_at
      WHERE inbound_seen.seen_at <= p_now - p_ttl;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
  END $fn$;

  CREATE FUNCTION imgate_touch_session(p_key text, p_new_id text, p_now bigint)
  RETURNS sessions LANGUAGE sql AS $fn$
    INSERT INTO sessions (session_key, session_id, generation, created_at, updated_at)
    VALUES (p_key, p_new_id, 0, p_now, p_now)
    ON CONFLICT (session_key) DO UPDATE SET updated_at = excluded.updated_at
    RETURNING *
  $fn$;

  -- A new conversation under the key: fresh id, generation + 1, its history cleared.
  CREATE FUNCTION imgate_reset_session(p_key text, p_new_id text, p_now bigint)
  RETURNS sessions LANGUAGE plpgsql AS $fn$
  DECLARE v_row sessions;
  BEGIN
    INSERT INTO sessions (session_key, session_id, generation, created_at, updated_at)
    VALUES (p_key, p_new_id, 0, p_now, p_now)
    ON CONFLICT (session_key) DO UPDATE SET session_id = excluded.session_id,
      generation = sessions.generation + 1, updated_at = excluded.updated_at
    RETURNING * INTO v_row;
    DELETE FROM history WHERE session_key = p_key;
    RETURN v_row;
  END $fn$;

  -- Appends a history entry (a message id already in the session is not added twice) and keeps the newest
  -- p_limit; a limit of 0 or less records nothing. True when the entry was stored.
  CREATE FUNCTION imgate_append_history(p_key text, p_entry jsonb, p_limit double precision)
  RETURNS boolean LANGUAGE plpgsql AS $fn$
  DECLARE n integer;
  BEGIN
    IF p_limit IS NULL OR NOT (p_limit > 0) THEN RETURN false; END IF;
    INSERT INTO history (session_key, sender, sender_label, text, message_id, timestamp, extra)
    VALUES (p_key, p_entry->>'sender', p_entry->>'senderLabel', p_entry->>'text', p_entry->>'messageId',
            (p_entry->>'timestamp')::numeric::bigint, p_entry->'extra')
    ON CONFLICT (session_key, message_id) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM history WHERE session_key = p_key AND id <= (
      SELECT id FROM history WHERE session_key = p_key ORDER BY id DESC LIMIT 1 OFFSET trunc(p_limit)::bigint);
    RETURN n > 0;
  END $fn$;

  -- Queues drafts (a JSON array of channel-core OutboxDrafts) in order; a known idempotency key is skipped.
  CREATE FUNCTION imgate_enqueue(p_drafts jsonb, p_now bigint) RETURNS integer LANGUAGE plpgsql AS $fn$
  DECLARE n integer;
  BEGIN
    INSERT INTO outbox (idempotency_key, channel, account_id, chat_key, target, text, media, meta, reaction,
                        reply_to, state, created_at, updated_at)
    SELECT d->>'idempotencyKey', d->>'channel', d->>'accountId', d->>'chatKey', d->>'target', d->>'text',
           CASE WHEN jsonb_typeof(d->'media') = 'array' AND jsonb_array_length(d->'media') > 0 THEN d->'media' END,
           d->'meta', d->>'reaction', d->>'replyTo', 'queued', p_now, p_now
      FROM jsonb_array_elements(p_drafts) WITH ORDINALITY AS drafts(d, ord)
     ORDER BY ord
    ON CONFLICT (idempotency_key) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
  END $fn$;

  -- Stores a pending (or given-up) turn from a channel-core PendingTurnDraft; false when it is already stored.
  CREATE FUNCTION imgate_insert_pending_turn(p_draft jsonb, p_state text, p_reason text, p_now bigint)
  RETURNS boolean LANGUAGE plpgsql AS $fn$
  DECLARE n integer;
  BEGIN
    INSERT INTO pending_turns (account_id, guid, session_key, agent_id, target, envelope, request, meta, state,
      arrived_at, attempts, next_attempt_at, last_error, give_up_reason, given_up_at, created_at, updated_at)
    VALUES (p_draft->>'accountId', p_draft->'envelope'->>'guid', p_draft->>'sessionKey', p_draft->>'agentId',
      p_draft->>'target', p_draft->'envelope', coalesce(p_draft->'request', 'null'::jsonb),
      CASE WHEN p_draft->'meta' = 'null'::jsonb THEN NULL ELSE p_draft->'meta' END, p_state,
      (p_draft->>'arrivedAt')::numeric::bigint, (p_draft->>'attempts')::numeric::integer,
      (p_draft->>'nextAttemptAt')::numeric::bigint,
      imgate_clip(p_draft->>'lastError'), p_reason, CASE WHEN p_reason IS NULL THEN NULL ELSE p_now END,
      p_now, p_now)
    ON CONFLICT (account_id, guid) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
  END $fn$;

  CREATE FUNCTION imgate_record_attempt(p_account text, p_guid text, p_update jsonb, p_now bigint)
  RETURNS void LANGUAGE sql AS $fn$
    UPDATE pending_turns SET attempts = (p_update->>'attempts')::numeric::integer,
      next_attempt_at = (p_update->>'nextAttemptAt')::numeric::bigint, last_error = imgate_clip(p_update->>'lastError'),
      updated_at = p_now
     WHERE account_id = p_account AND guid = p_guid AND state = 'pending'
  $fn$;

  -- Removes a pending turn once answered; true when there was one.
  CREATE FUNCTION imgate_complete_pending_turn(p_account text, p_guid text)
  RETURNS boolean LANGUAGE plpgsql AS $fn$
  DECLARE n integer;
  BEGIN
    DELETE FROM pending_turns WHERE account_id = p_account AND guid = p_guid AND state = 'pending';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
  END $fn$;

  -- Marks a turn given up (storing the draft when it was never recorded, unless p_only_if_pending); true when
  -- it changed something. Keeps the newest p_kept given-up turns of the account.
  CREATE FUNCTION imgate_give_up(p_draft jsonb, p_reason text, p_error text, p_only_if_pending boolean,
                                 p_now bigint, p_kept integer)
  RETURNS boolean LANGUAGE plpgsql AS $fn$
  DECLARE
    n integer;
    v_account text := p_draft->>'accountId';
    v_changed boolean;
  BEGIN
    UPDATE pending_turns SET state = 'given_up', attempts = (p_draft->>'attempts')::numeric::integer,
      last_error = imgate_clip(p_error), give_up_reason = p_reason, given_up_at = p_now, updated_at = p_now
     WHERE account_id = v_account AND guid = p_draft->'envelope'->>'guid' AND state = 'pending';
    GET DIAGNOSTICS n = ROW_COUNT;
    v_changed := n > 0;
    IF NOT v_changed AND NOT p_only_if_pending THEN
      v_changed := imgate_insert_pending_turn(
        CASE WHEN p_error IS NULL THEN p_draft ELSE p_draft || jsonb_build_object('lastError', p_error) END,
        'given_up', p_reason, p_now);
    END IF;
    IF v_changed THEN
      DELETE FROM pending_turns WHERE account_id = v_account AND state = 'given_up' AND guid NOT IN (
        SELECT guid FROM pending_turns WHERE account_id = v_account AND state = 'given_up'
         ORDER BY given_up_at DESC, guid COLLATE "C" LIMIT p_kept);
    END IF;
    RETURN v_changed;
  END $fn$;

  -- Hands out the lowest-id queued entry that is due and has no earlier unresolved (queued, sending, unknown)
  -- entry in its chat, as sending, counting the attempt. The outer state check makes a racing claim of the
  -- same row come back empty instead of claiming it twice.
  CREATE FUNCTION imgate_claim_next(p_channel text, p_account text, p_now bigint)
  RETURNS SETOF outbox LANGUAGE sql AS $fn$
    UPDATE outbox SET state = 'sending', updated_at = p_now, attempts = attempts + 1
     WHERE state = 'queued' AND id = (
       SELECT o.id FROM outbox o
        WHERE o.state = 'queued' AND o.not_before <= p_now
          AND (p_channel IS NULL OR o.channel = p_channel) AND (p_account IS NULL OR o.account_id = p_account)
          AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.channel = o.channel AND p.account_id = o.account_id
                AND p.chat_key = o.chat_key AND p.id < o.id AND p.state IN ('queued', 'sending', 'unknown'))
        ORDER BY o.id LIMIT 1)
    RETURNING *
  $fn$;

  -- One group commit. batch: { accountId, now, dedupeTtlMs, givenUpKept, lease?, outcomes: [{ ops }],
  -- cursor?: { source, position, requires }, claimNext?: { channel } }; touchSession / resetSession ops carry
  -- the new session id the gateway drew. Returns { failed, cursorMoved, claimed, errors }.
  CREATE FUNCTION imgate_commit_outcomes(batch jsonb) RETURNS jsonb LANGUAGE plpgsql AS $fn$
  DECLARE
    v_account text := batch->>'accountId';
    v_now bigint := (batch->>'now')::numeric::bigint;
    v_ttl bigint := (batch->>'dedupeTtlMs')::numeric::bigint;
    v_kept integer := (batch->>'givenUpKept')::numeric::integer;
    v_count integer := jsonb_array_length(batch->'outcomes');
    v_failed integer[] := '{}';
    v_errors jsonb := '[]';
    v_outcome jsonb;
    v_index bigint;
    v_op jsonb;
    v_args jsonb;
    v_guard jsonb;
    v_changed boolean;
    v_cursor_moved boolean := false;
    v_claimed outbox;
  BEGIN
    -- The lease: a deposed holder's late batch writes nothing. FOR SHARE makes a takeover wait for this commit.
    IF jsonb_typeof(batch->'lease') = 'object' THEN
      PERFORM 1 FROM account_leases
        WHERE account_id = v_account AND holder_id = batch->'lease'->>'holderId'
          AND fencing_token = (batch->'lease'->>'fencingToken')::bigint AND expires_at > now()
        FOR SHARE;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'IGL01',
          MESSAGE = format('imgate: the lease of account %s is not held by %s with fencing token %s',
                           v_account, batch->'lease'->>'holderId', batch->'lease'->>'fencingToken');
      END IF;
    END IF;

    FOR v_outcome, v_index IN
      SELECT value, ordinality - 1 FROM jsonb_array_elements(batch->'outcomes') WITH ORDINALITY
    LOOP
      -- A subtransaction per outcome: a failing one rolls back alone.
      BEGIN
        FOR v_op IN SELECT value FROM jsonb_array_elements(v_outcome->'ops') LOOP
          v_args := v_op->'args';
          IF v_op->>'op' = 'onlyIf' THEN
            v_changed := false;
            FOR v_guard IN SELECT value FROM jsonb_array_elements(v_args) LOOP
              IF v_guard->>'kind' = 'firstSeen' THEN
                v_changed := imgate_first_seen(v_guard->>'accountId', v_guard->>'guid', v_now, v_ttl);
              ELSIF v_guard->>'kind' = 'completePendingTurn' THEN
                v_changed := imgate_complete_pending_turn(v_guard->>'accountId', v_guard->>'guid');
              ELSIF v_guard->>'kind' = 'giveUp' THEN
                v_changed := imgate_give_up(v_guard->'draft', v_guard->'outcome'->>'reason',
                  v_guard->'outcome'->>'error', coalesce((v_guard->>'onlyIfPending')::boolean, false), v_now, v_kept);
              ELSE
                RAISE EXCEPTION 'unknown guard kind %', v_guard->>'kind';
              END IF;
              EXIT WHEN v_changed;
            END LOOP;
            -- No guard changed a row: the rest of this outcome is skipped (it is not a failure).
            EXIT WHEN NOT v_changed;
          ELSIF v_op->>'op' = 'touchSession' THEN
            PERFORM imgate_touch_session(v_args->>0, v_op->>'sessionId', v_now);
          ELSIF v_op->>'op' = 'resetSession' THEN
            PERFORM imgate_reset_session(v_args->>0, v_op->>'sessionId', v_now);
          ELSIF v_op->>'op' = 'appendHistory' THEN
            PERFORM imgate_append_history(v_args->>0, v_args->1, (v_args->>2)::double precision);
          ELSIF v_op->>'op' = 'enqueue' THEN
            PERFORM imgate_enqueue(v_args->0, v_now);
          ELSIF v_op->>'op' = 'recordPendingTurn' THEN
            PERFORM imgate_insert_pending_turn(v_args->0, 'pending', NULL, v_now);
          ELSIF v_op->>'op' = 'recordAttempt' THEN
            PERFORM imgate_record_attempt(v_args->>0, v_args->>1, v_args->2, v_now);
          ELSE
            RAISE EXCEPTION 'unknown op %', v_op->>'op';
          END IF;
        END LOOP;
      EXCEPTION WHEN others THEN
        v_failed := v_failed || v_index::integer;
        v_errors := v_errors || jsonb_build_object('index', v_index, 'sqlstate', SQLSTATE, 'message', SQLERRM);
      END;
    END LOOP;

    -- The cursor moves only when every outcome it depends on applied (an index outside the batch did not).
    IF jsonb_typeof(batch->'cursor') = 'object' AND NOT EXISTS (
      SELECT 1 FROM jsonb_array_elements_text(batch->'cursor'->'requires') AS r(i)
       WHERE r.i::integer < 0 OR r.i::integer >= v_count OR r.i::integer = ANY (v_failed))
    THEN
      INSERT INTO cursors (account_id, source, position, updated_at)
      VALUES (v_account, batch->'cursor'->>'source', batch->'cursor'->>'position', v_now)
      ON CONFLICT (account_id, source) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at;
      v_cursor_moved := true;
    END IF;

    IF jsonb_typeof(batch->'claimNext') = 'object' THEN
      SELECT * INTO v_claimed FROM imgate_claim_next(batch->'claimNext'->>'channel', v_account, v_now);
    END IF;

    RETURN jsonb_build_object(
      'failed', to_jsonb(v_failed),
      'cursorMoved', v_cursor_moved,
      'claimed', CASE WHEN v_claimed.id IS NULL THEN NULL ELSE to_jsonb(v_claimed) END,
      'errors', v_errors);
  END $fn$;
`;
