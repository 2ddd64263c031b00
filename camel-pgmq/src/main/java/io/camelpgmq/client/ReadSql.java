package io.camelpgmq.client;

/**
 * Statements that read plainly: pgmq's {@code read} and {@code pop} as they are, and the consumer's own read over the
 * queue table. Grouped reads are {@link GroupedReadSql}'s.
 */
final class ReadSql {

    static final String READ
            = "SELECT * FROM pgmq.read(?::text, ?::integer, ?::integer)";
    static final String READ_CONDITIONAL
            = "SELECT * FROM pgmq.read(?::text, ?::integer, ?::integer, ?::jsonb)";
    static final String POP = "SELECT * FROM pgmq.pop(?::text, ?::integer)";
    // The consumer's plain read is pgmq.read's statement over the queue table (pgmq's public contract): the oldest
    // visible rows no other reader holds (SKIP LOCKED), vt = the read's clock + vt seconds, read_ct + 1, last_read_at =
    // the read's clock, returned in msg_id order. As a statement of its own it is prepared once: pgmq.read builds its
    // statement with format() and plans it on every call. It also tells, in the database's clock, when the next message
    // not visible now becomes visible (pgmq's index on vt serves it). That look-up runs only when the read came back
    // short (PostgreSQL evaluates an uncorrelated scalar subquery when its value is first needed): a full batch reads
    // again anyway, and the index's range of future vts holds the entries of every message read since the last vacuum.
    // statement_timestamp() there, not clock_timestamp(): a volatile bound cannot bound an index scan. The look-up sees
    // the rows as they were before this read, so the messages it takes are not counted.
    // The most rows is bound, under a constant LIMIT (%2$s, PlanBound) PostgreSQL can plan with, so it keeps one plan.
    // Parameters: the most rows, vt seconds, the batch size.
    static final String READ_WITH_NEXT = "WITH t AS (SELECT clock_timestamp() AS now),"
                                         + " claimed AS (SELECT msg_id FROM (SELECT msg_id FROM %1$s"
                                         + " WHERE vt <= (SELECT now FROM t) ORDER BY msg_id LIMIT %2$s"
                                         + " FOR UPDATE SKIP LOCKED) c LIMIT ?::integer),"
                                         + " r AS MATERIALIZED (UPDATE %1$s q"
                                         + " SET vt = t.now + make_interval(secs => ?::integer),"
                                         + " read_ct = q.read_ct + 1, last_read_at = t.now FROM claimed, t"
                                         + " WHERE q.msg_id = claimed.msg_id RETURNING q.msg_id, q.read_ct,"
                                         + " q.enqueued_at, q.last_read_at, q.vt, q.message, q.headers),"
                                         + " n AS (SELECT statement_timestamp() AS db_now,"
                                         + " CASE WHEN (SELECT count(*) FROM r) < ?::integer"
                                         + " THEN (SELECT min(vt) FROM %1$s WHERE vt > statement_timestamp())"
                                         + " END AS next_vt)"
                                         + " SELECT r.*, n.next_vt, n.db_now FROM n LEFT JOIN r ON true"
                                         + " ORDER BY r.msg_id";

    private ReadSql() {
    }
}
