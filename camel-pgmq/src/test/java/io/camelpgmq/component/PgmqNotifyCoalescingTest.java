package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.QueueNames;
import io.camelpgmq.component.producer.PgmqNotifyCoalescer;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionTemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coalesced NOTIFY against the real database: notifications are counted by an independent pgjdbc LISTEN connection,
 * not by anything of camel-pgmq's.
 */
@SuppressWarnings("try")
class PgmqNotifyCoalescingTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();

    private final PgmqClient client = new PgmqClient(DB.dataSource());
    private final String queue = PgmqTestDatabase.uniqueQueueName("coalesce");
    private final String channel = QueueNames.insertChannel(queue);
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        client.dropQueue(queue);
    }

    /**
     * A started CamelContext of its own (as another JVM would have) whose pgmq component coalesces with
     * {@code windowMillis} (0: off).
     */
    private CamelContext context(long windowMillis) throws Exception {
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setDataSource(DB.dataSource());
        pgmq.setNotifyCoalesceWindow(windowMillis);
        ctx.addComponent("pgmq", pgmq);
        ctx.start();
        closeables.add(ctx);
        return ctx;
    }

    /** A bare pgjdbc connection LISTENing on the queue's channel. */
    private Listener listen() throws SQLException {
        Listener listener = new Listener(DriverManager.getConnection(DB.jdbcUrl(), DB.username(), DB.password()));
        closeables.add(listener);
        try (Statement st = listener.connection.createStatement()) {
            st.execute("LISTEN \"" + channel + "\"");
        }
        return listener;
    }

    private record Listener(Connection connection) implements AutoCloseable {

        /** The payloads of the notifications that arrive within {@code millis} (waiting at least that long). */
        List<String> drain(long millis) throws SQLException {
            List<String> payloads = new ArrayList<>();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            long left;
            while ((left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) > 0) {
                PGNotification[] got = connection.unwrap(PGConnection.class).getNotifications((int) left);
                if (got != null) {
                    for (PGNotification n : got) {
                        payloads.add(n.getParameter());
                    }
                }
            }
            return payloads;
        }

        /** Waits up to {@code millis} for the first notification; its payload, or null when none came. */
        String next(long millis) throws SQLException {
            PGNotification[] got = connection.unwrap(PGConnection.class).getNotifications((int) millis);
            return got == null || got.length == 0 ? null : got[0].getParameter();
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    @Test
    @Timeout(60)
    void aBurstFromTwoProducersNotifiesLessThanOncePerMessageAndTheFirstSendOfAQuietPeriodAtOnce() throws Exception {
        client.createQueue(queue);
        long window = 2_000;
        ProducerTemplate a = context(window).createProducerTemplate();
        ProducerTemplate b = context(window).createProducerTemplate();
        Listener listener = listen();

        a.sendBody("pgmq:" + queue, "{\"n\":0}");
        assertEquals("{\"coalesce_ms\":2000}", listener.next(1_000),
                "the first send of a quiet period notifies at once, and tells the window");
        int n = 100;
        for (int i = 1; i < n; i++) {
            (i % 2 == 0 ? a : b).sendBody("pgmq:" + queue, "{\"n\":" + i + "}");
        }
        List<String> payloads = new ArrayList<>(listener.drain(300));
        payloads.add(0, "{\"coalesce_ms\":2000}");
        assertEquals(n, client.metrics(queue).queueLength());
        assertTrue(payloads.size() >= 2, "each producer JVM notifies for its own sends: " + payloads);
        assertTrue(payloads.size() < n / 4, payloads.size() + " notifications for " + n + " sends: " + payloads);
        for (String p : payloads) {
            assertEquals(window, PgmqNotifyCoalescer.trailingReadDelayMillis(p), "every NOTIFY carries the window");
        }

        Thread.sleep(window + 100); // a quiet period: the windows have ended
        b.sendBody("pgmq:" + queue, "{\"n\":\"after\"}");
        assertEquals("{\"coalesce_ms\":2000}", listener.next(1_000), "after a quiet period it notifies at once again");
    }

    @Test
    @Timeout(60)
    void aSendInTheCallersTransactionAlwaysNotifiesAndARolledBackOneNotifiesNobody() throws Exception {
        client.createQueue(queue);
        ProducerTemplate producer = context(10_000).createProducerTemplate();
        Listener listener = listen();

        // a rolled-back joined send first: if it had opened a window, the committed sends after it would skip
        try (Connection tx = DB.dataSource().getConnection()) {
            tx.setAutoCommit(false);
            producer.sendBodyAndHeader("pgmq:" + queue, "{\"rolled\":\"back\"}", PgmqConstants.CONNECTION, tx);
            tx.rollback();
        }
        assertEquals(List.of(), listener.drain(300), "a rolled-back send notifies nobody");

        producer.sendBody("pgmq:" + queue, "{\"auto\":1}");
        assertEquals("{\"coalesce_ms\":10000}", listener.next(1_000),
                "the rolled-back send silenced nothing: the next send leads");
        // inside that window (10 s), sends in the caller's transaction notify anyway, with the empty payload
        for (int i = 0; i < 3; i++) {
            try (Connection tx = DB.dataSource().getConnection()) {
                tx.setAutoCommit(false);
                producer.sendBodyAndHeader("pgmq:" + queue, "{\"joined\":" + i + "}", PgmqConstants.CONNECTION, tx);
                tx.commit();
            }
        }
        producer.sendBody("pgmq:" + queue, "{\"auto\":2}");
        assertEquals(List.of("", "", ""), listener.drain(300),
                "each committed joined send notified; the auto-commit send inside the window did not");
        assertEquals(5, client.metrics(queue).queueLength());
    }

    @Test
    @Timeout(60)
    void aSendInASpringTransactionAlwaysNotifies() throws Exception {
        client.createQueue(queue);
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        // the outbox setup: a transaction-aware DataSource hands the send the Spring transaction's connection
        pgmq.setDataSource(new TransactionAwareDataSourceProxy(DB.dataSource()));
        pgmq.setNotifyCoalesceWindow(10_000);
        ctx.addComponent("pgmq", pgmq);
        ctx.start();
        closeables.add(ctx);
        ProducerTemplate producer = ctx.createProducerTemplate();
        TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(DB.dataSource()));
        Listener listener = listen();

        producer.sendBody("pgmq:" + queue, "{\"auto\":1}");
        assertEquals("{\"coalesce_ms\":10000}", listener.next(1_000), "outside a transaction it coalesces");
        for (int i = 0; i < 2; i++) {
            int n = i;
            tx.executeWithoutResult(s -> producer.sendBody("pgmq:" + queue, "{\"in_tx\":" + n + "}"));
        }
        assertThrows(IllegalStateException.class, () -> tx.executeWithoutResult(s -> {
            producer.sendBody("pgmq:" + queue, "{\"in_tx\":\"rolled back\"}");
            throw new IllegalStateException("business rule failed");
        }));
        assertEquals(List.of("", ""), listener.drain(300),
                "inside the window, each committed transaction's send notified, the rolled back one did not");
        assertEquals(3, client.metrics(queue).queueLength());
    }

    @Test
    @Timeout(60)
    void aSkippedSendThatReturnsAfterItsWindowNotifiesOnItsOwn() throws Exception {
        client.createQueue(queue);
        // the coalescer reads its clock at: send 1 decides (0), send 2 decides (10 ms: inside the window, it skips),
        // send 2 returned (200 ms: after the 100 ms window, as a slow commit would), its own NOTIFY decides
        long[] ticks = { 0L, 10_000_000L, 200_000_000L };
        AtomicInteger reads = new AtomicInteger();
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setDataSource(DB.dataSource());
        pgmq.setNotifyCoalesceWindow(100);
        pgmq.setCoalescerClock(() -> ticks[Math.min(reads.getAndIncrement(), ticks.length - 1)]);
        ctx.addComponent("pgmq", pgmq);
        ctx.start();
        closeables.add(ctx);
        ProducerTemplate producer = ctx.createProducerTemplate();
        Listener listener = listen();

        producer.sendBody("pgmq:" + queue, "{\"n\":1}");
        producer.sendBody("pgmq:" + queue, "{\"n\":2}");
        assertEquals(List.of("{\"coalesce_ms\":100}", "{\"coalesce_ms\":100}"), listener.drain(300),
                "the leading send's NOTIFY, then the late skipped send's own one");
        assertEquals(2, client.metrics(queue).queueLength());
    }

    /**
     * End to end, with a consumer whose poll is a minute away: the messages sent inside a NOTIFY window after the
     * consumer's read are found by its trailing read when the window ends. This needs the consumer's trailing read
     * (issue 10, part 2).
     */
    @Test
    @Timeout(120)
    void everyMessageIsPickedUpWellBeforeAPollAMinuteAway() throws Exception {
        client.createQueue(queue);
        Set<String> received = ConcurrentHashMap.newKeySet();
        CamelContext consumer = context(0);
        consumer.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?pollInterval=60000&maxMessagesPerPoll=10")
                        .process(e -> received.add(e.getMessage().getBody(String.class)));
            }
        });
        PgmqComponent component = consumer.getComponent("pgmq", PgmqComponent.class);
        PgmqTestSupport.await(Duration.ofSeconds(10),
                () -> component.getListener() != null && component.getListener().isListening(channel),
                "the consumer LISTENs");
        Thread.sleep(200); // its first (empty) read is done
        ProducerTemplate a = context(1_000).createProducerTemplate();
        ProducerTemplate b = context(1_000).createProducerTemplate();

        // the tail of a burst: the first send wakes the consumer, which reads it; the next ones skip their NOTIFY
        a.sendBody("pgmq:" + queue, "{\"tail\":0}");
        PgmqTestSupport.await(Duration.ofSeconds(5), () -> received.size() == 1, "the leading send is read");
        for (int i = 1; i <= 5; i++) {
            a.sendBody("pgmq:" + queue, "{\"tail\":" + i + "}");
        }
        PgmqTestSupport.await(Duration.ofSeconds(5), () -> received.size() == 6,
                "the tail of the burst is read when the window ends, not at the poll a minute away: " + received);

        // a sustained stream from two producer JVMs and four threads
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> sends = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                ProducerTemplate producer = t % 2 == 0 ? a : b;
                int thread = t;
                sends.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        producer.sendBody("pgmq:" + queue, "{\"t\":" + thread + ",\"i\":" + i + "}");
                        Thread.sleep(2);
                    }
                    return null;
                }));
            }
            for (Future<?> f : sends) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        PgmqTestSupport.await(Duration.ofSeconds(5), () -> received.size() == 206,
                "every message is read within a few windows, not at the poll: " + received.size() + " of 206");
    }
}
