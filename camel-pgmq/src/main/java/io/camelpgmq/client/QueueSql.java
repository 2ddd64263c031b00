package io.camelpgmq.client;

/**
 * Statements that create, drop, list, measure and browse queues and prune their archives: pgmq's functions, bound with
 * explicit casts so that its overloads resolve the same on every server, and, where pgmq has no function, statements
 * over its queue and archive tables (whose columns are pgmq's public contract). {@code %s} is a table name
 * {@link PgmqClient} validated and quoted.
 */
final class QueueSql {

    static final String CREATE = "SELECT pgmq.create(?::text)";
    static final String CREATE_UNLOGGED = "SELECT pgmq.create_unlogged(?::text)";
    static final String DROP_QUEUE = "SELECT pgmq.drop_queue(?::text)";
    static final String PURGE_QUEUE = "SELECT pgmq.purge_queue(?::text)";
    static final String LIST_QUEUES = "SELECT * FROM pgmq.list_queues()";
    static final String QUEUE_EXISTS = "SELECT EXISTS (SELECT 1 FROM pgmq.meta WHERE queue_name = ?::text)";
    // pgmq.meta's name for the queue's tables: the name itself when registered, else another spelling of it
    static final String REGISTERED_NAME = "SELECT (SELECT queue_name FROM pgmq.meta"
                                          + " WHERE lower(queue_name) = lower(?::text)"
                                          + " ORDER BY queue_name = ?::text DESC, queue_name LIMIT 1)";
    static final String METRICS = "SELECT * FROM pgmq.metrics(?::text)";
    static final String METRICS_ALL = "SELECT * FROM pgmq.metrics_all()";
    // one queue's part of the meters' sample (UNION ALL over the queues asked for); "in flight" is what a read hid
    static final String QUEUE_STATS = "SELECT ?::text AS queue_name, count(*) AS depth,"
                                      + " count(*) FILTER (WHERE read_ct > 0 AND vt > clock_timestamp())"
                                      + " AS in_flight, COALESCE(EXTRACT(EPOCH FROM clock_timestamp()"
                                      + " - min(enqueued_at)), 0)::float8 AS oldest_age FROM %s";
    // archive retention: one small batch, the oldest first (pgmq's index on archived_at serves it), under a
    // transaction-level advisory lock so that one JVM at a time prunes an archive, also behind a transaction pooler
    static final String PRUNE_LOCK = "SELECT pg_try_advisory_xact_lock(hashtextextended(?::text, 0))";
    static final String PRUNE_ARCHIVE = "DELETE FROM %1$s WHERE msg_id IN (SELECT msg_id FROM %1$s"
                                        + " WHERE archived_at < clock_timestamp() - ?::bigint"
                                        + " * interval '1 millisecond' ORDER BY archived_at LIMIT ?::integer)";
    // browsing: the queue and archive tables' columns are pgmq's public contract; no read, no visibility change
    static final String BROWSE = "SELECT * FROM %s ORDER BY msg_id LIMIT ?::integer";

    private QueueSql() {
    }
}
