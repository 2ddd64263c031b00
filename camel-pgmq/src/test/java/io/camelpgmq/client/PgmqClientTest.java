package io.camelpgmq.client;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every client operation, round trip, against the real test database. */
class PgmqClientTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(2);
    private final PgmqClient client = new PgmqClient(DB.dataSource());

    @AfterAll
    static void stopPool() {
        POOL.shutdownNow();
    }

    private String newQueue(String prefix) {
        String q = PgmqTestDatabase.uniqueQueueName(prefix);
        client.createQueue(q);
        return q;
    }

    @Test
    void createListExistsDrop() {
        String q = newQueue("lifecycle");
        client.createQueue(q); // idempotent
        assertTrue(client.queueExists(q));
        PgmqQueue listed = client.listQueues().stream().filter(x -> x.queueName().equals(q)).findFirst().orElseThrow();
        assertFalse(listed.unlogged());
        assertNotNull(listed.createdAt());
        assertTrue(client.dropQueue(q));
        assertFalse(client.queueExists(q));
        assertFalse(client.dropQueue(q));
    }

    @Test
    void unloggedQueue() {
        String q = PgmqTestDatabase.uniqueQueueName("unlogged");
        client.createUnloggedQueue(q);
        assertTrue(client.listQueues().stream().anyMatch(x -> x.queueName().equals(q) && x.unlogged()));
        long id = client.send(q, "{\"u\":1}");
        assertEquals(List.of(id), client.read(q, 30, 5).stream().map(PgmqMessage::msgId).toList());
    }

    @Test
    void sendReadArchive() throws Exception {
        String q = newQueue("roundtrip");
        long id = client.send(q, "{\"order\":42}", "{\"tenant\":\"acme\"}", 0);
        List<PgmqMessage> read = client.read(q, 30, 10);
        assertEquals(1, read.size());
        PgmqMessage m = read.get(0);
        assertEquals(id, m.msgId());
        assertEquals(1, m.readCount());
        assertEquals("{\"order\": 42}", m.message());
        assertEquals("{\"tenant\": \"acme\"}", m.headers());
        assertNotNull(m.enqueuedAt());
        assertNotNull(m.lastReadAt());
        assertTrue(m.vt().isAfter(OffsetDateTime.now().plusSeconds(20)), "vt is now + 30 s");
        assertTrue(client.read(q, 30, 10).isEmpty(), "invisible while its vt runs");

        assertTrue(client.archive(q, id));
        assertFalse(client.archive(q, id), "already archived");
        try (Connection c = DB.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT msg_id, read_ct, archived_at, message->>'order' FROM pgmq.a_" + q)) {
            assertTrue(rs.next());
            assertEquals(id, rs.getLong(1));
            assertEquals(1, rs.getInt(2));
            assertNotNull(rs.getObject(3));
            assertEquals("42", rs.getString(4));
        }
        assertEquals(0, client.metrics(q).queueLength());
    }

    @Test
    void messageComesBackAfterVtWithReadCountPlusOne() throws Exception {
        String q = newQueue("vt_expiry");
        long id = client.send(q, "{\"a\":1}");
        assertEquals(1, client.read(q, 1, 1).get(0).readCount());
        assertTrue(client.read(q, 1, 1).isEmpty());
        Thread.sleep(1200);
        PgmqMessage again = client.read(q, 30, 1).get(0);
        assertEquals(id, again.msgId());
        assertEquals(2, again.readCount());
    }

    @Test
    void setVtIsAbsoluteAndSetVtMillis() {
        String q = newQueue("setvt");
        long id = client.send(q, "{}");
        client.read(q, 300, 1);
        PgmqMessage moved = client.setVt(q, id, 5).orElseThrow();
        assertTrue(moved.vt().isBefore(OffsetDateTime.now().plusSeconds(10)), "set_vt is now + 5 s, not old vt + 5");
        client.setVt(q, id, 0);
        assertEquals(id, client.read(q, 30, 1).get(0).msgId(), "visible again after set_vt 0");
        PgmqMessage later = client.setVtMillis(q, id, 1500).orElseThrow();
        Duration left = Duration.between(OffsetDateTime.now(), later.vt());
        assertTrue(left.toMillis() > 500 && left.toMillis() <= 1600, "vt ~1.5 s ahead, was " + left);
        assertTrue(client.setVt(q, 999_999L, 5).isEmpty());
        assertEquals(List.of(id), client.setVt(q, List.of(id, 999_999L), 0).stream().map(PgmqMessage::msgId).toList());
    }

    @Test
    void batchSendWithHeadersAndDelay() {
        String q = newQueue("batch");
        List<Long> ids = client.sendBatch(q, List.of("{\"n\":1}", "{\"n\":2}", "[1,2]"),
                List.of("{\"h\":1}", "{\"h\":2}", "{\"h\":3}"), 0);
        assertEquals(3, ids.size());
        assertTrue(ids.get(0) < ids.get(1) && ids.get(1) < ids.get(2));
        List<PgmqMessage> read = client.read(q, 30, 10);
        assertEquals(ids, read.stream().map(PgmqMessage::msgId).toList());
        assertEquals("{\"h\": 3}", read.get(2).headers());
        assertEquals("[1, 2]", read.get(2).message());

        List<Long> delayed = client.sendBatch(q, List.of("{}", "{}"), null, 60);
        assertEquals(2, delayed.size());
        assertTrue(client.read(q, 30, 10).isEmpty(), "delayed messages are not visible yet");
        client.send(q, "{}", null, 60);
        client.send(q, "{}", null, OffsetDateTime.now().plusHours(1));
        assertEquals(7, client.metrics(q).queueLength(), "3 read + 4 delayed");
        assertEquals(0, client.metrics(q).queueVisibleLength());
    }

    @Test
    void popDeleteAndPurge() {
        String q = newQueue("pop");
        long a = client.send(q, "{\"a\":1}");
        long b = client.send(q, "{\"b\":2}");
        long c = client.send(q, "{\"c\":3}");
        List<PgmqMessage> popped = client.pop(q, 1);
        assertEquals(a, popped.get(0).msgId());
        assertTrue(client.delete(q, b));
        assertFalse(client.delete(q, b));
        assertEquals(List.of(c), client.delete(q, List.of(c, 12345L)));
        client.sendBatch(q, List.of("{}", "{}", "{}"), null, 0);
        assertEquals(3, client.purgeQueue(q));
        assertEquals(0, client.purgeQueue(q));
        assertEquals(6, client.metrics(q).totalMessages(), "total counts every message ever sent");
    }

    @Test
    void archiveMany() {
        String q = newQueue("archive_many");
        List<Long> ids = client.sendBatch(q, List.of("{}", "{}"), null, 0);
        List<Long> archived = new ArrayList<>(client.archive(q, List.of(ids.get(0), ids.get(1), 777L)));
        Collections.sort(archived);
        assertEquals(ids, archived);
    }

    @Test
    void aNullIdInAListIsRefusedWithAClearErrorAndNothingIsDone() {
        String q = newQueue("null_id");
        List<Long> ids = client.sendBatch(q, List.of("{}", "{}"), null, 0);
        List<Long> withNull = java.util.Arrays.asList(ids.get(0), null);
        for (Runnable call : List.<Runnable>of(() -> client.archive(q, withNull), () -> client.delete(q, withNull),
                () -> client.setVt(q, withNull, 60))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
            assertTrue(e.getMessage().contains("msgIds[1] is null"), e.getMessage());
        }
        assertEquals(2, client.read(q, 30, 10).size(), "both messages still there and visible");
    }

    @Test
    void metricsReflectLengthAndAge() throws Exception {
        String q = newQueue("metrics");
        PgmqMetrics empty = client.metrics(q);
        assertEquals(0, empty.queueLength());
        assertNull(empty.oldestMsgAgeSec());
        client.send(q, "{}");
        Thread.sleep(1100);
        client.send(q, "{}");
        PgmqMetrics m = client.metrics(q);
        assertEquals(2, m.queueLength());
        assertEquals(2, m.queueVisibleLength());
        assertTrue(m.oldestMsgAgeSec() >= 1, "oldest is at least 1 s old");
        assertTrue(client.metricsAll().stream().anyMatch(x -> x.queueName().equals(q)));
    }

    @Test
    void twoReadersRacingNeverGetTheSameMessage() throws Exception {
        String q = newQueue("race");
        int total = 400;
        for (int i = 0; i < total; i += 100) {
            client.sendBatch(q, IntStream.range(0, 100).mapToObj(n -> "{\"n\":" + n + "}").toList(), null, 0);
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Long>>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(POOL.submit(() -> {
                start.await();
                List<Long> mine = new ArrayList<>();
                List<PgmqMessage> batch;
                while (!(batch = client.read(q, 60, 7)).isEmpty()) {
                    batch.forEach(m -> mine.add(m.msgId()));
                }
                return mine;
            }));
        }
        start.countDown();
        List<Long> first = readers.get(0).get();
        List<Long> second = readers.get(1).get();
        Set<Long> all = new HashSet<>(first);
        second.forEach(id -> assertTrue(all.add(id), "message " + id + " was read by both readers"));
        assertEquals(total, all.size());
    }

    @Test
    void rolledBackSendLeavesNothing() throws Exception {
        String q = newQueue("rollback");
        try (Connection c = DB.dataSource().getConnection()) {
            c.setAutoCommit(false);
            PgmqClient tx = PgmqClient.onConnection(c);
            tx.send(q, "{\"x\":1}");
            assertEquals(1, tx.metrics(q).queueLength(), "visible inside the transaction");
            c.rollback();
            c.setAutoCommit(true);
        }
        assertEquals(0, client.metrics(q).queueLength());
        assertThrows(IllegalStateException.class, () -> client.inTransaction(tx -> {
            tx.send(q, "{\"y\":1}");
            throw new IllegalStateException("boom");
        }));
        assertEquals(0, client.metrics(q).queueLength());
        assertEquals(1L, (long) client.inTransaction(tx -> {
            tx.send(q, "{\"z\":1}");
            return tx.metrics(q).queueLength();
        }));
        assertEquals(1, client.metrics(q).queueLength());
    }

    @Test
    void conditionalRead() {
        String q = newQueue("conditional");
        client.send(q, "{\"kind\":\"a\"}");
        long b = client.send(q, "{\"kind\":\"b\"}");
        List<PgmqMessage> only = client.read(q, 30, 10, "{\"kind\":\"b\"}");
        assertEquals(List.of(b), only.stream().map(PgmqMessage::msgId).toList());
    }

    @Test
    void invalidNamesAreRejectedBeforeSql() {
        for (String bad : new String[] { "a;drop", "it's", "$x", "has space", "a--b", "Mixed-Case", "",
                "x".repeat(48) }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> client.send(bad, "{}"),
                    bad);
            assertTrue(e.getMessage().contains("queue name"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> client.createQueue(null));
        assertEquals("x".repeat(47), QueueNames.validate("x".repeat(47)));
    }

    /**
     * A queue another client made under a mixed-case name, as pgmq 1.13.0 keeps it: pgmq.meta holds the name as given
     * over lower-cased tables, the insert trigger never notifies for it, a second spelling can be registered by
     * pgmq.create over the same tables (dropping either drops both's messages) but never by the client.
     */
    @Test
    void aMixedCaseQueueIsUsedUnderItsNameAndNeverGetsASecondName() throws Exception {
        String mixed = "MixedCase_" + PgmqTestDatabase.uniqueQueueName("c");
        String lower = mixed.toLowerCase(java.util.Locale.ROOT);
        DB.execute("SELECT pgmq.create('" + mixed + "')");
        assertEquals(mixed, client.registeredName(lower));
        assertEquals(1, DB.queryLong("SELECT count(*) FROM pgmq.meta WHERE queue_name = '" + mixed + "'"));
        assertEquals(1, DB.queryLong("SELECT count(*) FROM pg_tables WHERE schemaname = 'pgmq' AND tablename = 'q_"
                                     + lower + "'"));

        PgmqException e = assertThrows(PgmqException.QueueNameConflict.class, () -> client.createQueue(lower));
        assertTrue(e.getMessage().contains("Use the queue name '" + mixed + "'"), e.getMessage());
        client.createQueue(mixed);
        assertEquals(1, DB.queryLong("SELECT count(*) FROM pgmq.meta WHERE lower(queue_name) = '" + lower + "'"),
                "one name for the tables");

        try (Connection listening = java.sql.DriverManager.getConnection(DB.jdbcUrl(), DB.credentials())) {
            listening.createStatement().execute("LISTEN \"" + QueueNames.insertChannel(mixed) + "\"");
            client.enableNotifyInsert(mixed, 0);
            long id = client.send(mixed, "{\"n\":1}");
            assertEquals(List.of(id), client.read(mixed, 30, 10).stream().map(PgmqMessage::msgId).toList());
            assertTrue(client.archive(mixed, id));
            org.postgresql.PGNotification[] heard = listening.unwrap(org.postgresql.PGConnection.class)
                    .getNotifications(500);
            assertEquals(0, heard == null ? 0 : heard.length, "pgmq 1.13.0 never notifies for a mixed-case queue");
        }

        // pgmq.create itself (another client) registers the second spelling over the same tables
        DB.execute("SELECT pgmq.create('" + lower + "')");
        assertEquals(2, DB.queryLong("SELECT count(*) FROM pgmq.meta WHERE lower(queue_name) = '" + lower + "'"));
        assertTrue(client.dropQueue(lower));
        assertFalse(client.dropQueue(mixed), "its tables went with the other name");
        DB.execute("DELETE FROM pgmq.meta WHERE queue_name = '" + mixed + "'");
    }

    @Test
    void nonJsonBodiesAreRejectedBeforeSql() {
        String q = newQueue("badjson");
        for (String bad : new String[] { "not json", "{\"a\":", "{} {}", "" }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> client.send(q, bad), bad);
            assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> client.send(q, "{}", "not json", 0));
        assertEquals(0, client.metrics(q).totalMessages(), "nothing reached the queue");
        client.send(q, "\"just a string\"");
        client.send(q, "12");
        client.send(q, null);
        assertEquals(3, client.metrics(q).queueLength());
    }

    @Test
    void missingQueueIsAClearError() {
        PgmqException.QueueNotFound e = assertThrows(PgmqException.QueueNotFound.class,
                () -> client.send("no_such_queue_here", "{}"));
        assertTrue(e.getMessage().contains("'no_such_queue_here' does not exist"), e.getMessage());
        assertThrows(PgmqException.QueueNotFound.class, () -> client.read("no_such_queue_here", 30, 1));
        assertThrows(PgmqException.QueueNotFound.class, () -> client.metrics("no_such_queue_here"));
    }

    @Test
    void missingPgmqIsAClearError() throws Exception {
        String db = "nopgmq_" + Long.toString(System.nanoTime(), 36);
        try (Connection c = DB.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + db);
        }
        try {
            String url = DB.jdbcUrl(db);
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setURL(url);
            if (DB.username() != null) {
                ds.setUser(DB.username());
            }
            if (DB.password() != null) {
                ds.setPassword(DB.password());
            }
            PgmqClient noPgmq = new PgmqClient(ds);
            assertFalse(noPgmq.isInstalled());
            PgmqException e = assertThrows(PgmqException.class, () -> noPgmq.send("jobs", "{}"));
            assertInstanceOf(PgmqException.NotInstalled.class, e);
            assertTrue(e.getMessage().contains("CREATE EXTENSION pgmq"), e.getMessage());
            assertEquals(PgmqSchema.Flavour.NONE, PgmqSchema.detect(ds).flavour());
            if (!DB.isRealExtension()) {
                assertEquals(PgmqSchema.Flavour.COMPATIBLE_SQL, PgmqSchema.install(ds).flavour());
                assertEquals(PgmqSchema.Flavour.COMPATIBLE_SQL, PgmqSchema.install(ds).flavour(), "idempotent");
                noPgmq.createQueue("jobs");
                assertTrue(noPgmq.send("jobs", "{}") > 0);
            }
        } finally {
            DB.execute("DROP DATABASE " + db + " WITH (FORCE)");
        }
    }
}
