-- camel-pgmq: pgmq-compatible SQL
--
-- For PostgreSQL servers where the pgmq extension cannot be installed (most managed services). It creates schema
-- "pgmq" with the tables, types and functions of pgmq 1.13 that camel-pgmq and other pgmq clients use, with the same
-- names, argument names, defaults, result types and behaviour. Written by the camel-pgmq project from pgmq's public
-- contract; it contains no pgmq source code.
--
-- Apply it with  psql -v ON_ERROR_STOP=1 -f pgmq-compatible.sql  or from Java with
-- io.camelpgmq.client.PgmqSchema.install(dataSource). It is idempotent: applying it again (or a newer version)
-- replaces the functions and keeps every queue and message. Never apply it over the real extension.
--
-- Version 2 adds FIFO groups (read_grouped*, create_fifo_index*) and topics (pgmq.topic_bindings, bind_topic,
-- send_topic, ...); applying it over version 1 adds them in place.

DO $guard$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgmq') THEN
        RAISE EXCEPTION 'the pgmq extension is installed in this database; the camel-pgmq compatible SQL must not be applied over it';
    END IF;
END
$guard$;

CREATE SCHEMA IF NOT EXISTS pgmq;
COMMENT ON SCHEMA pgmq IS 'camel-pgmq compatible SQL, version 2';

-- ---------------------------------------------------------------- types
-- CREATE TYPE has no IF NOT EXISTS, so each one is guarded by a catalog lookup.
DO $types$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                    WHERE n.nspname = 'pgmq' AND t.typname = 'message_record') THEN
        CREATE TYPE pgmq.message_record AS (
            msg_id bigint, read_ct integer, enqueued_at timestamptz, last_read_at timestamptz, vt timestamptz,
            message jsonb, headers jsonb);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                    WHERE n.nspname = 'pgmq' AND t.typname = 'queue_record') THEN
        CREATE TYPE pgmq.queue_record AS (
            queue_name varchar, is_partitioned boolean, is_unlogged boolean, created_at timestamptz);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                    WHERE n.nspname = 'pgmq' AND t.typname = 'metrics_result') THEN
        CREATE TYPE pgmq.metrics_result AS (
            queue_name text, queue_length bigint, newest_msg_age_sec integer, oldest_msg_age_sec integer,
            total_messages bigint, scrape_time timestamptz, queue_visible_length bigint,
            default_partition_length bigint);
    END IF;
END
$types$;

-- ---------------------------------------------------------------- catalog tables
CREATE TABLE IF NOT EXISTS pgmq.meta (
    queue_name     varchar     NOT NULL UNIQUE,
    is_partitioned boolean     NOT NULL,
    is_unlogged    boolean     NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- throttle state of the insert notifications; unlogged because losing it at a crash only costs one early NOTIFY
CREATE UNLOGGED TABLE IF NOT EXISTS pgmq.notify_insert_throttle (
    queue_name           varchar     NOT NULL UNIQUE REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE,
    throttle_interval_ms integer     NOT NULL DEFAULT 0,
    last_notified_at     timestamptz NOT NULL DEFAULT to_timestamp(0)
);

-- ---------------------------------------------------------------- names
CREATE OR REPLACE FUNCTION pgmq.format_table_name(queue_name text, prefix text)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF queue_name ~ '\$|;|--|''' THEN
        RAISE EXCEPTION 'queue name contains invalid characters: $, ;, --, or \''';
    END IF;
    RETURN lower(prefix || '_' || queue_name);
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.validate_queue_name(queue_name text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF length(queue_name) > 47 THEN
        RAISE EXCEPTION 'queue name is too long, maximum length is 47 characters';
    END IF;
END;
$$;

-- ---------------------------------------------------------------- queues
-- _create is this script's own helper (the extension has no such function): create, create_non_partitioned and
-- create_unlogged share it. Every statement is IF NOT EXISTS / ON CONFLICT DO NOTHING, so creating twice is harmless.
CREATE OR REPLACE FUNCTION pgmq._create(queue_name text, unlogged boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    EXECUTE format(
        'CREATE %s TABLE IF NOT EXISTS pgmq.%I (
            msg_id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
            read_ct integer NOT NULL DEFAULT 0,
            enqueued_at timestamptz NOT NULL DEFAULT now(),
            last_read_at timestamptz,
            vt timestamptz NOT NULL,
            message jsonb,
            headers jsonb)',
        CASE WHEN unlogged THEN 'UNLOGGED' ELSE '' END, qtable);
    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS pgmq.%I (
            msg_id bigint PRIMARY KEY,
            read_ct integer NOT NULL DEFAULT 0,
            enqueued_at timestamptz NOT NULL DEFAULT now(),
            last_read_at timestamptz,
            archived_at timestamptz NOT NULL DEFAULT now(),
            vt timestamptz NOT NULL,
            message jsonb,
            headers jsonb)',
        atable);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (vt ASC)', qtable || '_vt_idx', qtable);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (archived_at)', 'archived_at_idx_' || queue_name, atable);
    INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged)
    VALUES (queue_name, false, unlogged)
    ON CONFLICT ON CONSTRAINT meta_queue_name_key DO NOTHING;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.create_non_partitioned(queue_name text)
