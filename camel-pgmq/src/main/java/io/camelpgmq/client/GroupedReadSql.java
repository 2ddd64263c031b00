package io.camelpgmq.client;

/**
 * camel-pgmq's own grouped (FIFO) read: one auto-commit statement over pgmq's queue table contract
 * ({@code pgmq.q_<name>}: msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers), used by the consumer
 * instead of pgmq's {@code read_grouped*} functions.
 * <p>
 * Why not pgmq's functions: on the real extension (1.13.0) they read past an invisible message in the middle of a
 * group, {@code read_grouped_rr} can hand one group to two readers (its guard is evaluated in the statement's
 * snapshot), {@code read_grouped} locks the head of every eligible group (concurrent readers come back empty), and
 * each call looks at every group, so its cost grows with the backlog. This statement keeps the same rules (a group is
 * its header {@code x-pgmq-group}, no header is one group of its own; a group is read only while its head, its lowest
 * msg_id still in the queue, is visible) and promises more:
 * <ul>
 * <li>A group's readable run stops at its first invisible message (in flight, waiting for a retry, sent with a
 * delay): a message still in the queue holds back every later message of its group.</li>
 * <li>The head row of each group it returns is locked {@code FOR UPDATE SKIP LOCKED}. A head another reader took (or
 * archived) after this statement's snapshot is passed over before it is locked
 * ({@link ReadSql#UNCHANGED_SINCE_SNAPSHOT} says why); were it locked, PostgreSQL's recheck of {@code vt <= now} on the
 * row's newest version would still skip it, so it is never read twice. Only the groups it returns are locked: the heads
 * are pulled one by one as the batch fills (a lazily read subquery), so concurrent readers take other groups instead of
 * waiting or coming back empty.</li>
 * <li>The rest of a group's run is locked as it is read (in fill and head modes; round robin locks what it picked,
 * after the pick), and the row lock returns each row's newest version: the run also stops at a message another
 * transaction made invisible after the snapshot.</li>
 * <li>Each head is found by skipping through the group index from one group to the next, one descent per group,
 * from a cursor: the key of the last group the client took ({@link GroupCursors}), so that the groups take turns (round
 * robin in the order of their keys) and a read descends only until its batch is full. So the cost is the groups a
 * read takes and those it finds taken, not the backlog, and not the messages a waiting group left at the front of
 * the queue.
 * A head's run is a range of the group index from the head on, however few messages a group has. Without the index
 * ({@link #groupIndex}) the statement walks the primary key instead: correct, only slower.</li>
 * <li>No session state, no advisory lock: it runs as one statement in auto-commit, behind a transaction pooler
 * too.</li>
 * </ul>
 * Like {@code readWithNextVisible}'s plain form it also returns the database's clock and, when the read came back
 * short, the earliest future {@code vt} of the queue; with the group index, also whether groups other than those
 * it took were free ({@link PgmqRead#otherGroupsFree()}); and the cursor for the next read ({@code group_cursor}).
 * Messages of one group sent concurrently by several transactions are ordered by msg_id only once both committed:
 * send a group's messages one transaction after the other.
 */
final class GroupedReadSql {

    /**
     * The key of a row's group, as pgmq's grouped functions name the group: a 64-bit hash of it, which the group index
     * holds and the reads compare. Each comparison in the index (on every send, on every read's descent, on every
     * read's update of vt, which writes a new index entry) is then of two integers, not of two strings. Instruction
     * counts on PostgreSQL 15 (src/bench/instructions.sh, 4 clients, 10 groups): 0.90 of the read on the text of the
     * group compared byte by byte. Two groups whose names hash alike (one chance in 2^64 for a pair) are read as one
     * group: their messages are taken one at a time in msg_id order, so each group's order still holds.
     */
    private static final String GROUP_OF = "hashtextextended(coalesce(%sheaders ->> 'x-pgmq-group',"
                                           + " '_default_fifo_group'), 0)";

