package io.camelpgmq.component;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
        await(Duration.ofSeconds(30), () -> processed.size() >= 200, "the drain started");
        DatabaseOutage.terminateBackendsAndGoReadOnly(DB, Duration.ofSeconds(3));
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
}