RETURNS void LANGUAGE sql AS $$ SELECT pgmq._create(queue_name, false) $$;

CREATE OR REPLACE FUNCTION pgmq.create(queue_name text)
RETURNS void LANGUAGE sql AS $$ SELECT pgmq._create(queue_name, false) $$;

CREATE OR REPLACE FUNCTION pgmq.create_unlogged(queue_name text)
RETURNS void LANGUAGE sql AS $$ SELECT pgmq._create(queue_name, true) $$;

CREATE OR REPLACE FUNCTION pgmq.drop_queue(queue_name text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
BEGIN
    -- as pgmq 1.13.0, the queue exists when its table does: a second meta row over the same tables ('Orders' and
    -- 'orders') stays behind, orphaned, when the other is dropped
    IF to_regclass(format('pgmq.%I', qtable)) IS NULL THEN
        RAISE NOTICE 'pgmq queue `%` does not exist', queue_name;
        RETURN false;
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS pgmq.%I', qtable);
    EXECUTE format('DROP TABLE IF EXISTS pgmq.%I', atable);
    DELETE FROM pgmq.meta m WHERE m.queue_name = drop_queue.queue_name;
    RETURN true;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.drop_queue(queue_name text, partitioned boolean)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE WARNING 'drop_queue(queue_name, partitioned) is deprecated and will be removed in PGMQ v2.0. Use drop_queue(queue_name) instead';
    RETURN pgmq.drop_queue(queue_name);
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.purge_queue(queue_name text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    qtable text := pgmq.format_table_name(queue_name, 'q');
    deleted bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM pgmq.%I', qtable) INTO deleted;
    EXECUTE format('TRUNCATE pgmq.%I', qtable);
    RETURN deleted;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.list_queues()
RETURNS SETOF pgmq.queue_record LANGUAGE sql STABLE AS $$
    SELECT queue_name, is_partitioned, is_unlogged, created_at FROM pgmq.meta
$$;

CREATE OR REPLACE FUNCTION pgmq.metrics(queue_name text)
RETURNS pgmq.metrics_result LANGUAGE plpgsql AS $$
DECLARE
    qtable text := pgmq.format_table_name(queue_name, 'q');
    -- the identity's sequence, asked of the catalog (its name is truncated for long multi-byte queue names);
    -- a missing queue fails here with 42P01 relation "pgmq.q_<name>" does not exist, like the extension
    seq text := pg_get_serial_sequence(format('pgmq.%I', qtable), 'msg_id');
    result pgmq.metrics_result;
BEGIN
    -- (seq comes from the catalog already schema-qualified and quoted, hence %s)
    -- total_messages is the sequence's position: every message ever sent (0 before the first), not only those
    -- still queued, so it does not drop after purge_queue or delete
    EXECUTE format(
        'SELECT $1, count(*)::bigint,
                extract(epoch FROM now() - max(enqueued_at))::integer,
                extract(epoch FROM now() - min(enqueued_at))::integer,
                (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM %s)::bigint,
                now(),
                count(*) FILTER (WHERE vt <= now())::bigint,
                NULL::bigint
           FROM pgmq.%I',
        seq, qtable)
    INTO result
    USING queue_name;
    RETURN result;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.metrics_all()
RETURNS SETOF pgmq.metrics_result LANGUAGE plpgsql AS $$
DECLARE
    q record;
BEGIN
    FOR q IN SELECT m.queue_name FROM pgmq.meta m LOOP
        RETURN NEXT pgmq.metrics(q.queue_name);
    END LOOP;
END;
$$;

-- ---------------------------------------------------------------- sending
CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb, delay timestamp with time zone)
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'INSERT INTO pgmq.%I (vt, message, headers) VALUES ($1, $2, $3) RETURNING msg_id',
        pgmq.format_table_name(queue_name, 'q'))
    USING delay, msg, headers;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer)
RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT * FROM pgmq.send(queue_name, msg, headers, clock_timestamp() + make_interval(secs => delay))
$$;

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb)
RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT * FROM pgmq.send(queue_name, msg, NULL::jsonb, clock_timestamp())
$$;

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb, delay integer)
RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT * FROM pgmq.send(queue_name, msg, NULL::jsonb, clock_timestamp() + make_interval(secs => delay))
$$;

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb, delay timestamp with time zone)
RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT * FROM pgmq.send(queue_name, msg, NULL::jsonb, delay)
$$;

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb)
RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT * FROM pgmq.send(queue_name, msg, headers, clock_timestamp())
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[],
                                           delay timestamp with time zone)
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
    IF msgs IS NULL OR cardinality(msgs) = 0 THEN
        RAISE EXCEPTION 'msgs cannot be NULL or empty';
    END IF;
    IF headers IS NOT NULL AND cardinality(headers) <> cardinality(msgs) THEN
        RAISE EXCEPTION 'headers array length (%) must match msgs array length (%)',
            cardinality(headers), cardinality(msgs);
    END IF;
    RETURN QUERY EXECUTE format(
        'INSERT INTO pgmq.%I (vt, message, headers)
         SELECT $1, m.msg, $3[m.n] FROM unnest($2) WITH ORDINALITY AS m(msg, n) ORDER BY m.n
         RETURNING msg_id',
        pgmq.format_table_name(queue_name, 'q'))
    USING delay, msgs, headers;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay integer)
RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT * FROM pgmq.send_batch(queue_name, msgs, headers, clock_timestamp() + make_interval(secs => delay))
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[])
RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT * FROM pgmq.send_batch(queue_name, msgs, NULL::jsonb[], clock_timestamp())
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], delay integer)
RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT * FROM pgmq.send_batch(queue_name, msgs, NULL::jsonb[], clock_timestamp() + make_interval(secs => delay))
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], delay timestamp with time zone)
RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT * FROM pgmq.send_batch(queue_name, msgs, NULL::jsonb[], delay)
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[])
RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT * FROM pgmq.send_batch(queue_name, msgs, headers, clock_timestamp())
$$;

-- ---------------------------------------------------------------- reading
CREATE OR REPLACE FUNCTION pgmq.read(queue_name text, vt integer, qty integer, conditional jsonb DEFAULT '{}')
RETURNS SETOF pgmq.message_record LANGUAGE plpgsql AS $$
DECLARE
    -- one reading of the clock, so that vt is exactly last_read_at + vt seconds
    read_at timestamptz := clock_timestamp();
BEGIN
    -- Claim the oldest visible rows no other reader holds, then hide them for vt seconds, in one statement.
    -- LIMIT NULL means no limit and a negative LIMIT is PostgreSQL's own error, as with the extension.
    -- The empty filter (the default) also matches messages that are not JSON objects, which @> '{}' would not.
    RETURN QUERY EXECUTE format(
        'WITH claimed AS (
            SELECT msg_id FROM pgmq.%1$I
             WHERE vt <= $1 AND ($4 = ''{}''::jsonb OR message @> $4)
             ORDER BY msg_id ASC
             LIMIT $3
             FOR UPDATE SKIP LOCKED),
         updated AS (
            UPDATE pgmq.%1$I q
               SET vt = $1 + make_interval(secs => $2),
                   read_ct = q.read_ct + 1,
                   last_read_at = $1
              FROM claimed
             WHERE q.msg_id = claimed.msg_id
            RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.last_read_at, q.vt, q.message, q.headers)
         SELECT * FROM updated ORDER BY msg_id',
        pgmq.format_table_name(queue_name, 'q'))
    USING read_at, vt, qty, coalesce(conditional, '{}'::jsonb);
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.read_with_poll(queue_name text, vt integer, qty integer,
                                               max_poll_seconds integer DEFAULT 5,
                                               poll_interval_ms integer DEFAULT 100,
                                               conditional jsonb DEFAULT '{}')
RETURNS SETOF pgmq.message_record LANGUAGE plpgsql AS $$
DECLARE
    stop_at timestamptz := clock_timestamp() + make_interval(secs => max_poll_seconds);
    found_any boolean;
    r pgmq.message_record;
BEGIN
    LOOP
        found_any := false;
        FOR r IN SELECT * FROM pgmq.read(queue_name, vt, qty, conditional) LOOP
            found_any := true;
            RETURN NEXT r;
        END LOOP;
        IF found_any OR clock_timestamp() >= stop_at THEN
            RETURN;
        END IF;
        PERFORM pg_sleep(poll_interval_ms / 1000.0);
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.pop(queue_name text, qty integer DEFAULT 1)
RETURNS SETOF pgmq.message_record LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'WITH claimed AS (
            SELECT msg_id FROM pgmq.%1$I
             WHERE vt <= clock_timestamp()
             ORDER BY msg_id ASC
             LIMIT $1
             FOR UPDATE SKIP LOCKED),
         deleted AS (
            DELETE FROM pgmq.%1$I q USING claimed
             WHERE q.msg_id = claimed.msg_id
            RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.last_read_at, q.vt, q.message, q.headers)
         SELECT * FROM deleted ORDER BY msg_id',
        pgmq.format_table_name(queue_name, 'q'))
    USING qty;
END;
$$;

-- ---------------------------------------------------------------- completing
CREATE OR REPLACE FUNCTION pgmq.archive(queue_name text, msg_ids bigint[])
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
    -- one statement moves the rows: they are in the queue or in the archive, never in both or neither
    RETURN QUERY EXECUTE format(
        'WITH moved AS (
            DELETE FROM pgmq.%I WHERE msg_id = ANY($1)
            RETURNING msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers)
         INSERT INTO pgmq.%I (msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers)
         SELECT msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers FROM moved
         RETURNING msg_id',
        pgmq.format_table_name(queue_name, 'q'), pgmq.format_table_name(queue_name, 'a'))
    USING msg_ids;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.archive(queue_name text, msg_id bigint)