    // The cursor: the group key after which this read starts (the statement's first parameter, in its first CTE)
    private static final String CURSOR = "(SELECT grp FROM cursor_key)";
    // Where the next read starts: the key of the last group this read took, in the order it took them (after the
    // cursor to the end of the keys, then from the first key up to the cursor), or none when it took nothing.
    // %11$s: the rows the update takes, each with its group's key as its head's look-up found it, so that the key is
    // not computed again from each row's headers (1.01x the instructions a message when it was).
    private static final String NEXT_CURSOR = "(SELECT coalesce(max(k.grp) FILTER (WHERE k.grp <= " + CURSOR
                                              + "), max(k.grp)) FROM %11$s k)";

    // Parameters: 1 the group key after which this read starts taking groups (the cursor), 2 the most groups to take
    // (qty), 3 the most messages per group, 4 qty, 5 vt seconds, 6 qty (short read?). %5$s: how a group's run is found
    // (RUN_THROUGH_INDEX or RUN_BY_WALK).
    // The heads subquery is read lazily (a nested loop pulls its next head only while the batch is not full), so the
    // fill mode locks only the heads of the groups it returns. Its ORDER BY/LIMIT sit under the row lock, so the
    // LIMIT counts locked heads: heads other readers hold are skipped, not counted. statement_timestamp() (stable) is
    // the statement's "now" throughout, so each row is judged against one clock and index scans can use it. The heads'
    // and the runs' counts are bound under constant LIMITs (%3$s, %4$s: PlanBound) so PostgreSQL keeps one plan.
    // %6$s: the CTEs the heads are found with (HEADS_OF_GROUPS with the group index, else none), %7$s: the heads,
    // locked, in the order they are taken (HEADS_BY_WALK or HEADS_BY_SKIP), %8$s: whether groups other than those
    // taken were free (OTHER_GROUPS_FREE, or unknown).
    // %9$s: how the run's rows are locked (LOCK_RUN_AS_READ, or none), %10$s: the CTEs that lock them after the pick
    // (RELOCK_PICKED, or none), %11$s: the CTE the update takes its rows from (picked or kept).
    private static final String TEMPLATE = "WITH RECURSIVE cursor_key AS (SELECT ?::bigint AS grp), %6$s runs AS ("
                                           + " SELECT h.msg_id AS head_id, h.grp, r.msg_id, r.rn"
                                           + " FROM (SELECT h.msg_id, h.grp FROM (%7$s) h LIMIT ?::integer) h"
                                           // each head's run: its group's messages from the head on, in order, as
                                           // long as every one so far is visible
                                           + " CROSS JOIN LATERAL (SELECT x.msg_id, row_number() OVER w AS rn,"
                                           + " bool_and(x.vt <= statement_timestamp()) OVER w AS open"
                                           + " FROM (SELECT y.msg_id, y.vt FROM (SELECT y.msg_id, y.vt FROM %1$s y"
                                           + "%5$s LIMIT %4$s%9$s) y LIMIT ?::integer) x"
                                           + " WINDOW w AS (ORDER BY x.msg_id)) r"
                                           + " WHERE r.open),"
                                           + " picked AS (SELECT head_id, grp, msg_id, rn FROM runs %2$s"
                                           + " LIMIT ?::integer),"
                                           + "%10$s"
                                           + " updated AS (UPDATE %1$s q"
                                           + " SET vt = statement_timestamp() + make_interval(secs => ?::integer),"
                                           + " read_ct = q.read_ct + 1, last_read_at = statement_timestamp()"
                                           + " FROM %11$s WHERE q.msg_id = %11$s.msg_id"
                                           + " RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.last_read_at, q.vt,"
                                           + " q.message, q.headers),"
                                           + " n AS (SELECT statement_timestamp() AS db_now,"
                                           + " CASE WHEN (SELECT count(*) FROM updated) < ?::integer"
                                           + " THEN (SELECT min(vt) FROM %1$s WHERE vt > statement_timestamp())"
                                           + " END AS next_vt, %8$s AS other_groups_free, " + NEXT_CURSOR
                                           + " AS group_cursor)"
                                           + " SELECT u.*, n.next_vt, n.db_now, n.other_groups_free, n.group_cursor"
                                           + " FROM n LEFT JOIN updated u ON true ORDER BY u.msg_id";

