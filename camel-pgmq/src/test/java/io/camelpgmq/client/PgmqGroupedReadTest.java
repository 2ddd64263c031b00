package io.camelpgmq.client;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer's own grouped read ({@link PgmqClient#readWithNextVisible(GroupedRead, String, int, int)}), beside
 * pgmq's {@code read_grouped*} as the real extension behaves (reference section 13).
 */
class PgmqGroupedReadTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    /** What the read says when it finds the heads by skipping through the group index. */
    private static final String SKIP = "FROM heads s CROSS JOIN LATERAL";
    private final PgmqClient client = new PgmqClient(DB.dataSource());

    private String newQueue(boolean index) {
        String q = PgmqTestDatabase.uniqueQueueName("grp");
        client.createQueue(q);
        if (index) {
            client.createGroupIndex(q);
        }
        return q;
    }

    private long send(String q, String group) {
        return client.send(q, "{}", group == null ? null : "{\"x-pgmq-group\":\"" + group + "\"}", 0);
    }

    private List<Long> read(GroupedRead mode, String q, int qty) {
        return client.readWithNextVisible(mode, q, 30, qty).messages().stream().map(PgmqMessage::msgId).toList();
    }

    /** The key a grouped read orders groups by ({@code null}: the messages without a group). */
    private static long keyOf(String group) {
        return DB.queryLong("SELECT hashtextextended('" + (group == null ? "_default_fifo_group" : group) + "', 0)");
    }

    /** {@code groups} in the order of their turns when a read starts with {@code first}: in key order, wrapping. */
    private static List<String> turnsFrom(String first, List<String> groups) {
        long start = keyOf(first);
        List<String> turns = new ArrayList<>(groups);
        // keys from the first group's on, then those before it
        turns.sort(Comparator.comparing((String g) -> keyOf(g) < start).thenComparingLong(PgmqGroupedReadTest::keyOf));
        return turns;
    }

    /** A busy grouped reader completes its previous successes in the statement that reads its next messages. */
    @Test
    void completingAGroupsOldestMessagesLetsTheSameStatementReadItsNextOnes() {
        for (GroupedRead mode : GroupedRead.values()) {
            String q = newQueue(true);
            long a1 = send(q, "A"), a2 = send(q, "A"), b1 = send(q, "B"), b2 = send(q, "B");
            client.startGroupedReadsAt(q, "A");
            List<PgmqMessage> first = client.readWithNextVisible(mode, q, 30, 1).messages();
            assertEquals(List.of(a1), first.stream().map(PgmqMessage::msgId).toList(), mode.name());
            PgmqRead next = client.completeAndRead(mode, q, true, first, 30, 10);
            assertEquals(List.of(a1), next.completed(), mode + ": the completion ran");
            List<Long> ids = next.messages().stream().map(PgmqMessage::msgId).toList();
            assertTrue(ids.contains(a2), mode + ": A's completed head no longer holds it back: " + ids);
            assertTrue(ids.contains(b1), mode + ": " + ids);
            assertEquals(mode == GroupedRead.HEAD ? List.of(a2, b1) : List.of(a2, b1, b2), ids, mode.name());
            assertEquals(1, DB.queryLong("SELECT count(*) FROM pgmq.\"a_" + q + "\""), mode + ": archived");

            // a stale delivery (read again since) is not completed, and its group stays held by it
            String held = newQueue(true);
            long h1 = send(held, "H"), h2 = send(held, "H");
            PgmqMessage stale = client.readWithNextVisible(mode, held, 30, 1).messages().get(0);
            PgmqMessage outdated = new PgmqMessage(stale.msgId(), stale.readCount() + 5, null, null, null, null, null);
            PgmqRead none = client.completeAndRead(mode, held, true, List.of(outdated), 30, 10);
            assertEquals(List.of(), none.completed(), mode.name());
            assertEquals(List.of(), none.messages(), mode + ": H's head " + h1 + " is in flight, so " + h2 + " waits");
        }
    }

    @Test
    void readsLikePgmqsGroupedFunctionsWithAndWithoutTheIndex() {
        for (boolean index : List.of(true, false)) {
            String q = newQueue(index);
            assertEquals(index, client.hasGroupIndex(q));
            long a1 = send(q, "A"), a2 = send(q, "A"), a3 = send(q, "A"), b1 = send(q, "B"), b2 = send(q, "B");
            long n1 = send(q, null), n2 = send(q, null);
            if (index) {
                // the groups take turns in the order of their keys: A's run, then the next group's head; the third
                // group is left for the next read
                Map<String, List<Long>> runs = new HashMap<>(Map.of("A", List.of(a1, a2, a3), "B", List.of(b1, b2)));
                runs.put(null, List.of(n1, n2));
                List<String> turns = turnsFrom("A", Arrays.asList("A", "B", null));
                client.startGroupedReadsAt(q, "A");
                List<Long> firstRead = new ArrayList<>(List.of(a1, a2, a3));
                firstRead.add(runs.get(turns.get(1)).get(0));
                assertEquals(firstRead.stream().sorted().toList(), read(GroupedRead.FILL, q, 4),
                        "fills from the group it starts with, then the next one's");
                assertEquals(runs.get(turns.get(2)), read(GroupedRead.FILL, q, 10), "the two others are held");
            } else {
                assertEquals(List.of(a1, a2, a3, b1), read(GroupedRead.FILL, q, 4), "fills from the oldest group");
                assertEquals(List.of(n1, n2), read(GroupedRead.FILL, q, 10), "A and B are held by their heads");
            }
            assertTrue(client.archive(q, a1));
            assertEquals(List.of(), read(GroupedRead.FILL, q, 10), "A's new head is still in flight");

            String rr = newQueue(index);
            long r1 = send(rr, "A"), r2 = send(rr, "A"), r3 = send(rr, "B"), r4 = send(rr, "B"), r5 = send(rr, null);
            PgmqRead round = client.readWithNextVisible(GroupedRead.ROUND_ROBIN, rr, 30, 10);
            // the result is in msg_id order (the consumer sorts anyway); each group's first layer came first
            assertEquals(Set.of(r1, r2, r3, r4, r5), Set.copyOf(round.messages().stream().map(PgmqMessage::msgId)
                    .toList()));
            String head = newQueue(index);
            long h1 = send(head, "A");
            send(head, "A");
            long h3 = send(head, "B");
            assertEquals(List.of(h1, h3), read(GroupedRead.HEAD, head, 10));
            String few = newQueue(index);
            long f1 = send(few, "A");
            long f2 = send(few, "B");
            send(few, "C");
            if (index) {
                client.startGroupedReadsAt(few, "B");
                assertEquals(List.of(f2), read(GroupedRead.ROUND_ROBIN, few, 1), "round robin: the group's turn");
            } else {
                assertEquals(List.of(f1), read(GroupedRead.ROUND_ROBIN, few, 1), "round robin: the oldest head first");
            }
        }
    }

    /**
     * The groups take turns: each read starts after the last group the client took, in the order of the groups' keys,
     * so every free group is taken once a round whatever the age of its messages. Read oldest group first, the group
     * whose messages were sent first had every read to itself until it was drained.
     */
    @Test
    void theGroupsTakeTurnsWhateverTheAgeOfTheirMessages() {
        for (GroupedRead mode : GroupedRead.values()) {
            String q = newQueue(true);
            List<String> groups = List.of("g0", "g1", "g2", "g3", "g4");
            for (String group : groups) {
                for (int i = 0; i < 4; i++) {
                    send(q, group); // g0's four first, then g1's, ...
                }
            }
            client.startGroupedReadsAt(q, "g0");
            List<String> taken = new ArrayList<>();
            for (int i = 0; i < 2 * groups.size(); i++) {
                List<PgmqMessage> batch = client.readWithNextVisible(mode, q, 30, 1).messages();
                assertEquals(1, batch.size(), mode + ": " + taken);
                taken.add(batch.get(0).headers().replaceAll(".*\"(g\\d+)\".*", "$1"));
                assertTrue(client.archive(q, batch.get(0).msgId()));
            }
            List<String> turns = turnsFrom("g0", groups);
            List<String> twoRounds = new ArrayList<>(turns);
            twoRounds.addAll(turns);
            assertEquals(twoRounds, taken, mode.name());
        }
    }

    /**
     * The real extension reads past an invisible message in the middle of a group (g:1, g:3 while g:2 waits for a
     * retry); the compatible SQL does the same, so other clients see what the extension gives them. The consumer's
     * read stops the group at g:2.
     */
    @Test
    void anInvisibleMessageInTheMiddleHoldsBackTheRestOfItsGroup() {
        String q = newQueue(true);
        long g1 = send(q, "g"), g2 = send(q, "g"), g3 = send(q, "g");
        long other = send(q, "o");
        client.setVt(q, g2, 60);
        // what pgmq 1.13.0 was observed to return (reference section 13), and the compatible SQL returns too
        assertEquals(List.of(g1, g3, other), client.readGrouped(q, 0, 10).stream().map(PgmqMessage::msgId)
                .sorted().toList(), "read_grouped passes over the invisible g:2");
        assertEquals(List.of(g1, g3, other), client.readGroupedRoundRobin(q, 0, 10).stream()
                .map(PgmqMessage::msgId).sorted().toList(), "read_grouped_rr too");
        assertEquals(List.of(g1, other), client.readGroupedHead(q, 0, 10).stream().map(PgmqMessage::msgId)
                .sorted().toList(), "read_grouped_head takes heads only");
        for (GroupedRead mode : GroupedRead.values()) {
            client.setVt(q, List.of(g1, g3, other), 0);
            assertEquals(List.of(g1, other), read(mode, q, 10), mode + ": g:3 waits behind g:2");
        }
        // a message sent with a delay in the middle holds back its group the same way
        String delayed = newQueue(true);
        long d1 = send(delayed, "d");
        client.send(delayed, "{}", "{\"x-pgmq-group\":\"d\"}", 60);
        send(delayed, "d");
        assertEquals(List.of(d1), read(GroupedRead.FILL, delayed, 10));
        assertTrue(client.archive(delayed, d1));
        assertEquals(List.of(), read(GroupedRead.FILL, delayed, 10), "the delayed head holds its group");
    }

    /**
     * A read takes only the groups it returns: while one reader's transaction holds a group, another reader
     * gets the next group at once instead of coming back empty (pgmq's read_grouped locks every eligible head).
     */
    @Test
    void aReaderLocksOnlyTheGroupsItReturns() throws Exception {
        String q = newQueue(true);
        List<Long> a = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            a.add(send(q, "A"));
        }
        long b1 = send(q, "B");
        long c1 = send(q, "C");
        try (Connection tx = DB.dataSource().getConnection()) {
            tx.setAutoCommit(false);
            PgmqClient inTx = PgmqClient.onConnection(tx);
            inTx.startGroupedReadsAt(q, "A");
            assertEquals(a, inTx.readWithNextVisible(GroupedRead.FILL, q, 30, 3).messages().stream()
                    .map(PgmqMessage::msgId).toList());
            // the first read has not committed: A's rows are still visible to others' snapshots, but locked
            assertEquals(List.of(b1, c1), read(GroupedRead.FILL, q, 10), "B and C were not locked by the first read");
            tx.rollback();
        }
        client.startGroupedReadsAt(q, "A");
        assertEquals(a, read(GroupedRead.FILL, q, 3), "rolled back: A is readable again, in order");
    }

    /**
     * A row in the middle of a group's run that another transaction holds for a moment (a completion, a visibility
     * change) is waited for, then judged by its newest version: the run goes on past it while it stays visible, and
     * stops before it when the change made it invisible. Before, the fill mode skipped it and cut the run there.
     * Round robin still skips it (it locks what it picked, after the pick) and keeps the run before it.
     */
    @Test
    void aRunRowAnotherTransactionHoldsIsWaitedForAndJudgedByItsNewestVersion() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            for (int vtAfter : new int[] { 0, 60 }) {
                String q = newQueue(true);
                long a1 = send(q, "A"), a2 = send(q, "A"), a3 = send(q, "A");
                try (Connection tx = DB.dataSource().getConnection()) {
                    tx.setAutoCommit(false);
                    PgmqClient.onConnection(tx).setVt(q, a2, vtAfter);
                    assertEquals(List.of(a1), read(GroupedRead.ROUND_ROBIN, q, 10),
                            "round robin keeps the run up to the row it cannot take at once");
                    client.setVt(q, a1, 0);
                    Future<List<Long>> fill = pool.submit(() -> read(GroupedRead.FILL, q, 10));
                    Thread.sleep(300);
                    assertFalse(fill.isDone(), "the fill read waits for a2's lock");
                    tx.commit();
                    assertEquals(vtAfter == 0 ? List.of(a1, a2, a3) : List.of(a1), fill.get(10, TimeUnit.SECONDS),
                            "a2 made visible at " + vtAfter + " s");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Six readers in each mode race over 20 groups; each holds its groups from its read until just before its archive.
     * No group is ever held by two readers at once (pgmq's read_grouped_rr can hand one group to two readers) and each
     * group is read in msg_id order.
     */
    @Test
    void concurrentReadersNeverHoldOneGroupAtOnce() throws Exception {
        for (GroupedRead mode : GroupedRead.values()) {
            String q = newQueue(true);
            int groups = 20;
            int perGroup = 10;
            List<String> bodies = new ArrayList<>();
            List<String> headers = new ArrayList<>();
            for (int seq = 0; seq < perGroup; seq++) {
                for (int g = 0; g < groups; g++) {
                    bodies.add("{\"seq\":" + seq + "}");
                    headers.add("{\"x-pgmq-group\":\"g" + g + "\"}");
                }
            }
            client.sendBatch(q, bodies, headers, 0);
            Map<String, String> holder = new ConcurrentHashMap<>();
            Map<String, Integer> lastSeq = new ConcurrentHashMap<>();
            List<String> violations = new CopyOnWriteArrayList<>();
            AtomicInteger done = new AtomicInteger();
            AtomicInteger emptyWhileGroupsLeft = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < 6; r++) {
                String me = "reader" + r;
                futures.add(pool.submit(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (done.get() < groups * perGroup && System.nanoTime() < deadline) {
                        List<PgmqMessage> batch = client.readWithNextVisible(mode, q, 30, 3).messages();
                        Set<String> mine = new HashSet<>();
                        for (PgmqMessage m : batch) {
                            String group = m.headers().replaceAll(".*\"(g\\d+)\".*", "$1");
                            if (mine.add(group)) {
                                String other = holder.putIfAbsent(group, me);
                                if (other != null) {
                                    violations.add(group + " held by " + other + " and " + me);
                                }
                            }
                            int seq = Integer.parseInt(m.message().replaceAll("\\D", ""));
                            Integer before = lastSeq.put(group, seq);
                            if (seq != (before == null ? 0 : before + 1)) {
                                violations.add(group + ": seq " + seq + " after " + before);
                            }
                        }
                        mine.forEach(holder::remove);
                        if (batch.isEmpty()) {
                            emptyWhileGroupsLeft.incrementAndGet();
                            Thread.onSpinWait();
                        } else {
                            client.archive(q, batch.stream().map(PgmqMessage::msgId).toList());
                            done.addAndGet(batch.size());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(90, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
            assertEquals(List.of(), violations, mode.name());
            assertEquals(groups * perGroup, done.get(), mode.name());
            assertEquals(0, client.metrics(q).queueLength(), mode.name());
        }
    }

    @Test
    void theGroupIndexIsCreatedOnceAndItsStatementIsDocumented() {
        String q = newQueue(false);
        assertFalse(client.hasGroupIndex(q));
        client.createGroupIndex(q);
        client.createGroupIndex(q);
        assertTrue(client.hasGroupIndex(q));
        assertEquals(PgmqClient.GroupIndexState.CURRENT, client.groupIndexState(q));
        assertEquals("CREATE INDEX CONCURRENTLY IF NOT EXISTS \"q_" + q + "_group_idx\" ON pgmq.\"q_" + q
                     + "\" (hashtextextended(coalesce(headers ->> 'x-pgmq-group', '_default_fifo_group'), 0), msg_id)",
                PgmqClient.groupIndexStatement(q, true));
        String other = newQueue(false);
        DB.execute(PgmqClient.groupIndexStatement(other, true));
        assertTrue(client.hasGroupIndex(other), "the documented statement creates the index the client looks for");
    }

    /**
     * Group indexes earlier builds made: until 2026-12-02 on the group compared in the database's collation (each
     * comparison a call to strcoll), then on the group compared in collation "C"; reads now ask for the group's key (a
     * 64-bit hash), which neither can serve. The client tells them apart from the current one, reads as without an
     * index meanwhile, and createGroupIndex (what a consumer with autoCreateQueue=true calls) builds it again.
     */
    @Test
    void groupIndexesEarlierBuildsMadeAreToldApartAndBuiltAgain() {
        for (String group : List.of("(coalesce(headers ->> 'x-pgmq-group', '_default_fifo_group'))",
                "(coalesce(headers ->> 'x-pgmq-group', '_default_fifo_group') COLLATE \"C\")")) {
            String q = newQueue(false);
            assertEquals(PgmqClient.GroupIndexState.MISSING, client.groupIndexState(q));
            DB.execute("CREATE INDEX \"q_" + q + "_group_idx\" ON pgmq.\"q_" + q + "\" (" + group + ", msg_id)");
            assertEquals(PgmqClient.GroupIndexState.OUTDATED, client.groupIndexState(q), group);
            assertFalse(client.hasGroupIndex(q));
            assertFalse(client.readStatement(GroupedRead.FILL, q, 10).contains(">= h.grp"), "read as without an index");
            long a1 = send(q, "a");
            long b1 = send(q, "b");
            send(q, "a");
            assertEquals(List.of(a1, b1), read(GroupedRead.HEAD, q, 10), "reads stay correct meanwhile");

            client.createGroupIndex(q);
            assertEquals(PgmqClient.GroupIndexState.CURRENT, client.groupIndexState(q));
            assertEquals(1, DB.queryLong("SELECT count(*) FROM pg_indexes WHERE schemaname = 'pgmq' AND tablename = 'q_"
                                         + q + "' AND indexname LIKE '%group%'"), "built again, not beside it");
            assertTrue(client.readStatement(GroupedRead.FILL, q, 10).contains(">= h.grp"),
                    "read through the new index");
            assertEquals("DROP INDEX CONCURRENTLY IF EXISTS pgmq.\"q_" + q + "_group_idx\"",
                    PgmqClient.dropGroupIndexStatement(q, true));
        }
    }

    /**
     * A group with a few messages among many of other groups: its run is found through the group index, whichever plan
     * PostgreSQL picks. With the run asked for as "this group's messages from its head on, in msg_id order", the plan
     * for a queue of 10 groups (its statistics: a tenth of the rows each) walked the primary key from the head and
     * filtered by group: to the end of the queue for a group with fewer messages than the batch.
     */
    @Test
    void aSmallGroupsRunIsFoundThroughTheGroupIndexNotByWalkingTheQueue() throws Exception {
        String q = newQueue(true);
        // group R: 3 messages at the front; 9 other groups share the rest of 30,000
        fill(q, "CASE WHEN i IN (0, 5, 7) THEN 'R' ELSE 'g' || i % 9 END");
        assertOneReadTouchesFewBlocks(q);
        // fill: R's whole run first (the read starts with R), then the next groups' runs
        client.startGroupedReadsAt(q, "R");
        List<Long> ids = read(GroupedRead.FILL, q, 10);
        assertEquals(List.of(1L, 6L, 8L), ids.stream().filter(id -> id == 1 || id == 6 || id == 8).toList());
        assertEquals(10, ids.size(), ids.toString());
        assertEquals(1L, ids.get(0), ids.toString());
    }

    /**
     * Without the group index a run is found by walking the primary key from its head, which stops once the batch is
     * full. Asked for in the group index's order without the index (as f9fa4f3 did), PostgreSQL read every message
     * after the head and sorted them.
     */
    @Test
    void withoutTheGroupIndexARunStillStopsOnceTheBatchIsFull() throws Exception {
        String q = newQueue(false);
        fill(q, "'g' || i % 10");
        assertOneReadTouchesFewBlocks(q);
        assertEquals(List.of(1L, 11L, 21L, 31L, 41L, 51L, 61L, 71L, 81L, 91L), read(GroupedRead.FILL, q, 10));
    }

    /** The read is written for the queue as the client last found it: with the group index or without. */
    @Test
    void theReadFollowsTheGroupIndex() {
        String q = newQueue(false);
        String throughIndex = ">= h.grp";
        assertFalse(client.readStatement(GroupedRead.FILL, q, 10).contains(throughIndex), "no index yet: the walk");
        client.createGroupIndex(q);
        assertTrue(client.readStatement(GroupedRead.FILL, q, 10).contains(throughIndex), "the index it created");
        client.dropQueue(q);
        client.createQueue(q);
        assertFalse(client.readStatement(GroupedRead.FILL, q, 10).contains(throughIndex), "dropped with the queue");

        String other = newQueue(false);
        DB.execute(PgmqClient.groupIndexStatement(other, true));
        assertTrue(new PgmqClient(DB.dataSource()).readStatement(GroupedRead.FILL, other, 10).contains(throughIndex),
                "an index created by hand, found by the first read");
    }

    /**
     * A queue of few groups whose every head is taken (a strict FIFO queue: one group, read by more readers than it has
     * groups): walking the queue for a free head went through the whole backlog on every read (60,335 buffers and
     * 163 ms for 20,000 messages in one group, PostgreSQL 15; the round-robin and head modes did so whenever fewer groups
     * were free than the read looks for). The heads are found by skipping through the group index instead, in every
     * mode, and a free group is still found.
     */
    @Test
    void aQueueOfFewGroupsWhoseHeadsAreTakenIsNotWalkedThrough() throws Exception {
        for (GroupedRead mode : GroupedRead.values()) {
            String q = newQueue(true);
            fill(q, "CASE WHEN i < 29990 THEN 'one' ELSE 'other' || i END");
            assertEquals(11, DB.queryLong("SELECT count(DISTINCT headers ->> 'x-pgmq-group') FROM pgmq.\"q_" + q
                                          + "\""));
            client.startGroupedReadsAt(q, "one");
            List<Long> taken = client.readWithNextVisible(mode, q, 300, 1).messages().stream()
                    .map(PgmqMessage::msgId).toList();
            assertEquals(List.of(1L), taken, mode + ": the head of the big group, held from now on");
            for (int i = 0; i < 10; i++) {
                // the ten small groups at the end: found whatever is ahead of them
                assertEquals(1, read(mode, q, 1).size(), mode + ": a small group's message");
            }
            ReadBuffers.assertFewerThan(300, DB.dataSource(), client.readStatement(mode, q, 10),
                    GroupedReadSql.parameters(mode, 0L, 30, 10), "pgmq.\"q_" + q + "\"");
            assertEquals(List.of(), read(mode, q, 10), mode + ": every group held");
        }
    }

    /**
     * A queue of many groups where one group waits (its head in process, or waiting for a retry) while the others are
     * read: its later messages are left at the front of the queue. Walking the queue for free heads went through all of
     * them on every read of every reader (100 groups, 14,000 messages of the waiting group ahead of the free heads:
     * about 60,000 buffers a read); the heads are found by skipping through the groups instead.
     * <p>
     * The queue is sent in that order (no message deleted to make it): until 2026-12-04 the test deleted the other
     * groups' messages from the front and vacuumed, and on PostgreSQL 15 one run in four or five failed with about
     * 1,900 buffers: each step of the skip walked its group's ~141 dead index entries, one heap page each (EXPLAIN of a
     * failing run). VACUUM leaves rows deleted after the snapshot of any other session of the database (most likely an
     * autovacuum worker on the previous mode's queue; not shown), so what the read met depended on what else ran.
     */
    @Test
    void aWaitingGroupsMessagesAtTheFrontOfAQueueOfManyGroupsAreNotWalkedThrough() throws Exception {
        for (GroupedRead mode : GroupedRead.values()) {
            String q = newQueue(true);
            // 14,000 messages of the waiting group, then 2,000 alternating between it and 99 other groups
            fill(q, "CASE WHEN i < 14000 OR i % 2 = 0 THEN 'waiting' ELSE 'g' || i % 99 END", 16000);
            client.startGroupedReadsAt(q, "waiting");
            assertEquals(List.of(1L), read(mode, q, 1), mode + ": the waiting group's head, held from now on");
            String table = "pgmq.\"q_" + q + "\"";
            assertTrue(client.readStatement(mode, q, 10).contains(SKIP), mode + ": 100 groups, the skip");
            ReadBuffers.assertFewerThan(1000, DB.dataSource(), client.readStatement(mode, q, 10),
                    GroupedReadSql.parameters(mode, 0L, 30, 10), table);
            List<PgmqMessage> read = client.readWithNextVisible(mode, q, 30, 10).messages();
            assertFalse(read.isEmpty(), mode + ": free groups are read");
            assertTrue(read.stream().allMatch(m -> m.msgId() > 14000 && !m.headers().contains("waiting")),
                    mode + ": " + read.stream().map(PgmqMessage::msgId).toList());
        }
    }

    /**
     * A grouped read tells whether groups other than those it took were free (the consumer sends a helper only then),
     * however many groups the queue has; without the group index it does not know.
     */
    @Test
    void aGroupedReadTellsWhetherOtherGroupsWereFree() {
        for (GroupedRead mode : GroupedRead.values()) {
            String q = newQueue(true);
            for (int i = 0; i < 3; i++) {
                send(q, "a");
            }
            assertEquals(Boolean.FALSE, client.readWithNextVisible(mode, q, 30, 1).otherGroupsFree(),
                    mode + ": one group, taken by this read");
            send(q, "b");
            send(q, "c");
            PgmqRead read = client.readWithNextVisible(mode, q, 30, 1);
            assertEquals(1, read.messages().size(), mode + ": b");
            assertEquals(Boolean.TRUE, read.otherGroupsFree(), mode + ": b taken, c free");
            assertEquals(Boolean.FALSE, client.readWithNextVisible(mode, q, 30, 1).otherGroupsFree(),
                    mode + ": c taken, a and b held");
            assertEquals(Boolean.FALSE, client.readWithNextVisible(mode, q, 30, 1).otherGroupsFree(),
                    mode + ": nothing free");
        }
        String many = newQueue(true);
        for (int g = 0; g < 200; g++) {
            send(many, "g" + g);
        }
        for (int g = 0; g < 199; g++) {
            assertEquals(Boolean.TRUE, client.readWithNextVisible(GroupedRead.FILL, many, 30, 1).otherGroupsFree(),
                    "200 groups, " + (g + 1) + " taken");
        }
        assertEquals(Boolean.FALSE, client.readWithNextVisible(GroupedRead.FILL, many, 30, 1).otherGroupsFree(),
                "200 groups, the last one taken");
        assertNull(client.readWithNextVisible(GroupedRead.FILL, newQueue(false), 30, 1).otherGroupsFree(),
                "no group index: not known");
        assertNull(client.readWithNextVisible(null, many, 30, 1).otherGroupsFree(), "a plain read: not known");
        String notAsked = newQueue(true);
        send(notAsked, "a");
        send(notAsked, "b");
        PgmqRead read = client.readWithNextVisible(GroupedRead.FILL, notAsked, 30, 1, false);
        assertEquals(1, read.messages().size(), "a read that does not look for other groups still reads");
        assertNull(read.otherGroupsFree(), "not looked for: not known");
    }

    /** A grouped read of 10 touches fewer than 300 buffers (of a queue of ~430 heap pages), whichever plan is used. */
    private void assertOneReadTouchesFewBlocks(String q) throws Exception {
        ReadBuffers.assertFewerThan(300, DB.dataSource(), client.readStatement(GroupedRead.FILL, q, 10),
                GroupedReadSql.parameters(GroupedRead.FILL, 0L, 30, 10), "pgmq.\"q_" + q + "\"");
    }

    /** 30,000 messages whose group is {@code groupOf} of their number i (SQL), analyzed as autovacuum would. */
    private void fill(String q, String groupOf) {
        fill(q, groupOf, 30000);
    }

    /** Sends {@code count} messages in one statement, the i-th (from 0) in group {@code groupOf}, and analyzes. */
    private void fill(String q, String groupOf, int count) {
        String table = "pgmq.\"q_" + q + "\"";
        DB.execute("INSERT INTO " + table + " (vt, message, headers) SELECT now(), jsonb_build_object('n', i),"
                   + " jsonb_build_object('x-pgmq-group', " + groupOf + ") FROM generate_series(0, " + (count - 1)
                   + ") i");
        DB.execute("ANALYZE " + table);
    }
}
