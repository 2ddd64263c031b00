package io.camelpgmq.fault;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.QueueNames;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConstants;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Scenarios 1 and 4: the LISTEN backend killed again and again; a producer whose transaction rolls back. */
class ListenerFaultsTest extends FaultTestSupport {

    private static final int KILLS = 10;

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static List<Long> listenerPids() {
        return queryLongs("SELECT pid FROM pg_stat_activity WHERE application_name = '" + LISTENER_APP + "'"
                          + " AND datname = current_database()");
    }

    /**
     * The consumer's fallback poll is a minute away, longer than the whole run: every message is delivered by a
     * notification or by the read the listener triggers after each reconnection.
     */
    @ParameterizedTest(name = "listener connection from {0}")
    @ValueSource(strings = { "url", "dataSource" })
    void listenerBackendTerminatedTenTimesWhileAProducerSends(String mode) throws Exception {
        String q = newQueue("listener_kill");
        List<Long> processed = new CopyOnWriteArrayList<>();
        Set<Long> sent = ConcurrentHashMap.newKeySet();
        CamelContext ctx;
        if (mode.equals("url")) {
            // the component's own pool; the listener on a connection of its own (DriverManager)
            ctx = new DefaultCamelContext();
            PgmqComponent pgmq = new PgmqComponent();
            pgmq.setUrl(DB.jdbcUrl());
            pgmq.setUsername(DB.username());
            pgmq.setPassword(DB.password());
            ctx.addComponent("pgmq", pgmq);
        } else {
            // the listener takes one connection from the application's DataSource (a HikariCP pool) and keeps it
            ctx = contextOnTestDb();
        }
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?pollInterval=60000&concurrentConsumers=2&maxMessagesPerPoll=10")
                        .process(e -> processed.add(key(e)));
            }
        });
        ctx.start();
        try {
            ProducerTemplate template = ctx.createProducerTemplate();
            await(Duration.ofSeconds(10), () -> listenerSessions() == 1, "the listener connected");
            AtomicBoolean producing = new AtomicBoolean(true);
            Map<String, Long> sendFailures = new ConcurrentHashMap<>();
            Thread producer = new Thread(() -> {
                long n = 0;
                while (producing.get()) {
                    long key = n;
                    Exchange done = template.request("pgmq:" + q, e -> e.getMessage().setBody(body(key)));
                    if (done.getException() == null) {
                        sent.add(n++);
                    } else {
                        // retried with the same key; a send that fails before reaching the server commits nothing
                        sendFailures.merge(rootMessage(done.getException()), 1L, Long::sum);
                    }
                    sleep(3);
                }
            }, "fault-producer");
            producer.start();
            long start = System.nanoTime();
            long killedPid = -1;
            for (int kill = 1; kill <= KILLS; kill++) {
                int k = kill;
                long previous = killedPid;
                // each kill hits a new listening session: the killed one gone, its replacement there
                await(Duration.ofSeconds(15), () -> {
                    List<Long> now = listenerPids();
                    return now.size() == 1 && !now.contains(previous);
                }, "a new listener session before kill " + k);
                Thread.sleep(ThreadLocalRandom.current().nextLong(100, 400));
                List<Long> pids = listenerPids();
                assertEquals(1, pids.size(), "one listener session before kill " + kill);
                killedPid = pids.get(0);
                assertEquals(1, queryLong("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid = "
                                          + killedPid), "kill " + kill + " terminated the listener session");
            }
            Thread.sleep(300);
            producing.set(false);
            producer.join(10_000);
            long sendMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            // far below the 60 s poll: only notifications and the reads after each reconnection can do it
            await(Duration.ofSeconds(20), () -> Set.copyOf(processed).containsAll(sent), "every message processed");
            await(Duration.ofSeconds(10), () -> client.metrics(q).queueLength() == 0, "every message archived");
            // the end state must hold, not just be passed through
            await(Duration.ofSeconds(10), () -> listenerSessions() == 1, "one listener session at the end");
            Thread.sleep(1000);
            long sessions = listenerSessions();
            long failedSends = sendFailures.values().stream().mapToLong(Long::longValue).sum();
            FaultReport r = FaultReport.of("1 listener killed x" + KILLS + " (" + mode + ")", sent, processed,
                    "sent over " + sendMillis + " ms with poll 60 s; listener sessions at end " + sessions
                                                                              + "; failed sends " + failedSends
                                                                              + " " + sendFailures.keySet());
            assertEquals(0, r.lost(), "lost");
            assertEquals(0, r.duplicated(), "duplicated (no visibility timeout expires)");
            assertEquals(1, sessions, "exactly one 'camel-pgmq listener' session at the end");
            // the listener's connection is its own in both modes (with a HikariCP pool it opens one with the pool's
            // settings): killing it never touches a producer's connection
            assertEquals(Map.of(), sendFailures, "no send failed");
        } finally {
            ctx.close();
        }
    }

    /**
     * Sends joined to a transaction that rolls back leave no message and no notification; a committed send on the
     * same path (the control) is heard and processed, so the silence before means something.
     */
    @Test
    void producerTransactionRolledBackSendsNothingAndWakesNobody() throws Exception {
        String q = newQueue("rollback");
        String channel = QueueNames.insertChannel(q);
        List<Long> processed = new CopyOnWriteArrayList<>();
        CamelContext ctx = contextOnTestDb();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // no poll within the test: only a notification can make this consumer read
                from("pgmq:" + q + "?pollInterval=60000").process(e -> processed.add(key(e)));
            }
        });
        ctx.start();
        int rolledBack = 20;
        try (Connection listener = directConnection(); Connection tx = directConnection()) {
            ProducerTemplate template = ctx.createProducerTemplate();
            PGConnection pgListener = listener.unwrap(PGConnection.class);
            try (Statement st = listener.createStatement()) {
                st.execute(PgmqClient.listenSql(channel));
            }
            await(Duration.ofSeconds(10), () -> listenerSessions() >= 1, "the component's listener connected");
            Thread.sleep(300); // the consumer's first read (at start) is done
            tx.setAutoCommit(false);
            for (int n = 0; n < rolledBack; n++) {
                template.sendBodyAndHeader("pgmq:" + q, body(n), PgmqConstants.CONNECTION, tx);
            }
            long insideTx;
            try (Statement st = tx.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM pgmq.q_" + q)) {
                rs.next();
                insideTx = rs.getLong(1);
            }
            assertEquals(rolledBack, insideTx, "the sends did run, inside the transaction");
            tx.rollback();
            PGNotification[] heard = pgListener.getNotifications(1500);
            int heardAfterRollback = heard == null ? 0 : heard.length;
            Thread.sleep(500);
            long processedAfterRollback = processed.size();
            long queueLength = client.metrics(q).queueLength();

            // control: the same path, committed
            template.sendBodyAndHeader("pgmq:" + q, body(rolledBack), PgmqConstants.CONNECTION, tx);
            tx.commit();
            PGNotification[] control = pgListener.getNotifications(5000);
            await(Duration.ofSeconds(5), () -> processed.size() == 1, "the committed control message processed");

            FaultReport r = FaultReport.of("4 producer transaction rolled back", Set.of(), processed.subList(0,
                    (int) processedAfterRollback), "rolled back " + rolledBack + " sends, notifications "
                                                   + heardAfterRollback + ", queue length " + queueLength
                                                   + "; committed control: notified " + (control == null ? 0
                                                           : control.length) + ", processed " + processed.size());
            assertEquals(0, heardAfterRollback, "no notification for a rolled-back send");
            assertEquals(0, r.processed(), "nothing processed after the rollback");
            assertEquals(0, queueLength, "nothing in the queue after the rollback");
            assertEquals(1, control == null ? 0 : control.length, "the committed control send was notified");
            assertEquals(List.of((long) rolledBack), processed, "the control message, and only it, processed");
            try (Statement st = listener.createStatement()) {
                st.execute(PgmqClient.unlistenAllSql());
            }
        } finally {
            ctx.close();
        }
    }
}
