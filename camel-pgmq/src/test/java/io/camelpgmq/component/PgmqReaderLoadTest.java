package io.camelpgmq.component;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers that follow the load: with default options a burst is read by more than one reader (up to
 * maxConcurrentConsumers, never more), the extra readers end when the queue is drained, and maxConcurrentConsumers=1
 * keeps processing strictly one message at a time. A grouped queue gets helpers while other groups are free, and none
 * when its only group is the one being read.
 */
class PgmqReaderLoadTest extends PgmqTestSupport {

    private static final int MESSAGES = 60;

    private final String defaults = newQueue("load_default");
    private final String serial = newQueue("load_serial");
    private final Route defaultRoute = new Route();
    private final Route serialRoute = new Route();
    private final String strictFifo = newQueue("load_fifo");
    private final String fewGroups = newQueue("load_groups");
    private final Route strictFifoRoute = new Route();
    private final Route fewGroupsRoute = new Route();
    private final MeterRegistry registry = new SimpleMeterRegistry();

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
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        context.getRegistry().bind("meters", registry);
        return context;
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
                String grouped = "?readMode=grouped&concurrentConsumers=4&maxMessagesPerPoll=10&pollInterval=60000";
                from("pgmq:" + strictFifo + grouped).routeId("strictFifo").autoStartup(false)
                        .process(e -> strictFifoRoute.work(e.getMessage().getBody(String.class)));
                from("pgmq:" + fewGroups + grouped).routeId("fewGroups").autoStartup(false)
                        .process(e -> fewGroupsRoute.work(e.getMessage().getBody(String.class)));
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

    private long reads(String queue) {
        return registry.find("pgmq.consumer.read").tag("queue", queue).timer().count();
    }

    /**
     * Starts the route on its empty queue, lets its start's wake-ups pass, then sends 60 messages spread over
     * {@code groups} groups in one commit with one notification (one wake-up: one reader), and drains them.
     *
     * @return the reads the drain took
     */
    private long drainOneCommit(String routeId, String queue, int groups, Route route) throws Exception {
        client.createGroupIndex(queue);
        context.getRouteController().startRoute(routeId);
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute(routeId).getConsumer();
        await(Duration.ofSeconds(5), () -> reads(queue) > 0 && consumer.getActiveReaders() == 0,
                "the consumer did not start reading");
        Thread.sleep(300);
        await(Duration.ofSeconds(5), () -> consumer.getActiveReaders() == 0, "the start's reads did not end");
        long before = reads(queue);
        List<String> bodies = bodies();
        List<String> headers = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            headers.add("{\"x-pgmq-group\": \"g" + i % groups + "\"}");
        }
        client.sendBatch(queue, bodies, headers, 0, ((PgmqEndpoint) context.getRoute(routeId).getEndpoint())
                .getChannel());
        await(Duration.ofSeconds(20), () -> route.runs.get() >= MESSAGES, "the queue was not drained");
        await(Duration.ofSeconds(5), () -> consumer.getActiveReaders() == 0, "the readers did not end");
        assertEquals(MESSAGES, route.seen.size(), "every message once");
        assertEquals(MESSAGES, route.runs.get(), "no message twice");
        return reads(queue) - before;
    }

    @Test
    void aStrictFifoQueueIsReadByOneReaderWithoutHelpersThatWouldFindItsGroupTaken() throws Exception {
        long reads = drainOneCommit("strictFifo", strictFifo, 1, strictFifoRoute);

        assertEquals(1, strictFifoRoute.mostAtOnce.get(), "one group: one message at a time");
        // 6 full reads of 10 and the read that finds the queue empty. Each full read used to start a helper, whose
        // read found the only group taken: 13 reads
        assertTrue(reads <= 8, "a strict FIFO queue of 60 messages read 10 at a time took " + reads + " reads: "
                               + "helpers were sent to a queue whose only group was taken");
    }

    @Test
    void aQueueOfFewGroupsStillGetsHelpersWhileOtherGroupsAreFree() throws Exception {
        drainOneCommit("fewGroups", fewGroups, 4, fewGroupsRoute);

        int most = fewGroupsRoute.mostAtOnce.get();
        assertTrue(most > 1, "4 free groups woken once were read by one reader only: at most " + most
                             + " exchange(s) ran at once");
    }
}
