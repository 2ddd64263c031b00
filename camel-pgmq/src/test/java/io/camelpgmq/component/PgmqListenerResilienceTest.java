package io.camelpgmq.component;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.camelpgmq.client.QueueNames;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The listener survives its backend being killed, and many consumers share a queue without duplicates. */
class PgmqListenerResilienceTest extends PgmqTestSupport {

    private final String queue = newQueue("resilience");

    @Override
    protected RouteBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?pollInterval=60000").routeId("listening").to("mock:done");
                from("direct:send").to("pgmq:" + queue);
            }
        };
    }

    /** Listener sessions in the test database only: other applications on the same server are not this test's. */
    private static long listenerSessions() {
        return queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                         + PgmqListener.APPLICATION_NAME + "' AND datname = current_database()");
    }

    @Test
    void listenerBackendKilledTwiceInARowLeavesExactlyOneSessionAndNotificationsFlow() throws Exception {
        String channel = QueueNames.insertChannel(queue);
        awaitListening(channel);
        assertEquals(1, listenerSessions());
        for (int kill = 1; kill <= 2; kill++) {
            long killed = queryLong("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                    + " WHERE application_name = '" + PgmqListener.APPLICATION_NAME + "'"
                                    + " AND datname = current_database()");
            assertEquals(1, killed);
            // a message sent while the listener is away gets no notification: the reconnect must read it
            template.sendBody("direct:send", "{\"while_down\":" + kill + "}");
            // the listener's own count of sessions, not only what it says now: right after the kill it still reports
            // the old session as listening until it notices, and the old backend may still be in pg_stat_activity
            long sessionsOpened = kill + 1;
            await(Duration.ofSeconds(10), () -> pgmq().getListener().getConnections() == sessionsOpened
                                                && pgmq().getListener().isListening(channel) && listenerSessions() == 1,
                    "listener back after kill " + kill);
        }
        Thread.sleep(500);
        assertEquals(1, listenerSessions(), "exactly one LISTEN session, never two");
        MockEndpoint done = getMockEndpoint("mock:done");
        done.expectedMinimumMessageCount(3);
        template.sendBody("direct:send", "{\"after\":true}");
        // the poll is 60 s away: delivery within 5 s proves the reconnect read and the new LISTEN work
        done.assertIsSatisfied(5000);
        assertEquals(3, pgmq().getListener().getConnections(), "the first session and one per kill");
    }

    @Test
    void twoConsumersWithFourThreadsEachArchiveEveryMessageExactlyOnce() throws Exception {
        int total = 2000;
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        Set<Long> duplicates = ConcurrentHashMap.newKeySet();
        context.getRouteController().stopRoute("listening");
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                for (String id : new String[] { "a", "b" }) {
                    from("pgmq:" + queue + "?concurrentConsumers=4&maxMessagesPerPoll=20&pollInterval=200")
                            .routeId("consumer-" + id)
                            .process(e -> {
                                if (!seen.add(e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class))) {
                                    duplicates.add(e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class));
                                }
                            });
                }
            }
        });
        for (int i = 0; i < total; i += 200) {
            int from = i;
            client.sendBatch(queue, java.util.stream.IntStream.range(from, from + 200)
                    .mapToObj(n -> "{\"n\":" + n + "}").toList(), null, 0);
        }
        await(Duration.ofSeconds(60), () -> client.metrics(queue).queueLength() == 0, "queue drained");
        assertEquals(Set.of(), duplicates);
        assertEquals(total, seen.size());
        assertEquals(total, queryLong("SELECT count(DISTINCT msg_id) FROM pgmq.a_" + queue));
        assertEquals(total, queryLong("SELECT count(*) FROM pgmq.a_" + queue));
    }
}
