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

DO $guard$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgmq') THEN
        RAISE EXCEPTION 'the pgmq extension is installed in this database; the camel-pgmq compatible SQL must not be applied over it';
    END IF;
END
$guard$;

CREATE SCHEMA IF NOT EXISTS pgmq;
COMMENT ON SCHEMA pgmq IS 'camel-pgmq compatible SQL, version 1';

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
    IF NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = drop_queue.queue_name) THEN
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
-- The trigger notifies 'pgmq.q_<name>.INSERT' with an empty payload, at most once per throttle interval. The throttle
-- row is found by its lower-cased name, so that it matches the table the trigger fires on.
CREATE OR REPLACE FUNCTION pgmq.notify_queue_listeners()
RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    claimed integer;
BEGIN
    UPDATE pgmq.notify_insert_throttle t
       SET last_notified_at = clock_timestamp()
     WHERE 'q_' || lower(t.queue_name) = TG_TABLE_NAME
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