RETURNS boolean LANGUAGE sql AS $$
    SELECT EXISTS (SELECT 1 FROM pgmq.archive(queue_name, ARRAY[msg_id]))
$$;

CREATE OR REPLACE FUNCTION pgmq.delete(queue_name text, msg_ids bigint[])
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format('DELETE FROM pgmq.%I WHERE msg_id = ANY($1) RETURNING msg_id',
        pgmq.format_table_name(queue_name, 'q'))
    USING msg_ids;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.delete(queue_name text, msg_id bigint)
RETURNS boolean LANGUAGE sql AS $$
    SELECT EXISTS (SELECT 1 FROM pgmq.delete(queue_name, ARRAY[msg_id]))
$$;

CREATE OR REPLACE FUNCTION pgmq.set_vt(queue_name text, msg_ids bigint[], vt timestamp with time zone)
RETURNS SETOF pgmq.message_record LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'UPDATE pgmq.%I SET vt = $2 WHERE msg_id = ANY($1)
         RETURNING msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers',
        pgmq.format_table_name(queue_name, 'q'))
    USING msg_ids, vt;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.set_vt(queue_name text, msg_ids bigint[], vt integer)
RETURNS SETOF pgmq.message_record LANGUAGE sql AS $$
    SELECT * FROM pgmq.set_vt(queue_name, msg_ids, clock_timestamp() + make_interval(secs => vt))
$$;

CREATE OR REPLACE FUNCTION pgmq.set_vt(queue_name text, msg_id bigint, vt timestamp with time zone)
RETURNS SETOF pgmq.message_record LANGUAGE sql AS $$
    SELECT * FROM pgmq.set_vt(queue_name, ARRAY[msg_id], vt)
$$;

CREATE OR REPLACE FUNCTION pgmq.set_vt(queue_name text, msg_id bigint, vt integer)
RETURNS SETOF pgmq.message_record LANGUAGE sql AS $$
    SELECT * FROM pgmq.set_vt(queue_name, ARRAY[msg_id], clock_timestamp() + make_interval(secs => vt))
$$;