    // Fill and head modes: a run's rows are locked as the run is read, in msg_id order after its head, and waited for
    // (not skipped): this statement holds the group's head, so no other reader takes its rows, and the only locks it
    // can meet are brief ones of completions and visibility changes. The row lock returns a row's newest version, so
    // the run stops at a row whose vt another transaction moved since the snapshot, and a row completed meanwhile is
    // simply gone. Each row is locked once here and once more by the update (not three times, as with RELOCK_PICKED):
    // pgbench on PostgreSQL 15, four clients reading 10 and archiving over 10 groups, 0.99-1.11x the reads a second
    // (four rounds, three of them 1.07-1.11x); pg_stat_statements, 0.75x the time a call.
    private static final String LOCK_RUN_AS_READ = " FOR UPDATE OF y";
    // Round robin: its runs are read whole (each group's up to the batch) before the pick by layer, so locking them as
    // read would lock rows it does not take; it locks the picked rows after the pick instead, skipping those it cannot
    // take at once and keeping a group's run only up to the first of them (kept).
    private static final String RELOCK_PICKED = " locked AS (SELECT q.msg_id FROM %1$s q"
                                                + " WHERE q.msg_id IN (SELECT msg_id FROM picked)"
                                                + " AND q.vt <= statement_timestamp() FOR UPDATE SKIP LOCKED),"
                                                + " kept AS (SELECT k.msg_id, k.grp FROM (SELECT p.msg_id, p.grp, p.rn,"
                                                + " row_number() OVER (PARTITION BY p.head_id ORDER BY p.msg_id)"
                                                + " AS kept_rn"
                                                + " FROM picked p JOIN locked l USING (msg_id)) k"
                                                + " WHERE k.rn = k.kept_rn),";

    // A group's run with the group index: a range of it from the head, the group asked for as a range of one value in
    // the index's own order, which only that index gives. Asked for as "= h.grp ORDER BY msg_id", PostgreSQL could walk
    // the primary key from the head and filter by group (its estimate: a group is 1/n of the rows): to the end of the
    // queue for a group with fewer messages than the batch.
    private static final String RUN_THROUGH_INDEX = " WHERE " + group("y") + " >= h.grp AND " + group("y")
                                                    + " <= h.grp AND y.msg_id >= h.msg_id ORDER BY " + group("y")
                                                    + ", y.msg_id";
    // Without the index, the walk from the head along the primary key is the way that stops soonest (asked for in the
    // index's order, PostgreSQL would read and sort every message after the head).
    private static final String RUN_BY_WALK = " WHERE " + group("y") + " = h.grp AND y.msg_id >= h.msg_id"
                                              + " ORDER BY y.msg_id";

