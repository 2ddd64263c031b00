package io.camelpgmq.client;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pgmq's FIFO groups (reference section 13): every observed case, and two readers at once. */
class PgmqClientFifoTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private final PgmqClient client = new PgmqClient(DB.dataSource());

    private String newQueue() {
        String q = PgmqTestDatabase.uniqueQueueName("fifo");
        client.createQueue(q);
        return q;
    }

    private long send(String q, String group) {
        return client.send(q, "{\"g\":\"" + group + "\"}", group == null ? null : "{\"x-pgmq-group\":\"" + group + "\"}",
                0);
    }

    private static List<Long> ids(List<PgmqMessage> messages) {
        return messages.stream().map(PgmqMessage::msgId).toList();
    }

    /** A = 1,2,3, B = 4,5, no header = 6,7, as in the reference's observation. */
    private long[] observedQueue(String q) {
        return new long[] { send(q, "A"), send(q, "A"), send(q, "A"), send(q, "B"), send(q, "B"), send(q, null),
                send(q, null) };
    }

    @Test
    void readGroupedFillsFromTheOldestEligibleGroupAndInFlightHeadsBlockTheirGroups() {
        String q = newQueue();
        long[] m = observedQueue(q);
        List<PgmqMessage> first = client.readGrouped(q, 30, 4);
        assertEquals(List.of(m[0], m[1], m[2], m[3]), ids(first));
        assertTrue(first.stream().allMatch(x -> x.readCount() == 1 && x.lastReadAt() != null
                                                && x.vt().isAfter(x.lastReadAt())), "read like pgmq.read");
        assertEquals(List.of(m[5], m[6]), ids(client.readGrouped(q, 30, 10)), "A and B are blocked by their heads");
        assertTrue(client.archive(q, m[0]));
        assertEquals(List.of(), client.readGrouped(q, 30, 10), "A's new head 2 is still in flight");
    }

    @Test
    void roundRobinTakesOnePerGroupPerRoundAndHeadAtMostOnePerGroup() {
        String rr = newQueue();
        long a1 = send(rr, "A"), a2 = send(rr, "A"), b1 = send(rr, "B"), b2 = send(rr, "B");
        long n1 = send(rr, null), n2 = send(rr, null);
        assertEquals(List.of(a1, b1, n1, a2, b2, n2), ids(client.readGroupedRoundRobin(rr, 30, 10)));

        String head = newQueue();
        long h1 = send(head, "A");
        send(head, "A");
        long h3 = send(head, "B");
        send(head, "B");
        long h5 = send(head, null);
        send(head, null);
        assertEquals(List.of(h1, h3, h5), ids(client.readGroupedHead(head, 30, 10)));
    }

    @Test
    void plainReadIgnoresGroups() {
        String q = newQueue();
        long[] m = observedQueue(q);
        List<Long> all = ids(client.read(q, 30, 10));
        assertEquals(7, all.size());
        assertEquals(Set.of(m[0], m[1], m[2], m[3], m[4], m[5], m[6]), new HashSet<>(all));
    }

    @Test
    void aDelayedHeadBlocksItsWholeGroupInEveryGroupedRead() {
        String q = newQueue();
        client.send(q, "{}", "{\"x-pgmq-group\":\"late\"}", 60);
        send(q, "late");
        long other = send(q, "other");
        for (GroupedRead mode : GroupedRead.values()) {
            client.setVt(q, other, 0);
            assertEquals(List.of(other), ids(client.readGrouped(mode, q, 30, 10)), mode.name());
        }
    }

    @Test
    void aRetriedHeadBlocksItsGroupUntilItIsArchived() {
        String q = newQueue();
        long first = send(q, "G"), second = send(q, "G");
        assertEquals(List.of(first), ids(client.readGroupedHead(q, 30, 10)));
        client.setVt(q, first, 60); // a retry delay
        assertEquals(List.of(), client.readGrouped(q, 30, 10));
        assertTrue(client.archive(q, first));
        assertEquals(List.of(second), ids(client.readGrouped(q, 30, 10)));
    }

    @Test
    void theGroupIsTheHeadersTextSoTheNumberSevenIsGroupSeven() {
        String q = newQueue();
        long number = client.send(q, "{}", "{\"x-pgmq-group\":7}", 0);
        client.send(q, "{}", "{\"x-pgmq-group\":\"7\"}", 0);
        assertEquals(List.of(number), ids(client.readGroupedHead(q, 30, 10)));
        assertEquals(List.of(), client.readGrouped(q, 30, 10), "one group '7'");
    }

    /**
     * As the real pgmq 1.13.0: quantity 0 is empty; a negative quantity is empty for read_grouped_rr and for a queue
     * with nothing eligible, and LIMIT's error for read_grouped and read_grouped_head when a group is eligible.
     */
    @Test
    void quantityZeroOrNegativeIsEmptyOrLimitsErrorAndAnUnknownQueueIsNamed() {
        String q = newQueue();
        for (String fn : List.of("read_grouped", "read_grouped_rr", "read_grouped_head")) {
            assertEquals(0, DB.queryLong("SELECT count(*) FROM pgmq." + fn + "('" + q + "', 30, -1)"), "empty " + fn);
        }
        send(q, "A");
        for (String fn : List.of("read_grouped", "read_grouped_rr", "read_grouped_head")) {
            assertEquals(0, DB.queryLong("SELECT count(*) FROM pgmq." + fn + "('" + q + "', 30, 0)"), fn);
        }
        assertEquals(0, DB.queryLong("SELECT count(*) FROM pgmq.read_grouped_rr('" + q + "', 30, -1)"));
        for (String fn : List.of("read_grouped", "read_grouped_head")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> DB.queryLong("SELECT count(*) FROM pgmq." + fn + "('" + q + "', 30, -1)"), fn);
            assertTrue(e.getMessage().contains("LIMIT must not be negative"), e.getMessage());
        }
        assertEquals(1, DB.queryLong("SELECT count(*) FROM pgmq.read_grouped('" + q + "', 30, 1)"), "nothing was read");
        PgmqException e = assertThrows(PgmqException.QueueNotFound.class,
                () -> client.readGrouped("fifo_no_such_queue", 30, 1));
        assertTrue(e.getCause().getMessage().contains("relation \"pgmq.q_fifo_no_such_queue\" does not exist"),
                e.getCause().getMessage());
    }

    @Test
    void withPollReturnsWhatArrivesAndEmptyAfterItsWait() throws Exception {
        String q = newQueue();
        long start = System.nanoTime();
        assertEquals(List.of(), client.readGroupedWithPoll(GroupedRead.FILL, q, 30, 5, 1, 100));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(900), "waited its second");
        ExecutorService sender = Executors.newSingleThreadExecutor();
        try {
            Future<Long> sent = sender.submit(() -> {
                Thread.sleep(300);
                return send(q, "P");
            });
            for (GroupedRead mode : GroupedRead.values()) {
                List<PgmqMessage> got = client.readGroupedWithPoll(mode, q, 0, 5, 4, 50);
                assertEquals(List.of(sent.get()), ids(got), mode.name());
            }
        } finally {
            sender.shutdownNow();
        }
        // the SQL defaults: max_poll_seconds 5, poll_interval_ms 100
        assertEquals(1, DB.queryLong("SELECT count(*) FROM pgmq.read_grouped_head_with_poll('" + q + "', 30, 1)"));
    }

    @Test
    void fifoIndexes() {
        String q = newQueue();
        client.createFifoIndex(q);
        client.createFifoIndex(q); // idempotent
        client.createFifoIndexesAll();
        assertEquals(1, DB.queryLong("SELECT count(*) FROM pg_indexes WHERE schemaname = 'pgmq' AND indexname = 'q_"
                                     + q + "_fifo_idx' AND indexdef LIKE '%gin (headers)%'"));
    }

    /**
     * Two threads read grouped at once, over many small groups: a thread that holds a message of a group (from its
     * read until just before its archive) must be the only one holding that group, and every group is processed in
     * the order it was sent.
     */
    @Test
    void twoConcurrentGroupedReadersNeverHoldOneGroupAtOnce() throws Exception {
        String q = newQueue();
        int groups = 20;
        int perGroup = 15;
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
        ExecutorService readers = Executors.newFixedThreadPool(2);
        List<Future<?>> futures = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            String me = "reader" + r;
            GroupedRead mode = r == 0 ? GroupedRead.FILL : GroupedRead.ROUND_ROBIN;
            futures.add(readers.submit(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (done.get() < groups * perGroup && System.nanoTime() < deadline) {
                    List<PgmqMessage> batch = client.readGrouped(mode, q, 30, 4);
                    Set<String> mine = new HashSet<>();
                    for (PgmqMessage m : batch) {
                        String group = m.headers().replaceAll(".*\"(g\\d+)\".*", "$1");
                        String other = holder.putIfAbsent(group, me);
                        if (other != null && !other.equals(me)) {
                            violations.add(group + " held by " + other + " and " + me);
                        }
                        mine.add(group);
                        int seq = Integer.parseInt(m.message().replaceAll("\\D", ""));
                        Integer before = lastSeq.put(group, seq);
                        if (seq != (before == null ? 0 : before + 1)) {
                            violations.add(group + ": seq " + seq + " after " + before);
                        }
                    }
                    mine.forEach(holder::remove); // released before the archive commits: only then may another read
                    if (!batch.isEmpty()) {
                        client.archive(q, ids(batch));
                        done.addAndGet(batch.size());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(90, TimeUnit.SECONDS);
        }
        readers.shutdownNow();
        assertEquals(List.of(), violations);
        assertEquals(groups * perGroup, done.get());
        assertEquals(0, client.metrics(q).queueLength());
    }

    /** Installing the compatible SQL over version 1 upgrades it in place: queues and messages stay. */
    @Test
    void installingOverVersionOneUpgradesInPlace() throws Exception {
        String database = "upgrade_" + Long.toString(System.nanoTime(), 36);
        DB.execute("CREATE DATABASE " + database);
        try {
            try (Connection c = DriverManager.getConnection(DB.jdbcUrl(database), DB.credentials()); Statement st = c.createStatement()) {
                String v1 = new String(PgmqClientFifoTest.class
                        .getResourceAsStream("/io/camelpgmq/client/pgmq-compatible-v1.sql").readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8);
                st.execute(v1);
                st.execute("SELECT pgmq.create('kept'); SELECT pgmq.send('kept', '{\"old\":1}')");
                assertTrue(PgmqSchema.install(c).version().endsWith("version 2"));
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pgmq.read_grouped('kept', 30, 10)")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "the message sent under version 1 is read by version 2");
                }
                st.execute("SELECT pgmq.bind_topic('#', 'kept')");
                try (ResultSet rs = st.executeQuery("SELECT pgmq.send_topic('any.key', '{}')")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1));
                }
            }
        } finally {
            DB.execute("DROP DATABASE " + database + " WITH (FORCE)");
        }
    }
}
