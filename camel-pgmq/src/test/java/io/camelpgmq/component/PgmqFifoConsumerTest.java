package io.camelpgmq.component;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.camelpgmq.client.PgmqClient;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ordered processing per FIFO group (readMode=grouped...), across threads, contexts, retries and dead letters. */
class PgmqFifoConsumerTest extends PgmqTestSupport {

    private final String queue = newQueue("fifo");
    private final String dlq = newQueue("fifo_dlq");
    private final Map<String, List<Long>> succeeded = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> activePerGroup = new ConcurrentHashMap<>();
    private final Set<Long> attempted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger activeGroups = new AtomicInteger();
    private final AtomicBoolean groupOverlapped = new AtomicBoolean();
    private final AtomicBoolean groupsRanTogether = new AtomicBoolean();
    private final AtomicInteger firstAttemptFailures = new AtomicInteger();

    private void sendGrouped(String group, String body) {
        client.send(queue, body, "{\"x-pgmq-group\":\"" + group + "\"}", 0);
    }

    /** Records one attempt; fails about 10% of first attempts. */
    private void work(Exchange e, double failureRate) throws InterruptedException {
        String group = e.getMessage().getHeader(PgmqConstants.GROUP_ID, String.class);
        long id = e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class);
        AtomicInteger active = activePerGroup.computeIfAbsent(group, g -> new AtomicInteger());
        if (active.incrementAndGet() > 1) {
            groupOverlapped.set(true);
        }
        if (activeGroups.incrementAndGet() > 1) {
            groupsRanTogether.set(true);
        }
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(1, 4));
            if (attempted.add(id) && ThreadLocalRandom.current().nextDouble() < failureRate) {
                firstAttemptFailures.incrementAndGet();
                throw new IllegalStateException("first attempt of " + id + " fails");
            }
            succeeded.computeIfAbsent(group, g -> new CopyOnWriteArrayList<>()).add(id);
        } finally {
            activeGroups.decrementAndGet();
            active.decrementAndGet();
        }
    }

    private RouteBuilder groupedConsumer(String routeId, double failureRate) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(noErrorHandler());
                from("pgmq:" + queue + "?readMode=grouped&concurrentConsumers=4&maxMessagesPerPoll=5&retryDelay=20"
                     + "&pollInterval=60000")
                        .routeId(routeId)
                        .process(e -> work(e, failureRate));
            }
        };
    }

    @Test
    void eachGroupIsProcessedInOrderOnceAndAloneWhileGroupsRunInParallel() throws Exception {
        List<String> groups = List.of("g0", "g1", "g2");
        for (int i = 0; i < 100; i++) {
            for (String g : groups) {
                sendGrouped(g, "{\"n\":" + i + "}");
            }
        }
        CamelContext second = new DefaultCamelContext();
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(DB.dataSource());
        second.addComponent("pgmq", component);
        second.addRoutes(groupedConsumer("second", 0.1));
        try {
            context.addRoutes(groupedConsumer("first", 0.1));
            second.start();
            await(Duration.ofSeconds(60), () -> groups.stream().mapToInt(
                    g -> succeeded.getOrDefault(g, List.of()).size()).sum() >= 300, "300 successes");
            Thread.sleep(300);
        } finally {
            second.stop();
        }
        for (String g : groups) {
            List<Long> order = new ArrayList<>(succeeded.get(g));
            assertEquals(100, order.size(), "each message of " + g + " succeeded exactly once");
            assertEquals(order.stream().sorted().toList(), order, "group " + g + " succeeded in msg_id order");
            assertEquals(100, Set.copyOf(order).size(), "no message of " + g + " succeeded twice");
        }
        assertFalse(groupOverlapped.get(), "two messages of one group were in process at once");
        assertTrue(groupsRanTogether.get(), "different groups were processed in parallel");
        assertTrue(firstAttemptFailures.get() > 0, "some first attempts failed (the scenario happened)");
        assertEquals(0, client.metrics(queue).queueLength());
    }

    @Test
    void aPoisonHeadHoldsOnlyItsGroupUntilItIsDeadLettered() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        sendGrouped("a", "{\"a\":0,\"poison\":true}");
        for (int i = 1; i <= 4; i++) {
            sendGrouped("a", "{\"a\":" + i + "}");
            sendGrouped("b", "{\"b\":" + i + "}");
        }
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(noErrorHandler());
                from("pgmq:" + queue + "?readMode=grouped&maxRetries=2&retryDelay=300&deadLetterQueue=" + dlq
                     + "&maxMessagesPerPoll=10&pollInterval=60000")
                        .process(e -> {
                            String body = e.getMessage().getBody(String.class);
                            if (body.contains("poison")) {
                                order.add("poison");
                                throw new IllegalStateException("poison");
                            }
                            order.add(body.replaceAll("[^ab0-9]", ""));
                        });
            }
        });
        await(Duration.ofSeconds(15), () -> order.size() == 11, "3 poison attempts and 8 messages");
        assertEquals(List.of("poison", "b1", "b2", "b3", "b4"), order.subList(0, 5),
                "group b never waited for group a's poison head");
        assertEquals(List.of("poison", "poison", "a1", "a2", "a3", "a4"), order.subList(5, 11),
                "group a waited for its head's retries, then continued in order after the dead letter");
        assertEquals(1, client.metrics(dlq).queueLength());
        assertEquals(8, queryLong("SELECT count(*) FROM pgmq.a_" + queue + " WHERE read_ct = 1"),
                "each of the 8 messages counted one attempt: handing group a back while it waited did not count");
    }

    /**
     * A queue whose group index an earlier camel-pgmq built (groups compared in the database's collation): a consumer
     * that may not create indexes consumes it as without an index; one with autoCreateQueue=true builds it again.
     */
    @Test
    void aConsumerThatMayCreateQueuesBuildsAnEarlierGroupIndexAgain() throws Exception {
        execute("CREATE INDEX \"q_" + queue + "_group_idx\" ON pgmq.\"q_" + queue
                + "\" ((coalesce(headers ->> 'x-pgmq-group', '_default_fifo_group')), msg_id)");
        List<String> bodies = new CopyOnWriteArrayList<>();
        for (boolean autoCreate : List.of(false, true)) {
            String routeId = "autoCreate" + autoCreate;
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + queue + "?readMode=grouped&pollInterval=200&autoCreateQueue=" + autoCreate)
                            .routeId(routeId).process(e -> bodies.add(e.getMessage().getBody(String.class)));
                }
            });
            sendGrouped("g", "{\"autoCreate\":" + autoCreate + "}");
            await(Duration.ofSeconds(10), () -> bodies.size() == (autoCreate ? 2 : 1), "consumed with " + routeId);
            assertEquals(autoCreate ? PgmqClient.GroupIndexState.CURRENT : PgmqClient.GroupIndexState.OUTDATED,
                    client.groupIndexState(queue), routeId);
            context.getRouteController().stopRoute(routeId);
        }
    }
}