    // A head: a visible row no older row of its group precedes (asked of the group index, or without it of the primary
    // key); %1$s the queue table, %2$s the alias of the row asked about
    private static final String IS_HEAD = "NOT EXISTS (SELECT 1 FROM %1$s e WHERE " + group("e") + " = %%s"
                                          + " AND e.msg_id < %2$s.msg_id)";
    // Heads found by walking the queue in msg_id order, each locked as it is found (%1$s the queue table, %2$s the
    // constant bound of the heads). The walk stops once it has the heads it wants, so its cost is the rows ahead of the
    // first free heads; when no group is free, it is the whole queue, on every read. Without the group index only.
    private static final String HEADS_BY_WALK = "SELECT h.msg_id, " + group("h") + " AS grp FROM %1$s h"
                                                + " WHERE h.vt <= statement_timestamp() AND %3$s AND "
                                                + ReadSql.unchangedSinceSnapshot("h")
                                                + " ORDER BY h.msg_id LIMIT %2$s FOR UPDATE OF h SKIP LOCKED";
    // With the group index each group's head is the first entry of its range of the index, found by a skip through the
    // index from one group to the next (one descent per group), whatever the backlog. The skip starts after the cursor
    // (the key of the last group this client took from the queue), runs to the last key and goes on from the first, and
    // is pulled only while the batch is not full: a read descends for the groups it takes and for those it finds taken,
    // not for every group. So the groups take turns in the order of their keys (round robin: every free group is taken
    // within one turn of the cursor through the keys), and a batch is not the oldest free group's. Instructions a
    // message on PostgreSQL 15 (4 clients), against the heads of every group found first and the oldest taken first: 10
    // groups, 0.85 with the same index, 0.79 with the index on the key. Walking the queue in msg_id order for heads
    // went through every message ahead of the first free head on every read: with a 20,000 backlog in one group whose
    // head was in flight, 60,335 buffers and 163 ms per read against 14 for the skip (PostgreSQL 15); over 100 groups,
    // one waiting with 14,000 messages at the front, about 60,000 buffers a read. Bounded to the first 32 visible
    // messages and followed by the skip, as reads of queues of more than 64 groups did until 2026-12-04, the walk cost
    // 1.29x a plain read's instructions a message over 1,000 groups, against 1.25x for the skip from the cursor.
    // One recursion does the whole turn: it starts from a row of the cursor itself (no message, so never taken), steps
    // to the next key up to the last, then wraps to the first key (wrapped) and steps on up to the cursor. Each step
    // asks the next key above the previous one (bounded by the cursor once wrapped), and only before the wrap, when
    // there is none, the first key. Two recursions (after the cursor, then up to it) cost 1.02x its instructions a
    // message (10 groups, 4 clients): PostgreSQL starts every node of a plan on every execution, and they had twice
    // the index scans.
    // The turns by key have a price where groups' messages are interleaved: the keys are hashes, so the groups a read
    // takes one after the other have their rows anywhere in the queue, where a plain read's consecutive batches share
    // pages. src/bench/locality.sh measures it: over 1,000 interleaved groups, the same read over the same messages
    // with the groups named so that their keys sort in the order their messages came in cost 0.93x the backends' CPU
    // a message (median of 13 paired rounds, PostgreSQL 15, 4 clients; the single rounds swing by a fifth): a part of
    // why the grouped read costs 1.1-1.3x the plain one's CPU there. Taking the groups in the order their messages came
    // in would keep that locality but not the turns (a group whose messages came first would be taken again before
    // the others had their turn).
    private static final String HEADS_OF_GROUPS = "heads AS (SELECT grp, NULL::bigint AS msg_id,"
                                                  + " NULL::timestamptz AS vt, false AS wrapped, grp AS cur"
                                                  + " FROM cursor_key UNION ALL SELECT n.grp, n.msg_id, n.vt,"
                                                  + " n.wrapped, p.cur FROM heads p CROSS JOIN LATERAL ("
                                                  + nextHead("p.wrapped", "p.grp", "CASE WHEN p.wrapped THEN"
                                                          + " p.cur ELSE " + Long.MAX_VALUE + " END", "true")
                                                  + " UNION ALL " + nextHead("true", null, "p.cur", "NOT p.wrapped")
                                                  + " LIMIT 1) n),";
    // The heads in the cursor's order, each locked by its own look-up along the primary key (a lateral subquery), only
    // as the batch asks for the next: a read takes the first free groups after the cursor and looks no further.
    private static final String HEADS_BY_SKIP = "SELECT l.msg_id, l.grp FROM heads s CROSS JOIN LATERAL"
                                                + " (SELECT h.msg_id, " + group("h") + " AS grp FROM %1$s h"
                                                + " WHERE h.msg_id = s.msg_id AND h.vt <= statement_timestamp() AND "
                                                + ReadSql.unchangedSinceSnapshot("h")
                                                + " FOR UPDATE OF h SKIP LOCKED) l WHERE s.vt <= statement_timestamp()"
                                                + " LIMIT %2$s";
    // Whether more groups had a visible head (in the statement's snapshot) than the read took: the consumer sends
    // another reader to help only then. Without it every full read of a strict FIFO queue (one group) started a helper
    // whose read found the only group taken; worse, such a read often met the head just taken, locked its newest
    // version to recheck it and held that lock to its commit, so the working reader's archive waited for it. Known
    // only where the heads are at hand (the skip): a head taken meanwhile by another reader still counts as free, so
    // the answer errs towards helping. The skip goes on from the groups taken to the first other free head it finds.
    // Asked only when the answer can start a reader (not while all of a consumer's readers run): the read with the look
    // costs 1.05-1.06x the instructions a message of the read without it over 1,000 groups, 1.00-1.02x over 10
    // (callgrind, pgbench with the client's statements on PostgreSQL 15, 4 clients, two pairs each).
    private static final String OTHER_GROUPS_FREE = "EXISTS (SELECT 1 FROM heads s WHERE s.vt <= statement_timestamp()"
                                                    + " AND NOT EXISTS (SELECT 1 FROM picked p"
                                                    + " WHERE p.head_id = s.msg_id))";
    private static final String UNKNOWN = "NULL::boolean";

