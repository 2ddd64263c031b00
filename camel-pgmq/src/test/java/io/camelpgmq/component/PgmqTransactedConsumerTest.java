package io.camelpgmq.component;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * transacted=true: a route's database work and the archive of its message commit or roll back together. The routes
 * insert a row per message with Spring's JdbcTemplate inside Camel's transacted(), over the component's DataSource.
 */
class PgmqTransactedConsumerTest extends PgmqTestSupport {

    private final String queue = newQueue("tx");
    private final String table = "work_" + queue;
    private final JdbcTemplate jdbc = new JdbcTemplate(DB.dataSource());
    private final Map<Long, AtomicInteger> attempts = new ConcurrentHashMap<>();

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        context.getRegistry().bind("txManager", new DataSourceTransactionManager(DB.dataSource()));
        jdbc.execute("CREATE TABLE " + table + " (msg_id bigint NOT NULL, consumer text NOT NULL)");
        return context;
    }

    /** A transacted() route that records the message's row, then runs {@code after}. */
    private RouteBuilder route(String consumer, String options, AfterInsert after) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?" + options).routeId(consumer)
                        .transacted()
                        .process(e -> {
                            long id = e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class);
                            attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                            jdbc.update("INSERT INTO " + table + " VALUES (?, ?)", id, consumer);
                            after.run(e.getMessage().getHeader(PgmqConstants.READ_COUNT, Integer.class));
                        });
            }
        };
    }

    @FunctionalInterface
    private interface AfterInsert {
        void run(int readCount) throws Exception;
    }

    private long rows() {
        return queryLong("SELECT count(*) FROM " + table);
    }

    private long distinctRows() {
        return queryLong("SELECT count(DISTINCT msg_id) FROM " + table);
    }

    private long archived() {
        return queryLong("SELECT count(*) FROM pgmq.a_" + queue);
    }

    @Test
    void backendsTerminatedAndReadOnlyDuringADrainLeaveEachRowOnceAndTheQueueEmpty() throws Exception {
        int messages = 1000;
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            bodies.add("{\"n\":" + i + "}");
        }
        client.sendBatch(queue, bodies, null, 0);
        context.addRoutes(route("drain", "transacted=true&concurrentConsumers=2&maxMessagesPerPoll=10"
                                         + "&visibilityTimeout=5&pollInterval=1000",
                readCount -> Thread.sleep(2)));
        await(Duration.ofSeconds(30), () -> rows() >= 100, "the drain started");
        DatabaseOutage.terminateBackendsAndGoReadOnly(DB, Duration.ofSeconds(3));
        // a pooled connection of the test may be one the faults ended: ask again
        await(Duration.ofSeconds(60), () -> queueLengthOrMinusOne() == 0, "the queue drained");
        Thread.sleep(500);
        assertEquals(messages, distinctRows(), "a row for every message");
        assertEquals(messages, rows(), "no message's row twice");
        assertEquals(messages, archived(), "every message archived");
        assertTrue(attempts.values().stream().anyMatch(a -> a.get() > 1),
                "the faults made some routes fail and roll back: " + attempts.size());
    }

    @Test
    void aMessageTakenByAnotherConsumerAfterItsVisibilityRanOutRollsBackTheFirstRoute() throws Exception {
        assertDuplicatesWhenVisibilityRunsOut(true);
    }

    /** Without transacted=true the consumer stays at-least-once: both runs' rows stay. */
    @Test
    void withoutTransactedBothRunsOfAMessageTakenAgainKeepTheirRows() throws Exception {
        assertDuplicatesWhenVisibilityRunsOut(false);
    }

    private void assertDuplicatesWhenVisibilityRunsOut(boolean transacted) throws Exception {
        int messages = 4;
        String options = "transacted=" + transacted + "&maxMessagesPerPoll=1&maxConcurrentConsumers=1&visibilityTimeout=1"
                         + "&pollInterval=100";
        // the slow consumer takes 3 s over a first delivery; the fast one reads it again after 1 s. The slow one
        // must hold a message before the fast one starts: started together, the fast one could take all four first
        context.addRoutes(route("slow", options, readCount -> {
            if (readCount == 1) {
                Thread.sleep(3000);
            }
        }));
        long first = client.send(queue, "{\"n\":0}");
        await(Duration.ofSeconds(10), () -> attempts.containsKey(first), "the slow consumer took the first message");
        context.addRoutes(route("fast", options, readCount -> {
        }));
        for (int i = 1; i < messages; i++) {
            client.send(queue, "{\"n\":" + i + "}");
        }
        await(Duration.ofSeconds(30), () -> client.metrics(queue).queueLength() == 0, "the queue drained");
        Thread.sleep(3500);
        assertEquals(2, attempts.get(first).get(), "the first message was taken again: " + attempts);
        assertEquals(messages, distinctRows(), "a row for every message");
        if (transacted) {
            assertEquals(messages, rows(), "each message's row exactly once");
            assertEquals(messages, archived());
        } else {
            assertTrue(rows() > messages, "at-least-once: the slow run's row stays too");
        }
    }

    @Test
    void aRouteThatFailsAfterItsInsertLeavesNoRowAndIsDeadLetteredAfterMaxRetries() throws Exception {
        String dlq = newQueue("tx_dlq");
        context.addRoutes(route("failing", "transacted=true&maxRetries=2&retryDelay=100&deadLetterQueue=" + dlq
                                           + "&pollInterval=100",
                readCount -> {
                    throw new IllegalStateException("business rule failed after the insert");
                }));
        long id = client.send(queue, "{\"order\":1}");
        await(Duration.ofSeconds(30), () -> client.metrics(dlq).queueLength() == 1, "dead-lettered");
        assertEquals(3, attempts.get(id).get(), "tried maxRetries + 1 times: each read counted");
        assertEquals(0, rows(), "every attempt's insert rolled back");
        assertEquals(0, client.metrics(queue).queueLength());
        assertEquals(0, archived(), "dead-lettered, not archived");
    }

    @Test
    void aTransactionManagerOverAnotherDataSourceIsRefusedAtStart() {
        context.getRegistry().bind("otherTx", new DataSourceTransactionManager(
                new DriverManagerDataSource(DB.jdbcUrl(), DB.username(), DB.password())));
        assertStartRefused("transacted=true&transactionManager=#otherTx",
                "does not manage the pgmq component's DataSource");
    }

    @Test
    void severalTransactionManagersNeedTransactionManagerNamed() {
        context.getRegistry().bind("otherTx", new DataSourceTransactionManager(DB.dataSource()));
        assertStartRefused("transacted=true", "set transactionManager=#<bean>");
    }

    private void assertStartRefused(String options, String expected) {
        Exception e = assertThrows(Exception.class, () -> context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?" + options).to("log:refused");
            }
        }));
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        assertTrue(messages.toString().contains(expected), messages.toString());
    }

    // ---------------------------------------------------------------- faults

    private long queueLengthOrMinusOne() {
        try {
            return client.metrics(queue).queueLength();
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
