package io.camelpgmq.fault;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.camelpgmq.component.PgmqComponent;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 5: the database misbehaves without going away: a connection pool exhausted, a transaction holding an old
 * snapshot, statements cut by a statement_timeout set on the role.
 */
class DatabaseFaultsTest extends FaultTestSupport {

    /** A producer that sends keys until stopped, retrying each failed send; counts failures by cause. */
    private static final class RetryingProducer extends Thread {
        final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        final AtomicLong failures = new AtomicLong();
        final Map<String, Long> failureMessages = new ConcurrentHashMap<>();
        final AtomicLong slowestMillis = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        private final ProducerTemplate template;
        private final String uri;
        private final long firstKey;
        private final long lastKey;

        RetryingProducer(ProducerTemplate template, String uri, long firstKey, long lastKey) {
            super("fault-producer-" + firstKey);
            this.template = template;
            this.uri = uri;
            this.firstKey = firstKey;
            this.lastKey = lastKey;
        }

        @Override
        public void run() {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (long n = firstKey; n < lastKey && running.get() && System.nanoTime() < deadline; ) {
                long key = n;
                long t0 = System.nanoTime();
                Exchange done = template.request(uri, e -> e.getMessage().setBody(body(key)));
                slowestMillis.accumulateAndGet(Duration.ofNanos(System.nanoTime() - t0).toMillis(), Math::max);
                if (done.getException() == null) {
                    acknowledged.add(n++);
                    FaultTestSupport.sleep(5);
                } else {
                    failures.incrementAndGet();
                    failureMessages.merge(rootMessage(done.getException()), 1L, Long::sum);
                    FaultTestSupport.sleep(100);
                }
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = String.valueOf(root.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static Connection lockQueueTable(String q) throws SQLException {
        Connection locker = directConnection();
        locker.setAutoCommit(false);
        try (Statement st = locker.createStatement()) {
            st.execute("LOCK TABLE pgmq.q_" + q + " IN ACCESS EXCLUSIVE MODE");
        }
        return locker;
    }

    /**
     * A pool of 2 connections (component url, maxPoolSize=2) for 8 consumer threads and 4 producer threads; for
     * 3 s both connections are held by reads waiting on a lock, so every other operation waits for the pool. The
     * route keeps working: the waits end when the connections come back, nothing fails, nothing is lost.
     */
    @Test
    void poolOfTwoExhaustedByEightReadersAndFourProducers() throws Exception {
        String q = newQueue("pool");
        List<Long> processed = new CopyOnWriteArrayList<>();
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setUrl(urlWith("ApplicationName=fault-pool"));
        pgmq.setUsername(DB.username());
        pgmq.setPassword(DB.password());
        pgmq.setMaxPoolSize(2);
        ctx.addComponent("pgmq", pgmq);
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?concurrentConsumers=8&maxMessagesPerPoll=5&pollInterval=1000")
                        .process(e -> processed.add(key(e)));
            }
        });
        ctx.start();
        List<RetryingProducer> producers = new ArrayList<>();
        long exhaustedSessions;
        try {
            ProducerTemplate template = ctx.createProducerTemplate();
            for (int p = 0; p < 4; p++) {
                producers.add(new RetryingProducer(template, "pgmq:" + q, p * 10_000L, p * 10_000L + 200));
            }
            producers.forEach(Thread::start);
            Thread.sleep(500);
            try (Connection locker = lockQueueTable(q)) {
                await(Duration.ofSeconds(10), () -> poolSessionsWaitingOnLock() == 2,
                        "both pool connections held by statements waiting on the lock");
                exhaustedSessions = queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name ="
                                              + " 'fault-pool' AND datname = current_database()");
                Thread.sleep(3000);
                locker.commit();
            }
            for (RetryingProducer p : producers) {
                p.join(60_000);
            }
            Set<Long> sent = ConcurrentHashMap.newKeySet();
            producers.forEach(p -> sent.addAll(p.acknowledged));
            await(Duration.ofSeconds(30), () -> Set.copyOf(processed).containsAll(sent)
                                                && client.metrics(q).queueLength() == 0, "drained after the fault");
            Thread.sleep(300);
            long failures = producers.stream().mapToLong(p -> p.failures.get()).sum();
            long slowest = producers.stream().mapToLong(p -> p.slowestMillis.get()).max().orElse(0);
            FaultReport r = FaultReport.of("5a pool of 2, 8 readers + 4 producers", sent, processed,
                    "pool sessions " + exhaustedSessions + " both blocked 3 s; failed sends " + failures
                                                                       + ", slowest send " + slowest + " ms");
            assertEquals(2, exhaustedSessions, "the pool never grows past maxPoolSize");
            assertEquals(800, sent.size(), "every send acknowledged");
            assertEquals(0, failures, "an exhausted pool makes sends wait, not fail (within the pool's timeout)");
            assertTrue(slowest >= 2500, "the sends did wait for the pool: " + slowest + " ms");
            assertEquals(0, r.lost(), "lost");
            assertEquals(0, r.duplicated(), "duplicated (no visibility timeout expires)");
        } finally {
            producers.forEach(p -> p.running.set(false));
            ctx.close();
        }
    }