    // the key of a group (parameter: its name, or null for the messages without one), as the reads compute it
    static final String GROUP_KEY = "SELECT " + String.format(GROUP_OF, "") + " FROM (SELECT jsonb_build_object("
                                    + "'x-pgmq-group', ?::text) AS headers) h";

    // pgmq's FIFO index (GIN on the headers, for its own grouped functions)
    static final String CREATE_FIFO_INDEX = "SELECT pgmq.create_fifo_index(?::text)";
    static final String CREATE_FIFO_INDEXES_ALL = "SELECT pgmq.create_fifo_indexes_all()";
    // camel-pgmq's group index by its name: NULL when there is none, true when it is on the group's key (the hash the
    // reads use), false for an index of that name an earlier camel-pgmq built on the group's text
    static final String GROUP_INDEX_STATE = "SELECT (SELECT position('hashtextextended' IN"
                                            + " pg_catalog.pg_get_indexdef(i.indexrelid, 1, false)) > 0"
                                            + " FROM pg_catalog.pg_index i"
                                            + " WHERE i.indexrelid = to_regclass('pgmq.' || quote_ident(?::text)))";

    private GroupedReadSql() {
    }

    /** pgmq's own grouped read for {@code mode} ({@code read_grouped*}): queue, vt seconds, qty. */
    static String pgmqRead(GroupedRead mode) {
        return "SELECT * FROM pgmq." + mode.function() + "(?::text, ?::integer, ?::integer)";
    }

    /**
     * pgmq's grouped read that waits inside the database ({@code read_grouped*_with_poll}): queue, vt seconds, qty,
     * the longest wait in seconds, the interval between reads in milliseconds.
     */
    static String pgmqReadWithPoll(GroupedRead mode) {
        return "SELECT * FROM pgmq." + mode.function() + "_with_poll(?::text, ?::integer, ?::integer, ?::integer,"
               + " ?::integer)";
    }

    private static String group(String alias) {
        return String.format(GROUP_OF, alias + ".");
    }

    /**
     * The head of the first group in key order whose key is above {@code after} (from the first key when null) and at
     * most {@code upTo}, found by one descent of the group index, with {@code wrapped} as its flag; none unless
     * {@code when}.
     */
    private static String nextHead(String wrapped, String after, String upTo, String when) {
        return "(SELECT " + group("y") + " AS grp, y.msg_id, y.vt, " + wrapped + " AS wrapped FROM %1$s y WHERE "
               + when + (after == null ? "" : " AND " + group("y") + " > " + after) + " AND " + group("y") + " <= "
               + upTo + " ORDER BY " + group("y") + ", y.msg_id LIMIT 1)";
    }