-- ---------------------------------------------------------------- insert notifications
-- The trigger notifies 'pgmq.q_<name>.INSERT' with an empty payload, at most once per throttle interval. As in pgmq
-- 1.13.0, the throttle row is found by the name the table gives ('q_orders' -> 'orders'): a queue registered under a
-- mixed-case name ('Orders') matches no row and is never notified (1.13.1 fixes that, on channel pgmq.q_Orders.INSERT).
CREATE OR REPLACE FUNCTION pgmq.notify_queue_listeners()
RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    claimed integer;
BEGIN
    UPDATE pgmq.notify_insert_throttle t
       SET last_notified_at = clock_timestamp()
     WHERE t.queue_name = substr(TG_TABLE_NAME, 3)
       AND clock_timestamp() - t.last_notified_at >= make_interval(secs => t.throttle_interval_ms / 1000.0);
    GET DIAGNOSTICS claimed = ROW_COUNT;
    IF claimed > 0 THEN
        PERFORM pg_notify('pgmq.' || TG_TABLE_NAME || '.INSERT', '');
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.disable_notify_insert(queue_name text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS trigger_notify_queue_insert_listeners ON pgmq.%I',
        pgmq.format_table_name(queue_name, 'q'));
    DELETE FROM pgmq.notify_insert_throttle t WHERE t.queue_name = disable_notify_insert.queue_name;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.enable_notify_insert(queue_name text, throttle_interval_ms integer DEFAULT 250)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = enable_notify_insert.queue_name) THEN
        RAISE EXCEPTION 'Queue "%" does not exist. Create it first using pgmq.create()', queue_name;
    END IF;
    IF throttle_interval_ms IS NULL OR throttle_interval_ms < 0 THEN
        RAISE EXCEPTION 'throttle_interval_ms must be non-negative';
    END IF;
    PERFORM pgmq.disable_notify_insert(queue_name);
    INSERT INTO pgmq.notify_insert_throttle (queue_name, throttle_interval_ms, last_notified_at)
    VALUES (queue_name, throttle_interval_ms, to_timestamp(0))
    ON CONFLICT ON CONSTRAINT notify_insert_throttle_queue_name_key
    DO UPDATE SET throttle_interval_ms = EXCLUDED.throttle_interval_ms, last_notified_at = to_timestamp(0);
    EXECUTE format(
        'CREATE CONSTRAINT TRIGGER trigger_notify_queue_insert_listeners AFTER INSERT ON pgmq.%I
         DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION pgmq.notify_queue_listeners()',
        pgmq.format_table_name(queue_name, 'q'));
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.update_notify_insert(queue_name text, throttle_interval_ms integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF throttle_interval_ms IS NULL OR throttle_interval_ms < 0 THEN
        RAISE EXCEPTION 'throttle_interval_ms must be non-negative, got: %', throttle_interval_ms;
    END IF;
    UPDATE pgmq.notify_insert_throttle t
       SET throttle_interval_ms = update_notify_insert.throttle_interval_ms
     WHERE t.queue_name = update_notify_insert.queue_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Queue "%" does not have notify_insert enabled. Enable it first using pgmq.enable_notify_insert()',
            queue_name;
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.list_notify_insert_throttles()
RETURNS TABLE (queue_name text, throttle_interval_ms integer, last_notified_at timestamp with time zone)
LANGUAGE sql STABLE AS $$
    SELECT t.queue_name::text, t.throttle_interval_ms, t.last_notified_at FROM pgmq.notify_insert_throttle t
$$;

-- ---------------------------------------------------------------- FIFO groups
-- A message's group is the text of its header x-pgmq-group; messages without it form one group of their own. A group
-- is eligible only when its head (its lowest msg_id still in the queue, visible or not) is visible: an in-flight,
-- retried or delayed head blocks its whole group, and archiving or deleting it unblocks the next message.
--
-- Two grouped readers must never hold messages of one group at once. Row locks alone cannot promise it: a reader
-- whose snapshot predates another reader's commit still sees that reader's head as visible and would take the
-- messages behind it. So _read_grouped works in two statements. The first finds the eligible groups and takes a
-- transaction-scoped advisory lock per group (skipping groups another grouped reader holds: that reader is taking
-- their heads). The second statement, with a snapshot taken after the locks were granted, sees every earlier
-- reader's committed visibility update, checks eligibility again and claims the messages. Run grouped reads in
-- auto-commit: the group locks are released at commit.

-- _read_grouped is this script's own helper (the extension has no such function). mode: 'grouped' fills the batch
-- from the oldest eligible group first, 'rr' takes one message per group per round, 'head' at most one per group.
-- Whether a group of the queue table has its head (lowest msg_id) visible now.
CREATE OR REPLACE FUNCTION pgmq._has_eligible_group(qtable text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    eligible boolean;
BEGIN
    EXECUTE format(
        'SELECT EXISTS (SELECT 1 FROM (SELECT DISTINCT ON (coalesce(headers ->> ''x-pgmq-group'', ''_default_fifo_group''))
                vt FROM pgmq.%I ORDER BY coalesce(headers ->> ''x-pgmq-group'', ''_default_fifo_group''), msg_id) h
             WHERE h.vt <= clock_timestamp())', qtable) INTO eligible;
    RETURN eligible;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq._read_grouped(queue_name text, vt integer, qty integer, mode text)
RETURNS SETOF pgmq.message_record LANGUAGE plpgsql AS $$
DECLARE
    qtable text := pgmq.format_table_name(queue_name, 'q');
    read_at timestamptz := clock_timestamp();
    candidate record;
    locked_groups text[] := ARRAY[]::text[];
    available bigint := 0;
BEGIN
    -- as pgmq 1.13.0: a negative qty makes read_grouped and read_grouped_head raise LIMIT's error when a group is
    -- eligible (its head visible); read_grouped_rr, or a queue with nothing eligible, returns nothing
    IF qty < 0 AND mode <> 'rr' AND pgmq._has_eligible_group(qtable) THEN
        RAISE EXCEPTION 'LIMIT must not be negative' USING ERRCODE = '2201W';
    END IF;
    IF qty IS NOT NULL AND qty <= 0 THEN
        RETURN;
    END IF;
    -- statement 1, one pass over the queue: the eligible groups (head visible), oldest head first, each with its
    -- visible messages (an upper bound of what it can give); lock them until they hold enough messages for qty
    FOR candidate IN EXECUTE format(
        'SELECT grp, min(msg_id) AS head_id, count(*) FILTER (WHERE vt <= $1) AS n
           FROM (SELECT msg_id, vt, coalesce(headers ->> ''x-pgmq-group'', ''_default_fifo_group'') AS grp
                   FROM pgmq.%I) m
          GROUP BY grp
         HAVING coalesce(min(msg_id) FILTER (WHERE vt > $1) > min(msg_id), true)
          ORDER BY 2', qtable)
        USING read_at
    LOOP
        IF pg_try_advisory_xact_lock(hashtext('pgmq.' || qtable), hashtext(candidate.grp)) THEN
            locked_groups := locked_groups || candidate.grp;
            available := available + CASE WHEN mode = 'head' THEN 1 ELSE candidate.n END;
            EXIT WHEN available >= qty;
        END IF;
    END LOOP;
    IF cardinality(locked_groups) = 0 THEN
        RETURN;
    END IF;
    -- statement 2: a new snapshot, taken while this reader holds the groups' locks, so every earlier reader's
    -- committed visibility update is seen. Only the locked groups: each one's readable run, from its head up to (not
    -- including) its first invisible message. Rows another session holds (a plain read, an archive) are skipped, and
    -- so is everything behind them in their group (rn = kept_rn).
    RETURN QUERY EXECUTE format(
        'WITH m AS (
            SELECT msg_id, vt, coalesce(headers ->> ''x-pgmq-group'', ''_default_fifo_group'') AS grp
              FROM pgmq.%1$I
             WHERE coalesce(headers ->> ''x-pgmq-group'', ''_default_fifo_group'') = ANY($4)),
         g AS (
            SELECT grp, min(msg_id) AS head_id, min(msg_id) FILTER (WHERE vt > $1) AS blocked_from
              FROM m GROUP BY grp),
         runs AS (
            SELECT m.grp, g.head_id, m.msg_id,
                   row_number() OVER (PARTITION BY m.grp ORDER BY m.msg_id) AS rn
              FROM m JOIN g USING (grp)
             WHERE g.blocked_from IS NULL OR m.msg_id < g.blocked_from),
         picked AS (
            SELECT * FROM runs
             WHERE $5 <> ''head'' OR rn = 1
             ORDER BY CASE WHEN $5 = ''rr'' THEN rn ELSE 0 END, head_id, msg_id
             LIMIT $3),
         locked AS (
            SELECT q.msg_id FROM pgmq.%1$I q
             WHERE q.msg_id IN (SELECT msg_id FROM picked)
               FOR UPDATE SKIP LOCKED),
         kept AS (
            SELECT * FROM (
                SELECT p.*, row_number() OVER (PARTITION BY p.grp ORDER BY p.msg_id) AS kept_rn
                  FROM picked p JOIN locked l USING (msg_id)) k
             WHERE k.rn = k.kept_rn),
         updated AS (
            UPDATE pgmq.%1$I q
               SET vt = $1 + make_interval(secs => $2),
                   read_ct = q.read_ct + 1,
                   last_read_at = $1
              FROM kept
             WHERE q.msg_id = kept.msg_id
            RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.last_read_at, q.vt, q.message, q.headers)
         SELECT u.msg_id, u.read_ct, u.enqueued_at, u.last_read_at, u.vt, u.message, u.headers
           FROM updated u JOIN kept k USING (msg_id)
          ORDER BY CASE WHEN $5 = ''rr'' THEN k.rn ELSE 0 END, k.head_id, u.msg_id',
        qtable)
    USING read_at, vt, qty, locked_groups, mode;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq._read_grouped_with_poll(queue_name text, vt integer, qty integer,
                                                        max_poll_seconds integer, poll_interval_ms integer,
                                                        mode text)
