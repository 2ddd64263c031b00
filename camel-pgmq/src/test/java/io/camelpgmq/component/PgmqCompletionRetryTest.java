package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A completion (archive) that fails on a transient error is tried again while the consumer holds the message: backends
 * terminated and the database read-only for a few seconds (as while a standby is promoted) during a drain lose
 * nothing and process nothing twice.
 */
class PgmqCompletionRetryTest extends PgmqTestSupport {

    private static final int MESSAGES = 3000;

    private final String queue = newQueue("complete_retry");
    private final Map<Long, AtomicInteger> processed = new ConcurrentHashMap<>();

    @Override
    protected RouteBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?maxMessagesPerPoll=10&concurrentConsumers=2&visibilityTimeout=15"
                     + "&pollInterval=1000")
                        .process(e -> {
                            processed.computeIfAbsent(e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class),
                                    k -> new AtomicInteger()).incrementAndGet();
                            Thread.sleep(3);
                        });
            }
        };
    }

    @Test
    void terminatedBackendsAndAReadOnlyWindowDuringADrainLoseAndDuplicateNothing() throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            bodies.add("{\"n\":" + i + "}");
        }
        for (int i = 0; i < MESSAGES; i += 500) {
            client.sendBatch(queue, bodies.subList(i, i + 500), null, 0);
        }
        try (Connection admin = directConnection()) {
            await(Duration.ofSeconds(30), () -> processed.size() >= 200, "the drain started");
            terminateOthers(admin);
            Thread.sleep(300);
            terminateOthers(admin);
            // read-only for new sessions, and every session new: what clients see while a standby is promoted
            execute(admin, "ALTER DATABASE " + databaseName(admin) + " SET default_transaction_read_only = on");
            terminateOthers(admin);
            try {
                Thread.sleep(3000);
            } finally {
                execute(admin, "ALTER DATABASE " + databaseName(admin) + " RESET default_transaction_read_only");
                terminateOthers(admin);
            }
            Thread.sleep(300);
            terminateOthers(admin);
        }
        // a pooled connection of the test may be one the faults ended: ask again
        await(Duration.ofSeconds(60), () -> processed.size() == MESSAGES && queueLengthOrMinusOne() == 0,
                "every message processed and the queue empty");
        Thread.sleep(500);
        Set<Long> twice = processed.entrySet().stream().filter(e -> e.getValue().get() > 1).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(HashSet::new));
        assertEquals(Set.of(), twice, "messages processed more than once");
        assertEquals(MESSAGES, queryLong("SELECT count(*) FROM pgmq.a_" + queue), "every message archived");
        assertTrue(processed.size() == MESSAGES, "no message lost");
    }

    private long queueLengthOrMinusOne() {
        try {
            return client.metrics(queue).queueLength();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static Connection directConnection() throws SQLException {
        Properties props = new Properties();
        if (DB.username() != null) {
            props.setProperty("user", DB.username());
        }
        if (DB.password() != null) {
            props.setProperty("password", DB.password());
        }
        Connection c = DriverManager.getConnection(DB.jdbcUrl(), props);
        // this session must be able to turn read-only off again
        execute(c, "SET default_transaction_read_only = off");
        return c;
    }

    private static String databaseName(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); var rs = st.executeQuery("SELECT quote_ident(current_database())")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void terminateOthers(Connection c) throws SQLException {
        execute(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                   + " AND pid <> pg_backend_pid()");
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
