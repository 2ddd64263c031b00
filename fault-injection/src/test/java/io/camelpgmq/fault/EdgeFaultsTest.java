package io.camelpgmq.fault;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.camelpgmq.component.PgmqConsumer;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults at the edge of the route: a hop that refuses work. */
class EdgeFaultsTest extends FaultTestSupport {

    /**
     * {@code from(pgmq).to("seda:work?size=5")} with a slow worker: the full seda queue fails exchanges. Each one is
     * retried, none stays in flight, every message is worked exactly once (a message is complete when it is handed to
     * seda, so a retried one was never handed over).
     */
    @Test
    void fullSedaQueueBehindTheConsumer() throws Exception {
        String q = newQueue("seda");
        List<Long> worked = new CopyOnWriteArrayList<>();
        CamelContext ctx = contextOnTestDb();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(noErrorHandler());
                from("pgmq:" + q + "?maxMessagesPerPoll=10&concurrentConsumers=2&retryDelay=100"
                     + "&extendVisibility=true&visibilityTimeout=5&pollInterval=60000")
                        .routeId("relay").to("seda:work?size=5");
                from("seda:work?size=5&concurrentConsumers=2").routeId("worker").delay(10)
                        .process(e -> worked.add(key(e)));
            }
        });
        ctx.start();
        try {
            Set<Long> sent = LongStream.range(0, 300).boxed().collect(Collectors.toSet());
            client.sendBatch(q, bodies(0, 300), null, 0, io.camelpgmq.client.QueueNames.insertChannel(q));
            await(Duration.ofSeconds(60), () -> Set.copyOf(worked).containsAll(sent), "every message worked");
            PgmqConsumer consumer = (PgmqConsumer) ctx.getRoute("relay").getConsumer();
            await(Duration.ofSeconds(10), () -> consumer.getInFlightCount() == 0
                                                && client.metrics(q).queueLength() == 0, "nothing left in flight");
            Thread.sleep(300);
            FaultReport r = FaultReport.of("7a full seda queue (size 5) behind the consumer", sent, worked,
                    "exchanges failed by the full queue and retried " + consumer.getFailedCount()
                                                                          + ", in flight at the end "
                                                                          + consumer.getInFlightCount());
            assertTrue(consumer.getFailedCount() > 0, "the seda queue was full at times (the scenario happened)");
            assertEquals(0, r.lost(), "lost");
            assertEquals(0, r.duplicated(), "duplicated");
        } finally {
            ctx.close();
        }
    }
}