RETURNS SETOF pgmq.message_record LANGUAGE plpgsql AS $$
DECLARE
    stop_at timestamptz := clock_timestamp() + make_interval(secs => max_poll_seconds);
    found_any boolean;
    r pgmq.message_record;
BEGIN
    LOOP
        found_any := false;
        FOR r IN SELECT * FROM pgmq._read_grouped(queue_name, vt, qty, mode) LOOP
            found_any := true;
            RETURN NEXT r;
        END LOOP;
        IF found_any OR clock_timestamp() >= stop_at THEN
            RETURN;
        END IF;
        PERFORM pg_sleep(poll_interval_ms / 1000.0);
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.read_grouped(queue_name text, vt integer, qty integer)
RETURNS SETOF pgmq.message_record LANGUAGE sql AS $$
    SELECT * FROM pgmq._read_grouped(queue_name, vt, qty, 'grouped')
$$;

CREATE OR REPLACE FUNCTION pgmq.read_grouped_rr(queue_name text, vt integer, qty integer)
RETURNS SETOF pgmq.message_record LANGUAGE sql AS $$
    SELECT * FROM pgmq._read_grouped(queue_name, vt, qty, 'rr')
$$;

CREATE OR REPLACE FUNCTION pgmq.read_grouped_head(queue_name text, vt integer, qty integer)
RETURNS SETOF pgmq.message_record LANGUAGE sql AS $$
    SELECT * FROM pgmq._read_grouped(queue_name, vt, qty, 'head')
$$;

CREATE OR REPLACE FUNCTION pgmq.read_grouped_with_poll(queue_name text, vt integer, qty integer,
                                                       max_poll_seconds integer DEFAULT 5,
                                                       poll_interval_ms integer DEFAULT 100)
RETURNS SETOF pgmq.message_record LANGUAGE sql AS $$
    SELECT * FROM pgmq._read_grouped_with_poll(queue_name, vt, qty, max_poll_seconds, poll_interval_ms, 'grouped')
$$;

CREATE OR REPLACE FUNCTION pgmq.read_grouped_rr_with_poll(queue_name text, vt integer, qty integer,
                                                          max_poll_seconds integer DEFAULT 5,
                                                          poll_interval_ms integer DEFAULT 100)