    private static long poolSessionsWaitingOnLock() {
        return queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fault-pool'"
                         + " AND wait_event_type = 'Lock' AND datname = current_database()");
    }

    /**
     * A REPEATABLE READ transaction holds a snapshot taken before the run (so vacuum can remove none of the rows
     * the run deletes) while 3000 messages flow through 4 consumers. Everything flows; the old transaction still
     * sees none of them.
     */
    @Test
    void longTransactionHoldingAnOldSnapshotWhileMessagesFlow() throws Exception {
        String q = newQueue("old_snapshot");
        List<Long> processed = new CopyOnWriteArrayList<>();
        CamelContext ctx = contextOnTestDb();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?concurrentConsumers=4&maxMessagesPerPoll=10&pollInterval=1000")
                        .process(e -> processed.add(key(e)));
            }
        });
        int total = 3000;
        Set<Long> sent = ConcurrentHashMap.newKeySet();
        try (Connection old = directConnection()) {
            old.setAutoCommit(false);
            old.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            long before = count(old, "SELECT count(*) FROM pgmq.a_" + q);
            String pid = String.valueOf(count(old, "SELECT pg_backend_pid()"));
            assertEquals(1, queryLong("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid
                                      + " AND backend_xmin IS NOT NULL"), "the old transaction holds back xmin");
            ctx.start();
            long t0 = System.nanoTime();
            for (long i = 0; i < total; i += 50) {
                client.sendBatch(q, bodies(i, i + 50), null, 0);
                for (long n = i; n < i + 50; n++) {
                    sent.add(n);
                }
                Thread.sleep(1);
            }
            await(Duration.ofSeconds(60), () -> Set.copyOf(processed).containsAll(sent)
                                                && client.metrics(q).queueLength() == 0, "drained");
            long millis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            long seenByOld = count(old, "SELECT count(*) FROM pgmq.a_" + q);
            long xminHeld = queryLong("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid
                                      + " AND backend_xmin IS NOT NULL");
            old.commit();
            Thread.sleep(300);
            FaultReport r = FaultReport.of("5b old REPEATABLE READ snapshot held", sent, processed,
                    "drained in " + millis + " ms; the old transaction saw " + seenByOld + " archived (before "
                                                                           + before + "), still holding xmin: "
                                                                           + (xminHeld == 1));
            assertEquals(0, seenByOld, "the snapshot was old throughout");
            assertEquals(1, xminHeld, "the old snapshot was held to the end");
            assertEquals(0, r.lost(), "lost");
            assertEquals(0, r.duplicated(), "duplicated (no visibility timeout expires)");
            assertEquals(total, queryLong("SELECT count(*) FROM pgmq.a_" + q), "archived");
        } finally {
            ctx.close();
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * {@code ALTER ROLE ... SET statement_timeout = '500ms'} on the role the component uses; the queue table is
     * locked for 3 s mid-run, so sends, reads and archives run into the timeout. Sends fail clearly (SQLState
     * 57014, "canceling statement due to statement timeout") and the producer retries them; the consumer carries
     * on once the lock is gone. Nothing is lost; a message whose archive timed out comes back after its 2 s
     * visibility timeout, so duplicates stay within what was in flight.
     */
    @Test
    void statementTimeoutOnTheRoleCutsStatementsDuringALock() throws Exception {
        String q = newQueue("stmt_timeout");
        String role = timeoutRole("500ms");
        List<Long> processed = new CopyOnWriteArrayList<>();
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setUrl(plainUrl());
        pgmq.setUsername(role);
        pgmq.setPassword("fault");
        ctx.addComponent("pgmq", pgmq);
        int consumers = 2;
        int batch = 10;
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?concurrentConsumers=" + consumers + "&maxConcurrentConsumers=" + consumers
                     + "&maxMessagesPerPoll=" + batch + "&visibilityTimeout=2&pollInterval=1000")
                        .process(e -> processed.add(key(e)));
            }
        });
        RetryingProducer producer = null;
        try {
            ctx.start();
            ProducerTemplate template = ctx.createProducerTemplate();
            Exchange probe = template.request("pgmq:" + q + "?operation=metrics", e -> { });
            assertEquals(null, probe.getException(), "the role can use pgmq");
            producer = new RetryingProducer(template, "pgmq:" + q, 0, Long.MAX_VALUE);
            producer.start();
            Thread.sleep(1000);
            try (Connection locker = lockQueueTable(q)) {
                Thread.sleep(3000);
                locker.commit();
            }
            Thread.sleep(1000);
            producer.running.set(false);
            producer.join(10_000);
            Set<Long> sent = producer.acknowledged;
            await(Duration.ofSeconds(30), () -> Set.copyOf(processed).containsAll(sent)
                                                && client.metrics(q).queueLength() == 0, "drained after the fault");
            Thread.sleep(300);
            FaultReport r = FaultReport.of("5c statement_timeout 500ms on the role", sent, processed,
                    "failed sends " + producer.failures.get() + " " + producer.failureMessages.keySet());
            assertTrue(producer.failures.get() > 0, "sends ran into the timeout");
            assertTrue(producer.failureMessages.keySet().stream().allMatch(m -> m.contains("statement timeout")),
                    "every failure says why: " + producer.failureMessages);
            assertEquals(0, r.lost(), "lost");
            assertTrue(r.duplicated() <= (long) consumers * batch, "duplicates " + r.duplicated()
                                                                   + " bounded by what was in flight");
        } finally {
            if (producer != null) {
                producer.running.set(false);
            }
            ctx.close();
            dropRole(role);
        }
    }

    /**
     * A backlog waits while every read fails (statement timeout during a lock); after the lock goes, no message is
     * sent and no notification comes: only the consumer itself can resume. The fallback poll is 10 s away.
     * <p>
     * A failed read is retried after the consumer's 1 s pause, so the backlog resumes about a second after the lock
     * goes (before that fix it waited for the poll); the report line shows how long it waited.
     */
    @Test
    void backlogResumesAfterReadsFailedWithoutANewNotification() throws Exception {
        String q = newQueue("read_retry");
        String role = timeoutRole("300ms");
        long poll = 10_000;
        int total = 200;
        Set<Long> sent = ConcurrentHashMap.newKeySet();
        for (long i = 0; i < total; i += 100) {
            client.sendBatch(q, bodies(i, i + 100), null, 0);
        }
        for (long n = 0; n < total; n++) {
            sent.add(n);
        }
        List<Long> processed = new CopyOnWriteArrayList<>();
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setUrl(plainUrl());
        pgmq.setUsername(role);
        pgmq.setPassword("fault");
        ctx.addComponent("pgmq", pgmq);
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?concurrentConsumers=2&maxMessagesPerPoll=10&pollInterval=" + poll)
                        .process(e -> processed.add(key(e)));
            }
        });
        try {
            long released;
            try (Connection locker = lockQueueTable(q)) {
                ctx.start();
                // the start read and the listener's first wake-up both fail
                Thread.sleep(2500);
                locker.commit();
                released = System.nanoTime();
            }
            await(Duration.ofMillis(poll + 10_000), () -> Set.copyOf(processed).containsAll(sent), "backlog drained");
            long resumedAfter = Duration.ofNanos(System.nanoTime() - released).toMillis();
            FaultReport r = FaultReport.of("5d backlog after failed reads", sent, processed,
                    "resumed " + resumedAfter + " ms after the lock went (poll " + poll + " ms)");
            assertEquals(0, r.lost(), "lost");
            assertEquals(0, r.duplicated(), "duplicated");
        } finally {
            ctx.close();
            dropRole(role);
        }
    }

    /** A superuser with a known password must not outlive its scenario (roles are server-wide). */
    private static void dropRole(String role) {
        execute("DROP OWNED BY " + role);
        execute("DROP ROLE " + role);
    }

    /** The role the timeout scenarios connect as, with {@code statement_timeout} set on it. */
    private static String timeoutRole(String timeout) {
        String role = "fault_timeout";
        execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role + "') THEN"
                + " CREATE ROLE " + role + " LOGIN SUPERUSER PASSWORD 'fault'; END IF; END $$");
        execute("ALTER ROLE " + role + " SET statement_timeout = '" + timeout + "'");
        return role;
    }

    /**
     * Every backend terminated three times and the database read-only for 5 s (as while a standby is promoted:
     * default_transaction_read_only on and every session new) during an 8,000-message drain. Archives that fail in
     * the read-only window or on a terminated connection are tried again while the consumer holds their messages, so
     * no processed message comes back (before: the scaled-up run of 20,000 had 150 duplicates).
     */
    @Test
    void backendsTerminatedAndReadOnlyWindowDuringADrain() throws Exception {
        int n = 8_000;
        String q = newQueue("readonly");
        for (int i = 0; i < n; i += 1000) {
            client.sendBatch(q, bodies(i, i + 1000), null, 0);
        }
        List<Long> processed = new CopyOnWriteArrayList<>();
        CamelContext ctx = contextOnTestDb();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?concurrentConsumers=2&maxMessagesPerPoll=10&pollInterval=1000")
                        .process(e -> {
                            processed.add(key(e));
                            Thread.sleep(2);
                        });
            }
        });
        ctx.start();
        try (Connection admin = directConnection(); Statement st = admin.createStatement()) {
            st.execute("SET default_transaction_read_only = off");
            String database;
            try (ResultSet rs = st.executeQuery("SELECT quote_ident(current_database())")) {
                rs.next();
                database = rs.getString(1);
            }
            String terminate = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname ="
                               + " current_database() AND pid <> pg_backend_pid()";
            await(Duration.ofSeconds(30), () -> processed.size() >= 300, "the drain started");
            st.execute(terminate);
            Thread.sleep(1000);
            st.execute(terminate);
            st.execute("ALTER DATABASE " + database + " SET default_transaction_read_only = on");
            st.execute(terminate);
            try {
                Thread.sleep(5000);
            } finally {
                st.execute("ALTER DATABASE " + database + " RESET default_transaction_read_only");
                st.execute(terminate);
            }
            long sentKeys = n;
            await(Duration.ofSeconds(90), () -> Set.copyOf(processed).size() == sentKeys && queueEmpty(q),
                    "drained after the faults");
            Thread.sleep(500);
            Set<Long> sent = ConcurrentHashMap.newKeySet();
            for (long k = 0; k < n; k++) {
                sent.add(k);
            }
            FaultReport r = FaultReport.of("5e backends terminated 3x + 5 s read-only", sent, processed,
                    "archived " + queryLong("SELECT count(*) FROM pgmq.a_" + q));
            assertEquals(0, r.lost(), "lost");
            assertEquals(0, r.duplicated(), "processed twice");
            assertEquals(n, queryLong("SELECT count(*) FROM pgmq.a_" + q), "every message archived once");
        } finally {
            ctx.close();
        }
    }

    /** The queue is empty; false while the test's own pooled connection is one the faults ended. */
    private boolean queueEmpty(String q) {
        try {
            return client.metrics(q).queueLength() == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