    /**
     * The statement for {@code mode} reading up to {@code qty} messages over the (validated, quoted) queue table;
     * {@code groupIndexed}: whether the queue has the group index ({@link #groupIndex}), so that its heads are found by
     * skipping through it; {@code lookForOtherGroups}: whether it also says whether groups other than those it took
     * were free ({@link #OTHER_GROUPS_FREE}, with the group index only; else unknown).
     */
    static String read(GroupedRead mode, String qualifiedQueueTable, int qty, boolean groupIndexed,
                       boolean lookForOtherGroups) {
        // fill: no ORDER BY, so the heads are pulled only while the batch fills (in the order they are found, each
        // followed by its run); round robin: one message per group per layer, groups by the age of their head
        String order = mode == GroupedRead.ROUND_ROBIN ? "ORDER BY rn, head_id" : "";
        boolean relock = mode == GroupedRead.ROUND_ROBIN;
        String headBound = PlanBound.literal(qty);
        String heads = groupIndexed ? String.format(HEADS_BY_SKIP, qualifiedQueueTable, headBound)
                : String.format(HEADS_BY_WALK, qualifiedQueueTable, headBound, isHead(qualifiedQueueTable, "h"));
        return String.format(TEMPLATE, qualifiedQueueTable, order, PlanBound.literal(qty),
                PlanBound.literal(perGroup(mode, qty)), groupIndexed ? RUN_THROUGH_INDEX : RUN_BY_WALK,
                groupIndexed ? String.format(HEADS_OF_GROUPS, qualifiedQueueTable) : "", heads,
                groupIndexed && lookForOtherGroups ? OTHER_GROUPS_FREE : UNKNOWN, relock ? "" : LOCK_RUN_AS_READ,
                relock ? String.format(RELOCK_PICKED, qualifiedQueueTable) : "", relock ? "kept" : "picked");
    }

    /** Whether the row {@code alias} of the (validated, quoted) queue table is its group's head. */
    private static String isHead(String qualifiedQueueTable, String alias) {
        return String.format(String.format(IS_HEAD, qualifiedQueueTable, alias), group(alias));
    }

    private static int perGroup(GroupedRead mode, int qty) {
        return mode == GroupedRead.HEAD ? 1 : qty;
    }

    /**
     * The statement's parameters in order: the group key after which the read starts ({@code cursor}), the most groups
     * (qty: each group gives at least one message), the most messages per group (1 for {@link GroupedRead#HEAD}), qty,
     * vt, qty.
     */
    static Object[] parameters(GroupedRead mode, long cursor, int vtSeconds, int qty) {
        return new Object[] { cursor, qty, perGroup(mode, qty), qty, vtSeconds, qty };
    }

    /** The name of the group index of a queue: {@code q_<name>_group_idx}. */
    static String groupIndexName(String queueName) {
        return QueueNames.queueTable(queueName) + "_group_idx";
    }

    /**
     * The index that finds each group's head without scanning the backlog: on the group (as pgmq names it, compared
     * byte by byte) and msg_id. {@code concurrently} builds it without blocking sends (not inside a transaction block).
     */
    static String groupIndex(String queueName, boolean concurrently) {
        return "CREATE INDEX " + (concurrently ? "CONCURRENTLY " : "") + "IF NOT EXISTS \"" + groupIndexName(queueName)
               + "\" ON pgmq.\"" + QueueNames.queueTable(queueName)
               // the expression the reads use, word for word: PostgreSQL uses an expression index only for its own
               // expression
               + "\" (" + String.format(GROUP_OF, "") + ", msg_id)";
    }

    /** Drops the group index of a queue (one an earlier camel-pgmq built, before it is built again). */
    static String dropGroupIndex(String queueName, boolean concurrently) {
        return "DROP INDEX " + (concurrently ? "CONCURRENTLY " : "") + "IF EXISTS pgmq.\"" + groupIndexName(queueName)
               + "\"";
    }
}