RETURNS SETOF pgmq.message_record LANGUAGE sql AS $$
    SELECT * FROM pgmq._read_grouped_with_poll(queue_name, vt, qty, max_poll_seconds, poll_interval_ms, 'rr')
$$;

CREATE OR REPLACE FUNCTION pgmq.read_grouped_head_with_poll(queue_name text, vt integer, qty integer,
                                                            max_poll_seconds integer DEFAULT 5,
                                                            poll_interval_ms integer DEFAULT 100)
RETURNS SETOF pgmq.message_record LANGUAGE sql AS $$
    SELECT * FROM pgmq._read_grouped_with_poll(queue_name, vt, qty, max_poll_seconds, poll_interval_ms, 'head')
$$;

CREATE OR REPLACE FUNCTION pgmq.create_fifo_index(queue_name text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    qtable text := pgmq.format_table_name(queue_name, 'q');
BEGIN
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I USING gin (headers)', qtable || '_fifo_idx', qtable);
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.create_fifo_indexes_all()
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    q record;
BEGIN
    FOR q IN SELECT m.queue_name FROM pgmq.meta m LOOP
        PERFORM pgmq.create_fifo_index(q.queue_name);
    END LOOP;
END;
$$;

-- ---------------------------------------------------------------- topics
-- A binding routes messages sent to a routing key to a queue when the key matches the binding's pattern: words
-- separated by dots, '*' is exactly one word, '#' any characters across words. The pattern's regular expression is
-- a generated column, so routing is one regex match per binding.
CREATE TABLE IF NOT EXISTS pgmq.topic_bindings (
    pattern        text        NOT NULL,
    queue_name     text        NOT NULL REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE,
    bound_at       timestamptz NOT NULL DEFAULT now(),
    -- escape the dots first, so that the dots '*' and '#' bring in stay regular-expression dots
    compiled_regex text GENERATED ALWAYS AS (
        '^' || replace(replace(replace(pattern, '.', '\.'), '*', '[^.]+'), '#', '.*') || '$') STORED,
    CONSTRAINT topic_bindings_unique_pattern_queue UNIQUE (pattern, queue_name)
);

CREATE OR REPLACE FUNCTION pgmq.validate_routing_key(routing_key text)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF routing_key IS NULL OR routing_key = '' THEN
        RAISE EXCEPTION 'routing_key cannot be NULL or empty';
    END IF;
    IF routing_key !~ '^[a-zA-Z0-9._-]+$' THEN
        RAISE EXCEPTION 'routing_key contains invalid characters. Only alphanumeric, dots, hyphens, and underscores are allowed. Got: %', routing_key;
    END IF;
    IF left(routing_key, 1) = '.' THEN
        RAISE EXCEPTION 'routing_key cannot start with a dot. Got: %', routing_key;
    END IF;
    IF right(routing_key, 1) = '.' THEN
        RAISE EXCEPTION 'routing_key cannot end with a dot. Got: %', routing_key;
    END IF;
    IF position('..' IN routing_key) > 0 THEN
        RAISE EXCEPTION 'routing_key cannot contain consecutive dots. Got: %', routing_key;
    END IF;
    RETURN true;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.validate_topic_pattern(pattern text)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF pattern IS NULL OR pattern = '' THEN
        RAISE EXCEPTION 'pattern cannot be NULL or empty';
    END IF;
    IF pattern !~ '^[a-zA-Z0-9._*#-]+$' THEN
        RAISE EXCEPTION 'pattern contains invalid characters. Only alphanumeric, dots, hyphens, underscores, * and # are allowed. Got: %', pattern;
    END IF;
    IF left(pattern, 1) = '.' THEN
        RAISE EXCEPTION 'pattern cannot start with a dot. Got: %', pattern;
    END IF;
    IF right(pattern, 1) = '.' THEN
        RAISE EXCEPTION 'pattern cannot end with a dot. Got: %', pattern;
    END IF;
    IF position('..' IN pattern) > 0 THEN
        RAISE EXCEPTION 'pattern cannot contain consecutive dots. Got: %', pattern;
    END IF;
    IF position('**' IN pattern) > 0 THEN
        RAISE EXCEPTION 'pattern cannot contain consecutive stars (**). Use # for multi-segment matching. Got: %', pattern;
    END IF;
    RETURN true;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.bind_topic(pattern text, queue_name text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pgmq.validate_topic_pattern(pattern);
    IF NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = bind_topic.queue_name) THEN
        RAISE EXCEPTION 'Queue "%" does not exist. Create the queue first using pgmq.create()', queue_name;
    END IF;
    INSERT INTO pgmq.topic_bindings (pattern, queue_name)
    VALUES (bind_topic.pattern, bind_topic.queue_name)
    ON CONFLICT ON CONSTRAINT topic_bindings_unique_pattern_queue DO NOTHING;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.unbind_topic(pattern text, queue_name text)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM pgmq.topic_bindings b
     WHERE b.pattern = unbind_topic.pattern AND b.queue_name = unbind_topic.queue_name;
    RETURN FOUND;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.list_topic_bindings()
RETURNS TABLE (pattern text, queue_name text, bound_at timestamp with time zone, compiled_regex text)
LANGUAGE sql STABLE AS $$
    SELECT b.pattern, b.queue_name, b.bound_at, b.compiled_regex FROM pgmq.topic_bindings b
     ORDER BY b.bound_at, b.pattern, b.queue_name
$$;

CREATE OR REPLACE FUNCTION pgmq.list_topic_bindings(queue_name text)
RETURNS TABLE (pattern text, queue_name text, bound_at timestamp with time zone, compiled_regex text)
LANGUAGE sql STABLE AS $$
    SELECT b.pattern, b.queue_name, b.bound_at, b.compiled_regex FROM pgmq.topic_bindings b
     WHERE b.queue_name = $1
     ORDER BY b.bound_at, b.pattern
$$;

CREATE OR REPLACE FUNCTION pgmq.test_routing(routing_key text)
RETURNS TABLE (pattern text, queue_name text, compiled_regex text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM pgmq.validate_routing_key(routing_key);
    RETURN QUERY
        SELECT b.pattern, b.queue_name, b.compiled_regex FROM pgmq.topic_bindings b
         WHERE test_routing.routing_key ~ b.compiled_regex
         ORDER BY b.queue_name, b.pattern;
END;
$$;

-- _topic_queues is this script's own helper: the queues a routing key reaches, each once (a queue bound by two
-- matching patterns gets one copy), in name order
CREATE OR REPLACE FUNCTION pgmq._topic_queues(routing_key text)
RETURNS SETOF text LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM pgmq.validate_routing_key(routing_key);
    RETURN QUERY
        SELECT DISTINCT b.queue_name FROM pgmq.topic_bindings b
         WHERE _topic_queues.routing_key ~ b.compiled_regex
         ORDER BY b.queue_name;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.send_topic(routing_key text, msg jsonb, headers jsonb, delay integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    target text;
    sent integer := 0;
BEGIN
    FOR target IN SELECT * FROM pgmq._topic_queues(routing_key) LOOP
        PERFORM pgmq.send(target, msg, headers, delay);
        sent := sent + 1;
    END LOOP;
    RETURN sent;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.send_topic(routing_key text, msg jsonb)
RETURNS integer LANGUAGE sql AS $$
    SELECT pgmq.send_topic(routing_key, msg, NULL::jsonb, 0)
$$;

CREATE OR REPLACE FUNCTION pgmq.send_topic(routing_key text, msg jsonb, delay integer)
RETURNS integer LANGUAGE sql AS $$
    SELECT pgmq.send_topic(routing_key, msg, NULL::jsonb, delay)
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[],
                                                 delay timestamp with time zone)
RETURNS TABLE (queue_name text, msg_id bigint) LANGUAGE plpgsql AS $$
DECLARE
    target text;
BEGIN
    -- checked up front, so that a bad batch fails even when no queue is bound
    IF msgs IS NULL OR cardinality(msgs) = 0 THEN
        RAISE EXCEPTION 'msgs cannot be NULL or empty';
    END IF;
    IF headers IS NOT NULL AND cardinality(headers) <> cardinality(msgs) THEN
        RAISE EXCEPTION 'headers array length (%) must match msgs array length (%)',
            cardinality(headers), cardinality(msgs);
    END IF;
    FOR target IN SELECT * FROM pgmq._topic_queues(routing_key) LOOP
        RETURN QUERY SELECT target, s.id FROM pgmq.send_batch(target, msgs, headers, delay) AS s(id);
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[], delay integer)
RETURNS TABLE (queue_name text, msg_id bigint) LANGUAGE sql AS $$
    SELECT * FROM pgmq.send_batch_topic(routing_key, msgs, headers, clock_timestamp() + make_interval(secs => delay))
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[])
RETURNS TABLE (queue_name text, msg_id bigint) LANGUAGE sql AS $$
    SELECT * FROM pgmq.send_batch_topic(routing_key, msgs, NULL::jsonb[], clock_timestamp())
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[])
RETURNS TABLE (queue_name text, msg_id bigint) LANGUAGE sql AS $$
    SELECT * FROM pgmq.send_batch_topic(routing_key, msgs, headers, clock_timestamp())
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], delay integer)
RETURNS TABLE (queue_name text, msg_id bigint) LANGUAGE sql AS $$
    SELECT * FROM pgmq.send_batch_topic(routing_key, msgs, NULL::jsonb[], clock_timestamp() + make_interval(secs => delay))
$$;

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], delay timestamp with time zone)
RETURNS TABLE (queue_name text, msg_id bigint) LANGUAGE sql AS $$
    SELECT * FROM pgmq.send_batch_topic(routing_key, msgs, NULL::jsonb[], delay)
$$;
