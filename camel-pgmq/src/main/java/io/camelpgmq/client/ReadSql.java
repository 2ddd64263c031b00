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
                                                 + " WHERE vt <= (SELECT now FROM t) AND %4$s ORDER BY %3$s LIMIT %2$s"
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

    /**
     * How many transaction ids past the point {@code age()} counts from a row's xmax may lie and still be taken for a
     * transaction that started during the read: a read's statement takes milliseconds, 100,000 ids are 2 s at 50,000
     * transactions a second.
     */
    static final int MAX_YOUNGER = 100_000;

    // A row this statement's snapshot shows visible, but that a transaction the snapshot does not see as finished
    // changed or locked (its xmax: the transaction that updated, deleted or locked the version the snapshot sees). Such
    // a row was taken by another reader, completed or given back a moment ago, or is being so now. Locking it would
    // cost more than skipping it: a change in progress holds the row's lock, and SKIP LOCKED skips it anyway; a change
    // committed after the snapshot makes PostgreSQL lock the row's newest version and recheck it (vt <= now fails for a
    // row another reader took), and it keeps that lock until this statement's transaction commits although the row is
    // not returned, so the reader that took the row waits for this one to archive it. Skipping these rows first, the
    // read locks none of them: they are the rows a snapshot taken a moment later would not offer either, and the next
    // read sees them as they are. A snapshot does not see a transaction as finished when it was running when the
    // snapshot was taken (the xip list) or started after it (at or past the snapshot's xmax: age() counts back from
    // the next transaction id as the statement first asked for it, so a younger transaction has a smaller age, below
    // 0 for one that started after that). A version nothing changed has xmax 0, whose age is the largest.
    // "Started after it" stops MAX_YOUNGER transaction ids past age()'s point. An xmax is not always a transaction id:
    // a row share-locked by several transactions at once (a foreign key's check, FOR SHARE, a lock taken and the row
    // changed in another subtransaction) keeps a MultiXactId, from a counter of its own. Compared as a transaction id
    // it is any distance ahead or behind, so without the bound such a row, whose lockers ended long ago, was passed
    // over by every read for as long as the transaction counter stood less than 2^31 behind it (half of each round of
    // the counter; a message nobody received for days). With it, only while the counter stands within MAX_YOUNGER
    // below it, once a round. A row taken by a transaction younger than that is locked as before: correct, only
    // slower. pg_current_snapshot() is the statement's own snapshot; both look-ups run once.
    // Measured with pg_stat_statements over the grouped benchmark (PostgreSQL 15, 4 readers x batch 10): an archive
    // took 0.17 ms a call after plain reads and 0.22 after grouped reads of 1,000 groups; 0.27 and 0.37 ms while the
    // reads locked such rows.
    static final String UNCHANGED_SINCE_SNAPSHOT = "NOT (age(%1$s.xmax) BETWEEN -" + MAX_YOUNGER
                                                   + " AND (SELECT age(xid(pg_snapshot_xmax(pg_current_snapshot()))))"
                                                   + " OR %1$s.xmax = ANY (ARRAY(SELECT xid(x)"
                                                   + " FROM pg_snapshot_xip(pg_current_snapshot()) x)))";

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

    /** {@link #UNCHANGED_SINCE_SNAPSHOT} for the rows of {@code alias} (a table or its alias in the statement). */
    static String unchangedSinceSnapshot(String alias) {
        return String.format(UNCHANGED_SINCE_SNAPSHOT, alias);
    }

    /**
     * The consumer's plain read of up to {@code qty} messages over the (validated, quoted) queue table;
     * {@code vtIndexed}: whether the table has an index on vt ({@link #VT_INDEX_EXISTS}).
     */
    static String read(String qualifiedQueueTable, int qty, boolean vtIndexed) {
        return String.format(READ_WITH_NEXT, qualifiedQueueTable, PlanBound.literal(qty),
                vtIndexed ? BY_VT : BY_MSG_ID, unchangedSinceSnapshot(qualifiedQueueTable));
    }
}
