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
    // The consumer's plain read is pgmq.read's statement over the queue table (pgmq's public contract): visible rows no
    // other reader holds (SKIP LOCKED), vt = the read's clock + vt seconds, read_ct + 1, last_read_at = the read's
    // clock, returned in msg_id order. As a statement of its own it is prepared once: pgmq.read builds its statement
    // with format() and plans it on every call. It also tells, in the database's clock, when the next message not
    // visible now becomes visible (pgmq's index on vt serves it). That look-up runs only when the read came back short
    // (PostgreSQL evaluates an uncorrelated scalar subquery when its value is first needed): a full batch reads again
    // anyway, and the index's range of future vts holds the entries of every message read since the last vacuum.
    // statement_timestamp() there, not clock_timestamp(): a volatile bound cannot bound an index scan. The look-up sees
    // the rows as they were before this read, so the messages it takes are not counted.
    // %3$s is the order the rows are taken in (BY_VT or BY_MSG_ID, see read). The read's clock comes from a CTE, so
    // it bounds an index scan on vt as a parameter would.
    // The most rows is bound, under a constant LIMIT (%2$s, PlanBound) PostgreSQL can plan with, so it keeps one plan.
    // Parameters: the most rows, vt seconds, the batch size.
    private static final String READ_WITH_NEXT = "WITH t AS (SELECT clock_timestamp() AS now),"
                                                 + " claimed AS (SELECT msg_id FROM (SELECT msg_id FROM %1$s"
                                                 + " WHERE vt <= (SELECT now FROM t) ORDER BY %3$s LIMIT %2$s"
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

    // Rows in the order they became visible, along pgmq's index on vt: the scan starts at the row visible longest and
    // stops at the batch, and never meets a row that is not visible. In msg_id order (pgmq.read's) every read walks
    // past the rows at the front of the queue that are not visible: every message in flight (each reader's batch
    // while its route runs, and the one whose completion travels with the next read) and every message waiting for
    // its retry. 3,200 of them (16 readers x batch 100 x 2) made the scan of each read of 100 touch 4,390 buffers and
    // take 2.3 ms; along vt it touched 117 and took 0.15 ms (EXPLAIN ANALYZE, PostgreSQL 15). Ties (a sendBatch's rows
    // share one vt) come in the index's order, which is the order they were inserted in.
    private static final String BY_VT = "vt";
    // Without an index on vt (pgmq's partitioned queues have none), msg_id order along the primary key stops at the
    // batch; ordered by vt it would read and sort every visible row.
    private static final String BY_MSG_ID = "msg_id";

    // Whether the queue table (by name, in schema pgmq) has a valid btree index that starts with vt
    static final String VT_INDEX_EXISTS = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i"
                                          + " JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
                                          + " JOIN pg_catalog.pg_am am ON am.oid = ic.relam"
                                          + " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid"
                                          + " AND a.attnum = i.indkey[0]"
                                          + " WHERE i.indrelid = to_regclass('pgmq.' || quote_ident(?::text))"
                                          + " AND a.attname = 'vt' AND am.amname = 'btree' AND i.indisvalid"
                                          + " AND i.indpred IS NULL)";

    private ReadSql() {
    }

    /**
     * The consumer's plain read of up to {@code qty} messages over the (validated, quoted) queue table;
     * {@code vtIndexed}: whether the table has an index on vt ({@link #VT_INDEX_EXISTS}).
     */
    static String read(String qualifiedQueueTable, int qty, boolean vtIndexed) {
        return String.format(READ_WITH_NEXT, qualifiedQueueTable, PlanBound.literal(qty),
                vtIndexed ? BY_VT : BY_MSG_ID);
    }
}
