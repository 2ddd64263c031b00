package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.Statement;
import java.sql.ResultSet;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqSessions;
import io.camelpgmq.test.PgBouncer;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The component behind a real PgBouncer in transaction pooling, with 3 server connections for a component pool of 10:
 * statements never cross sessions, a user's DataSource that would let them is refused, and a listener that cannot hear
 * through it leaves consumers reading every second. The 60 s run is in fault-injection (PoolerFaultsTest).
 */
class PgmqPoolerTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private static PgBouncer pgbouncer;

    private final PgmqClient client = new PgmqClient(DB.dataSource());

    @BeforeAll
    static void startPgBouncer() {
        pgbouncer = PgBouncer.start(3);
    }

    @AfterAll
    static void stopPgBouncer() {
        if (pgbouncer != null) {
            pgbouncer.close();
        }
    }

    @Test
    void theProbeTellsATransactionPoolerFromADirectConnection() throws Exception {
        try (Connection a = connect(pgbouncer.jdbcUrl()); Connection b = connect(pgbouncer.jdbcUrl())) {
            PgmqSessions.Probe probe = PgmqSessions.probe(a, b);
            assertTrue(probe.transactionPooled(), probe.evidence());
        }
        try (Connection a = connect(DB.jdbcUrl()); Connection b = connect(DB.jdbcUrl())) {
            PgmqSessions.Probe probe = PgmqSessions.probe(a, b);
            assertFalse(probe.transactionPooled(), probe.evidence());
        }
    }

    /**
     * README's setup with the component's defaults: url through PgBouncer, listenerUrl direct. pgjdbc's default
     * prepareThreshold=5 would let statements cross sessions within a second (failed sends, archives that fail and
     * messages processed twice); the component finds the pooler and uses unprepared statements.
     */
    @Test
    void defaultsThroughPgBouncerFailNoSendAndProcessEachMessageOnce() throws Exception {
        String queue = newQueue("pooler_mixed");
        PgmqComponent component = urlThroughPoolerListenerDirect(pgbouncer.jdbcUrl());
        List<Long> processed = new CopyOnWriteArrayList<>();
        try (CamelContext ctx = context(component, "pgmq:" + queue + "?concurrentConsumers=2",
                e -> processed.add(key(e)))) {
            assertTrue(component.isTransactionPooled(), "the pooler is detected");
            try (Connection c = component.getEffectiveDataSource().getConnection()) {
                assertEquals(0, PgmqSessions.prepareThreshold(c), "the component's pool prepares nothing");
            }
            Set<Long> sent = ConcurrentHashMap.newKeySet();
            Map<String, Long> failures = new ConcurrentHashMap<>();
            ProducerTemplate template = ctx.createProducerTemplate();
            AtomicBoolean producing = new AtomicBoolean(true);
            AtomicLong keys = new AtomicLong();
            Thread[] producers = new Thread[2];
            for (int t = 0; t < producers.length; t++) {
                producers[t] = new Thread(() -> {
                    while (producing.get()) {
                        long n = keys.getAndIncrement();
                        Exchange done = template.request("pgmq:" + queue, e -> e.getMessage().setBody(body(n)));
                        if (done.getException() == null) {
                            sent.add(n);
                        } else {
                            failures.merge(String.valueOf(done.getException().getMessage()), 1L, Long::sum);
                        }
                    }
                });
                producers[t].start();
            }
            Thread.sleep(4000);
            producing.set(false);
            for (Thread t : producers) {
                t.join(10_000);
            }
            waitFor(Duration.ofSeconds(15), () -> Set.copyOf(processed).containsAll(sent));
            waitFor(Duration.ofSeconds(10), () -> client.metrics(queue).queueLength() == 0);
            PgmqConsumer consumer = (PgmqConsumer) ctx.getRoutes().get(0).getConsumer();
            HealthCheck.Result health = consumer.getHealthCheck().call();
            long failedSends = failures.values().stream().mapToLong(Long::longValue).sum();
            long lost = sent.stream().filter(n -> !processed.contains(n)).count();
            long duplicated = processed.size() - Set.copyOf(processed).size();
            String figures = "sent " + sent.size() + ", failed sends " + failedSends + ", processed " + processed.size()
                             + ", lost " + lost + ", duplicated " + duplicated + ", left in the queue "
                             + client.metrics(queue).queueLength() + "; errors " + failures.keySet();
            System.out.println("PgBouncer mixed run: " + figures);
            assertTrue(sent.size() > 50, "a real load: " + figures);
            assertEquals(0, failedSends, figures);
            assertEquals(0, lost, figures);
            assertEquals(0, duplicated, figures);
            assertEquals(0, client.metrics(queue).queueLength(), figures);
            assertEquals(HealthCheck.State.UP, health.getState(), health.getMessage().orElse(""));
        }
    }

    /**
     * A grouped consumer through PgBouncer, on a queue with the group index (autoCreateQueue makes it) and on one
     * without: its reads (one statement each, and the client's own look-up of the index) cross no session, and each
     * group's messages are processed once and in order.
     */
    @Test
    void aGroupedConsumerThroughPgBouncerKeepsEachGroupsOrder() throws Exception {
        for (boolean indexed : new boolean[] { true, false }) {
            String queue = newQueue(indexed ? "pooler_grouped_idx" : "pooler_grouped");
            int groups = 5;
            int perGroup = 40;
            List<String> bodies = new java.util.ArrayList<>();
            List<String> headers = new java.util.ArrayList<>();
            for (int n = 0; n < groups * perGroup; n++) {
                bodies.add(body(n));
                headers.add("{\"x-pgmq-group\": \"g" + n % groups + "\"}");
            }
            client.sendBatch(queue, bodies, headers, 0);
            PgmqComponent component = urlThroughPoolerListenerDirect(pgbouncer.jdbcUrl());
            Map<String, List<Long>> byGroup = new ConcurrentHashMap<>();
            try (CamelContext ctx = context(component, "pgmq:" + queue + "?readMode=grouped&concurrentConsumers=3"
                                                       + "&maxMessagesPerPoll=5&autoCreateQueue=" + indexed,
                    e -> byGroup.computeIfAbsent(e.getMessage().getHeader(PgmqConstants.GROUP_ID, String.class),
                            g -> new CopyOnWriteArrayList<>()).add(key(e)))) {
                await(Duration.ofSeconds(30), () -> client.metrics(queue).queueLength() == 0, "the queue drained");
                assertEquals(indexed, client.hasGroupIndex(queue), "the group index as set up");
                assertTrue(component.isTransactionPooled(), "the pooler is detected");
            }
            assertEquals(groups, byGroup.size(), byGroup.keySet().toString());
            for (int g = 0; g < groups; g++) {
                List<Long> expected = new java.util.ArrayList<>();
                for (long n = g; n < groups * perGroup; n += groups) {
                    expected.add(n);
                }
                assertEquals(expected, byGroup.get("g" + g), "group g" + g + (indexed ? ", indexed" : ""));
            }
        }
    }

    @Test
    void aUserDataSourceThatPreparesServerSideThroughPgBouncerIsRefusedAndOneThatDoesNotIsUsed() throws Exception {
        String queue = newQueue("pooler_user_ds");
        try (HikariDataSource preparing = pool(false)) {
            PgmqComponent component = new PgmqComponent();
            component.setDataSource(preparing);
            component.setListenerUrl(DB.jdbcUrl());
            CamelContext ctx = new DefaultCamelContext();
            ctx.addComponent("pgmq", component);
            ctx.addRoutes(route("pgmq:" + queue, e -> {
            }));
            Exception refused = assertThrows(Exception.class, ctx::start);
            ctx.close();
            String message = rootMessage(refused);
            assertTrue(message.contains("prepareThreshold=0"), message);
            assertTrue(message.contains("spring.datasource.hikari.data-source-properties.prepareThreshold=0"), message);
            assertTrue(message.contains("transaction pooler"), message);
        }
        try (HikariDataSource unprepared = pool(true)) {
            PgmqComponent component = new PgmqComponent();
            component.setDataSource(unprepared);
            component.setListenerUrl(DB.jdbcUrl());
            List<Long> processed = new CopyOnWriteArrayList<>();
            try (CamelContext ctx = context(component, "pgmq:" + queue, e -> processed.add(key(e)))) {
                assertTrue(component.isTransactionPooled());
                ctx.createProducerTemplate().sendBody("pgmq:" + queue, body(1));
                await(Duration.ofSeconds(5), () -> processed.equals(List.of(1L)), "the message processed");
            }
        }
    }

    /** A url that asks for server-side prepares itself wins over the component's choice: then it is refused too. */
    @Test
    void aUrlThatForcesServerSidePreparesThroughPgBouncerIsRefused() throws Exception {
        String queue = newQueue("pooler_url_prepares");
        PgmqComponent component = urlThroughPoolerListenerDirect(pgbouncer.jdbcUrl("prepareThreshold=5"));
        CamelContext ctx = new DefaultCamelContext();
        ctx.addComponent("pgmq", component);
        ctx.addRoutes(route("pgmq:" + queue, e -> {
        }));
        Exception refused = assertThrows(Exception.class, ctx::start);
        ctx.close();
        String message = rootMessage(refused);
        assertTrue(message.contains("pool from url") && message.contains("prepareThreshold=0"), message);
    }

    /**
     * No listenerUrl: the listener connects through PgBouncer, LISTENs, and never hears. Its hearing check notices;
     * consumers then read every second as while the listener is down, not every pollInterval (30 s).
     */
    @Test
    void aListenerThatCannotHearThroughPgBouncerLeavesConsumersReadingEverySecond() throws Exception {
        String queue = newQueue("pooler_deaf");
        PgmqComponent component = new PgmqComponent();
        component.setUrl(pgbouncer.jdbcUrl());
        component.setUsername(DB.username());
        component.setPassword(DB.password());
        List<Long> processed = new CopyOnWriteArrayList<>();
        try (CamelContext ctx = context(component, "pgmq:" + queue, e -> processed.add(key(e)))) {
            await(Duration.ofSeconds(15), () -> !component.getListener().isHearing(), "the deaf listener is noticed");
            PgmqConsumer consumer = (PgmqConsumer) ctx.getRoutes().get(0).getConsumer();
            HealthCheck.Result health = consumer.getHealthCheck().call();
            assertEquals(HealthCheck.State.DOWN, health.getState());
            assertEquals(false, health.getDetails().get("listenerHearing"));
            for (int n = 1; n <= 3; n++) {
                long key = n;
                long sentAt = System.nanoTime();
                client.send(queue, body(n));
                await(Duration.ofMillis(2500), () -> processed.contains(key),
                        "message " + n + " read within the listener-down poll (a second), not the 30 s poll");
                long millis = Duration.ofNanos(System.nanoTime() - sentAt).toMillis();
                assertTrue(millis <= 2500, millis + " ms");
            }
        }
    }

    /**
     * Behind the pooler the consumer's reads are prepared in the server session under names derived from their text
     * (sessionPreparedReads, on by default), so they are not parsed and planned at every call; off, nothing is
     * prepared there. PgBouncer with one server connection, so that every statement through it runs in the same server
     * session, whose prepared statements the test can then list through it.
     */
    @Test
    void theConsumersReadsArePreparedInThePooledServerSessionUnlessTurnedOff() throws Exception {
        for (boolean on : new boolean[] { true, false }) {
            try (PgBouncer single = PgBouncer.start(1)) {
                String queue = newQueue(on ? "pooler_sessprep" : "pooler_nosessprep");
                PgmqComponent component = urlThroughPoolerListenerDirect(single.jdbcUrl());
                component.setSessionPreparedReads(on);
                // sent before the consumer starts (a plain send notifies no one): its full reads drain them
                for (int n = 0; n < 40; n++) {
                    client.send(queue, body(n));
                }
                List<Long> processed = new CopyOnWriteArrayList<>();
                try (CamelContext ctx = context(component, "pgmq:" + queue + "?concurrentConsumers=2",
                        e -> processed.add(key(e)))) {
                    assertEquals(on, component.getClient().isUsingSessionPreparedReads());
                    waitFor(Duration.ofSeconds(15), () -> processed.size() >= 40);
                    waitFor(Duration.ofSeconds(10), () -> client.metrics(queue).queueLength() == 0);
                    assertEquals(40, Set.copyOf(processed).size(), "each once: " + processed);
                    assertEquals(40, processed.size(), "none twice: " + processed);
                    try (Connection c = connect(single.jdbcUrl()); Statement st = c.createStatement();
                         ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_prepared_statements"
                                                        + " WHERE name LIKE 'camel\\_pgmq\\_%'")) {
                        rs.next();
                        if (on) {
                            assertTrue(rs.getLong(1) > 0, "the reads are prepared in the server session");
                        } else {
                            assertEquals(0, rs.getLong(1), "nothing prepared in the server session");
                        }
                    }
                }
            }
        }
    }

    /**
     * A pooler that resets each server session when a transaction ends (PgBouncer's {@code server_reset_query_always}
     * with {@code DISCARD ALL}) forgets every prepared statement: each read found its statement missing and prepared
     * it again. The component stops preparing after two windows of mostly preparing round trips, and every message is
     * processed once throughout.
     */
    @Test
    void behindAPoolerThatResetsItsSessionsPreparingStopsAndEachMessageIsProcessedOnce() throws Exception {
        int messages = 768; // three of the client's windows of 256 round trips (SessionPreparationWatch.WINDOW)
        try (PgBouncer resetting = PgBouncer.start(2, "server_reset_query = DISCARD ALL",
                "server_reset_query_always = 1")) {
            String queue = newQueue("pooler_reset");
            PgmqComponent component = urlThroughPoolerListenerDirect(resetting.jdbcUrl());
            for (int n = 0; n < messages; n++) {
                client.send(queue, body(n));
            }
            List<Long> processed = new CopyOnWriteArrayList<>();
            // batch 1: a read (and the completion sent with it) per message
            try (CamelContext ctx = context(component, "pgmq:" + queue + "?concurrentConsumers=2&maxMessagesPerPoll=1",
                    e -> processed.add(key(e)))) {
                assertTrue(component.isTransactionPooled());
                waitFor(Duration.ofSeconds(60), () -> processed.size() >= messages);
                waitFor(Duration.ofSeconds(10), () -> client.metrics(queue).queueLength() == 0);
                assertEquals(messages, Set.copyOf(processed).size(), "each once");
                assertEquals(messages, processed.size(), "none twice");
                assertFalse(component.getClient().isUsingSessionPreparedReads(), "preparing stopped");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** README's setup behind a pooler: the component's pool from {@code url}, its listener connected directly. */
    private static PgmqComponent urlThroughPoolerListenerDirect(String url) {
        PgmqComponent component = new PgmqComponent();
        component.setUrl(url);
        component.setUsername(DB.username());
        component.setPassword(DB.password());
        component.setListenerUrl(DB.jdbcUrl());
        return component;
    }

    private String newQueue(String prefix) {
        String name = PgmqTestDatabase.uniqueQueueName(prefix);
        client.createQueue(name);
        return name;
    }

    private static HikariDataSource pool(boolean unprepared) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(pgbouncer.jdbcUrl());
        config.setUsername(DB.username());
        config.setPassword(DB.password());
        config.setMaximumPoolSize(10);
        if (unprepared) {
            config.addDataSourceProperty("prepareThreshold", "0");
        }
        return new HikariDataSource(config);
    }

    private static Connection connect(String url) throws Exception {
        Properties props = new Properties();
        if (DB.username() != null) {
            props.setProperty("user", DB.username());
        }
        if (DB.password() != null) {
            props.setProperty("password", DB.password());
        }
        return DriverManager.getConnection(url, props);
    }

    private static CamelContext context(PgmqComponent component, String from, org.apache.camel.Processor processor)
            throws Exception {
        CamelContext ctx = new DefaultCamelContext();
        ctx.addComponent("pgmq", component);
        ctx.addRoutes(route(from, processor));
        ctx.start();
        return ctx;
    }

    private static RouteBuilder route(String from, org.apache.camel.Processor processor) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from(from).process(processor);
            }
        };
    }

    private static String body(long n) {
        return "{\"n\": " + n + "}";
    }

    private static long key(Exchange e) {
        String body = e.getMessage().getBody(String.class);
        return Long.parseLong(body.replaceAll("[^0-9]", ""));
    }

    private static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }

    /** Waits until the condition holds or the time is up; the caller asserts what it found. */
    private static void waitFor(Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end && !condition.getAsBoolean()) {
            Thread.sleep(20);
        }
    }

    private static void await(Duration timeout, java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(20);
        }
        fail("Timed out after " + timeout + ": " + what);
    }
}
