package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-group order across contexts (JVMs), readers, immediate and delayed retries, a delayed message in the middle of a
 * group, a slow head whose visibility is extended and a context stopped midway; and the retry and visibility defects
 * of issue 19, each reproduced on its own.
 */
class PgmqGroupOrderTest extends PgmqTestSupport {

    private final String queue = newQueue("order");

    // what the routes saw
    private final Map<String, List<Long>> succeeded = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> activePerGroup = new ConcurrentHashMap<>();
    private final Set<Long> attempted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger activeGroups = new AtomicInteger();
    private final AtomicInteger mostGroupsAtOnce = new AtomicInteger();
    private final List<String> overlaps = new CopyOnWriteArrayList<>();
    private final AtomicInteger firstAttemptFailures = new AtomicInteger();
    private final AtomicInteger successes = new AtomicInteger();

    /** One attempt: fails about 10 % of first attempts; {@code slowId} works 2.5 s (its visibility is extended). */
    private void work(Exchange e, long slowId) throws InterruptedException {
        String group = e.getMessage().getHeader(PgmqConstants.GROUP_ID, String.class);
        long id = e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class);
        AtomicInteger active = activePerGroup.computeIfAbsent(group, g -> new AtomicInteger());
        if (active.incrementAndGet() > 1) {
            overlaps.add(group + " at " + id);
        }
        mostGroupsAtOnce.accumulateAndGet(activeGroups.incrementAndGet(), Math::max);
        try {
            Thread.sleep(id == slowId ? 2500 : ThreadLocalRandom.current().nextInt(0, 3));
            if (attempted.add(id) && id != slowId && ThreadLocalRandom.current().nextDouble() < 0.1) {
                firstAttemptFailures.incrementAndGet();
                throw new IllegalStateException("first attempt of " + id + " fails");
            }
            succeeded.computeIfAbsent(group, g -> new CopyOnWriteArrayList<>()).add(id);
            successes.incrementAndGet();
        } finally {
            activeGroups.decrementAndGet();
            active.decrementAndGet();
        }
    }

    private RouteBuilder route(String id, PgmqReadMode mode, int retryDelay, long slowId, boolean autoCreate) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(noErrorHandler());
                from("pgmq:" + queue + "?readMode=" + mode + "&concurrentConsumers=4&maxMessagesPerPoll=5"
                     + "&retryDelay=" + retryDelay + "&visibilityTimeout=2&pollInterval=60000"
                     + (autoCreate ? "&autoCreateQueue=true" : ""))
                        .routeId(id)
                        .process(e -> work(e, slowId));
            }
        };
    }

    private CamelContext newContext() {
        CamelContext other = new DefaultCamelContext();
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(DB.dataSource());
        other.addComponent("pgmq", component);
        other.getShutdownStrategy().setTimeout(20);
        return other;
    }

    /**
     * 3 contexts x 4 readers, 1,000 messages in 20 groups of 50 or in 80 of 12 (the reads find the heads by skipping
     * through the group index from their turn), 10 % of first attempts fail (retryDelay 0 in
     * two contexts, 100 in the third), group g3's middle message is sent with a 1 s delay, group g7's third works 2.5 s
     * with a 2 s visibility timeout, and the third context stops after a third of the messages.
     */
    @ParameterizedTest
    @MethodSource("modesAndGroups")
    void everyGroupSucceedsInOrderOnceAndAloneAcrossContexts(PgmqReadMode mode, int groups) throws Exception {
        int perGroup = 1000 / groups;
        Map<String, List<Long>> sent = new ConcurrentHashMap<>();
        List<String> bodies = new ArrayList<>();
        List<String> headers = new ArrayList<>();
        long slowId = -1;
        for (int seq = 0; seq < perGroup; seq++) {
            for (int g = 0; g < groups; g++) {
                if (g == 3 && seq == perGroup / 2) {
                    // flush what comes before, then the delayed one alone: msg_ids follow the order of sending
                    sendAll(bodies, headers, sent);
                    long id = client.send(queue, "{\"g\":3,\"seq\":" + seq + "}", "{\"x-pgmq-group\":\"g3\"}", 1);
                    sent.computeIfAbsent("g3", k -> new ArrayList<>()).add(id);
                    continue;
                }
                if (g == 7 && seq == 2) {
                    sendAll(bodies, headers, sent);
                    slowId = client.send(queue, "{\"g\":7,\"seq\":2}", "{\"x-pgmq-group\":\"g7\"}", 0);
                    sent.computeIfAbsent("g7", k -> new ArrayList<>()).add(slowId);
                    continue;
                }
                bodies.add("{\"g\":" + g + ",\"seq\":" + seq + "}");
                headers.add("{\"x-pgmq-group\":\"g" + g + "\"}");
            }
        }
        sendAll(bodies, headers, sent);

        CamelContext second = newContext();
        CamelContext third = newContext();
        second.addRoutes(route("second", mode, 100, slowId, false));
        third.addRoutes(route("third", mode, 0, slowId, false));
        try {
            context.getShutdownStrategy().setTimeout(20);
            context.addRoutes(route("first", mode, 0, slowId, true));
            second.start();
            third.start();
            await(Duration.ofSeconds(60), () -> successes.get() >= groups * perGroup / 3, "a third succeeded");
            third.stop();
            await(Duration.ofSeconds(60), () -> successes.get() >= groups * perGroup, "every message succeeded");
            Thread.sleep(200);
        } finally {
            second.stop();
            third.stop();
        }
        for (Map.Entry<String, List<Long>> group : sent.entrySet()) {
            assertEquals(group.getValue(), succeeded.get(group.getKey()),
                    "group " + group.getKey() + " succeeded in msg_id order, each message once");
        }
        assertEquals(List.of(), overlaps, "two messages of one group were in process at once");
        assertTrue(mostGroupsAtOnce.get() > 1, "several groups were in process at once");
        assertTrue(firstAttemptFailures.get() > 0, "some first attempts failed (the scenario happened)");
        assertTrue(client.hasGroupIndex(queue), "autoCreateQueue=true created the group index");
        await(Duration.ofSeconds(5), () -> client.metrics(queue).queueLength() == 0, "every message archived");
    }

    /**
     * Each grouped mode over 20 groups and over 80 (until 2026-12-04, reads of a queue of more than 64 groups walked
     * the front of the queue before they skipped through the groups).
     */
    static Stream<Arguments> modesAndGroups() {
        return Stream.of(PgmqReadMode.grouped, PgmqReadMode.groupedRoundRobin, PgmqReadMode.groupedHead)
                .flatMap(mode -> Stream.of(Arguments.of(mode, 20), Arguments.of(mode, 80)));
    }

    private void sendAll(List<String> bodies, List<String> headers, Map<String, List<Long>> sent) {
        if (bodies.isEmpty()) {
            return;
        }
        List<Long> ids = client.sendBatch(queue, bodies, headers, 0);
        for (int i = 0; i < ids.size(); i++) {
            String group = headers.get(i).replaceAll(".*\"(g\\d+)\".*", "$1");
            sent.computeIfAbsent(group, k -> new ArrayList<>()).add(ids.get(i));
        }
        bodies.clear();
        headers.clear();
    }

    /**
     * Issue 19 (a): with an immediate retry the failed head was visible again while its reader went on with the rest
     * of its group (and a second reader took the retry): the group succeeded out of order. Also for a backoff capped
     * at 0 ({@code maxRetryDelay=0}).
     */
    @ParameterizedTest
    @ValueSource(strings = { "readMode=grouped&retryDelay=0", "readMode=groupedRoundRobin&retryDelay=0",
                             "readMode=grouped&retryDelay=100&maxRetryDelay=0" })
    void anImmediateRetryOfAHeadKeepsItsGroupInOrder(String options) throws Exception {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(client.send(queue, "{}", "{\"x-pgmq-group\":\"g\"}", 0));
        }
        List<Long> order = new CopyOnWriteArrayList<>();
        AtomicBoolean failedOnce = new AtomicBoolean();
        AtomicInteger active = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(noErrorHandler());
                from("pgmq:" + queue + "?" + options + "&concurrentConsumers=2&maxMessagesPerPoll=5"
                     + "&pollInterval=60000")
                        .process(e -> {
                            long id = e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class);
                            if (active.incrementAndGet() > 1) {
                                overlapped.set(true);
                            }
                            try {
                                Thread.sleep(20);
                                if (id == ids.get(0) && failedOnce.compareAndSet(false, true)) {
                                    throw new IllegalStateException("the head's first attempt fails");
                                }
                                order.add(id);
                            } finally {
                                active.decrementAndGet();
                            }
                        });
            }
        });
        await(Duration.ofSeconds(10), () -> order.size() >= 5, "5 successes");
        Thread.sleep(100);
        assertEquals(ids, order, "the group succeeded in msg_id order, the retried head first");
        assertFalse(overlapped.get(), "two messages of the group were in process at once");
    }

    /**
     * Issue 19 (a), plain mode: retryDelay=0 scheduled no wake-up (0 also meant "not retried"), so the retry waited
     * for the next poll (here a minute) instead of being read at once.
     */
    @Test
    void anImmediateRetryIsReadAtOnceNotAtThePoll() throws Exception {
        client.send(queue, "{}", null, 0);
        List<Long> attempts = new CopyOnWriteArrayList<>();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(noErrorHandler());
                // listen=false: nothing but the consumer's own wake-ups reads (no notification, no trailing read)
                from("pgmq:" + queue + "?retryDelay=0&pollInterval=60000&listen=false")
                        .process(e -> {
                            attempts.add(System.nanoTime());
                            if (attempts.size() == 1) {
                                throw new IllegalStateException("first attempt fails");
                            }
                        });
            }
        });
        await(Duration.ofSeconds(5), () -> attempts.size() >= 2, "the retry within 5 s (the poll is a minute)");
        assertTrue(attempts.get(1) - attempts.get(0) < TimeUnit.SECONDS.toNanos(2), "retried at once");
    }

    /**
     * Issue 19 (c): pgmq 1.13.0's read_grouped reads past an invisible message in the middle of a group (the
     * compatible SQL does the same): a message sent with a delay between two others was overtaken by the later one.
     */
    @Test
    void aDelayedMessageInTheMiddleHoldsBackTheRestOfItsGroup() throws Exception {
        long first = client.send(queue, "{}", "{\"x-pgmq-group\":\"g\"}", 0);
        long delayed = client.send(queue, "{}", "{\"x-pgmq-group\":\"g\"}", 1);
        long last = client.send(queue, "{}", "{\"x-pgmq-group\":\"g\"}", 0);
        List<Long> order = new CopyOnWriteArrayList<>();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?readMode=grouped&pollInterval=60000")
                        .process(e -> order.add(e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class)));
            }
        });
        await(Duration.ofSeconds(10), () -> order.size() >= 3, "3 successes");
        assertEquals(List.of(first, delayed, last), order);
    }

    /**
     * Issue 19 (f): the housekeeping took a message in process for a visibility extension, the route failed and set
     * the retry delay, then the extension's statement ran and pushed the retry a whole visibility timeout away. The
     * housekeeping's connection is held back 300 ms here so the failure lands in between, every time.
     */
    @Test
    void aVisibilityExtensionDoesNotOverwriteARetryDelay() throws Exception {
        client.send(queue, "{}", null, 0);
        CountDownLatch extensionUnderWay = new CountDownLatch(1);
        DataSource slowHousekeeping = new HousekeepingDelay(DB.dataSource(), extensionUnderWay);
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(slowHousekeeping);
        context.removeComponent("pgmq");
        context.addComponent("pgmq", component);
        List<Long> attempts = new CopyOnWriteArrayList<>();
        AtomicLong failedAt = new AtomicLong();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(noErrorHandler());
                from("pgmq:" + queue + "?extendVisibility=true&visibilityTimeout=3&retryDelay=1000"
                     + "&pollInterval=60000")
                        .process(e -> {
                            attempts.add(System.nanoTime());
                            if (attempts.size() == 1) {
                                // in process until the housekeeping has taken it for an extension
                                assertTrue(extensionUnderWay.await(10, TimeUnit.SECONDS), "an extension started");
                                failedAt.set(System.nanoTime());
                                throw new IllegalStateException("first attempt fails");
                            }
                        });
            }
        });
        await(Duration.ofSeconds(10), () -> attempts.size() >= 2, "the retry");
        long retryMillis = TimeUnit.NANOSECONDS.toMillis(attempts.get(1) - failedAt.get());
        // retry delay 1 s after the extension (held back 0.3 s); overwritten, it came 3 s (the visibility) after it
        assertTrue(retryMillis < 2200, "the retry came " + retryMillis + " ms after the failure, not ~3 s");
    }

    /** The test's DataSource with the consumer housekeeping's first connection held back 300 ms. */
    private static final class HousekeepingDelay extends ForwardingDataSource {
        private final CountDownLatch started;

        HousekeepingDelay(DataSource delegate, CountDownLatch started) {
            super(delegate, true);
            this.started = started;
        }

        @Override
        public Connection getConnection() throws SQLException {
            boolean housekeeping = StackWalker.getInstance()
                    .walk(s -> s.anyMatch(f -> f.getMethodName().equals("keepHeldMessages")));
            if (housekeeping && started.getCount() > 0) {
                started.countDown();
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.getConnection();
        }
    }
}
