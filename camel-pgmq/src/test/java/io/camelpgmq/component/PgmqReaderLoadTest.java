package io.camelpgmq.component;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers that follow the load: with default options a burst is read by more than one reader (up to
 * maxConcurrentConsumers, never more), the extra readers end when the queue is drained, and maxConcurrentConsumers=1
 * keeps processing strictly one message at a time.
 */
class PgmqReaderLoadTest extends PgmqTestSupport {

    private static final int MESSAGES = 60;

    private final String defaults = newQueue("load_default");
    private final String serial = newQueue("load_serial");
    private final Route defaultRoute = new Route();
    private final Route serialRoute = new Route();

    /** Counts what runs at once: the most exchanges in process together, and every message seen. */
    private static final class Route {
        final AtomicInteger inProcess = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        final AtomicInteger runs = new AtomicInteger();

        void work(String body) throws InterruptedException {
            int now = inProcess.incrementAndGet();
            mostAtOnce.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(20);
            } finally {
                inProcess.decrementAndGet();
            }
            seen.add(body);
            runs.incrementAndGet();
        }
    }

    @Override
    protected RouteBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + defaults + "?pollInterval=60000").routeId("defaults").autoStartup(false)
                        .process(e -> defaultRoute.work(e.getMessage().getBody(String.class)));
                from("pgmq:" + serial + "?pollInterval=60000&maxConcurrentConsumers=1").routeId("serial")
                        .autoStartup(false)
                        .process(e -> serialRoute.work(e.getMessage().getBody(String.class)));
            }
        };
    }

    private static List<String> bodies() {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            bodies.add("{\"n\": " + i + "}");
        }
        return bodies;
    }

    @Test
    void aBurstIsReadByMoreReadersUpToTheMaximumAndTheyRetireWhenItIsDrained() throws Exception {
        client.sendBatch(defaults, bodies(), null, 0);
        context.getRouteController().startRoute("defaults");
        await(Duration.ofSeconds(20), () -> defaultRoute.runs.get() >= MESSAGES, "the burst was not drained");

        assertEquals(MESSAGES, defaultRoute.seen.size(), "every message once");
        assertEquals(MESSAGES, defaultRoute.runs.get(), "no message twice");
        int most = defaultRoute.mostAtOnce.get();
        assertTrue(most > 1, "a burst with default options is read by more than one reader, but at most " + most
                             + " exchange(s) ran at once");
        assertTrue(most <= 4, "never more than maxConcurrentConsumers (4) at once, but " + most + " ran at once");
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute("defaults").getConsumer();
        await(Duration.ofSeconds(5), () -> consumer.getActiveReaders() == 0,
                "the readers did not end after the queue was drained");
    }

    @Test
    void maxConcurrentConsumersOneProcessesOneMessageAtATime() throws Exception {
        client.sendBatch(serial, bodies(), null, 0);
        context.getRouteController().startRoute("serial");
        await(Duration.ofSeconds(20), () -> serialRoute.runs.get() >= MESSAGES, "the burst was not drained");

        assertEquals(MESSAGES, serialRoute.seen.size(), "every message once");
        assertEquals(1, serialRoute.mostAtOnce.get(), "strictly one exchange at a time");
    }
}
