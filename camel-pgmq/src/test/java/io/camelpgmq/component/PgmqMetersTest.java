package io.camelpgmq.component;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The component's Micrometer meters after a known run, with the MeterRegistry found in Camel's registry: consumer
 * counters by outcome, the timers, and the queue gauges from the sampler.
 */
class PgmqMetersTest extends PgmqTestSupport {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final String queue = newQueue("meters");
    private final String dlq = newQueue("meters_dlq");

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        context.getRegistry().bind("meters", registry);
        pgmqOf(context).setMetricsInterval(100);
        return context;
    }

    private static PgmqComponent pgmqOf(CamelContext context) {
        return context.getComponent("pgmq", PgmqComponent.class);
    }

    private double messages(String outcome) {
        var counter = registry.find("pgmq.consumer.messages").tag("queue", queue).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private double gauge(String name, String queueName) {
        var gauge = registry.find(name).tag("queue", queueName).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    @Test
    void countsReceivedSucceededFailedRetriedAndDeadLettered() throws Exception {
        for (int i = 0; i < 10; i++) {
            client.send(queue, "{\"job\":" + i + "}");
        }
        client.send(queue, "{\"poison\":1}");
        client.send(queue, "{\"poison\":2}");
        // the consumer reads what is there when it starts
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?maxRetries=2&retryDelay=20&deadLetterQueue=" + dlq)
                        .process(e -> {
                            if (e.getMessage().getBody(String.class).contains("poison")) {
                                throw new IllegalStateException("poison");
                            }
                        });
            }
        });
        await(Duration.ofSeconds(15), () -> messages("dead_lettered") == 2 && messages("succeeded") == 10,
                "10 succeeded and 2 dead-lettered");
        // each poison message: 3 attempts (maxRetries=2), 2 retries, then the dead-letter queue
        assertEquals(16, messages("received"));
        assertEquals(10, messages("succeeded"));
        assertEquals(6, messages("failed"));
        assertEquals(4, messages("retried"));
        assertEquals(2, messages("dead_lettered"));
        assertEquals(0, messages("given_back"));
        assertEquals(10, registry.find("pgmq.consumer.processing").tag("queue", queue).tag("outcome", "succeeded")
                .timer().count());
        assertEquals(6, registry.find("pgmq.consumer.processing").tag("queue", queue).tag("outcome", "failed")
                .timer().count());
        assertTrue(registry.find("pgmq.consumer.read").tag("queue", queue).timer().count() >= 3);
        // the sampler: the queue is empty, the dead-letter queue holds the two
        await(Duration.ofSeconds(5), () -> gauge("pgmq.queue.depth", queue) == 0
                                           && gauge("pgmq.queue.depth", dlq) == 2,
                "depth sampled: queue 0, dead-letter queue 2");
        assertEquals(0, gauge("pgmq.queue.in.flight", queue));
        assertEquals(0, gauge("pgmq.queue.oldest.age", queue));
    }

    @Test
    void queueGaugesShowAMessageInProcess() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        client.send(queue, "{\"slow\":1}");
        client.send(queue, "{\"waiting\":2}", null, 3600, null);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue).process(e -> {
                    started.countDown();
                    release.await(20, TimeUnit.SECONDS);
                });
            }
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        try {
            await(Duration.ofSeconds(5), () -> gauge("pgmq.queue.in.flight", queue) == 1
                                               && gauge("pgmq.queue.depth", queue) == 2,
                    "one in flight of two (the other is delayed, not read)");
            assertTrue(gauge("pgmq.queue.oldest.age", queue) >= 0);
        } finally {
            release.countDown();
        }
        await(Duration.ofSeconds(5), () -> gauge("pgmq.queue.in.flight", queue) == 0
                                           && gauge("pgmq.queue.depth", queue) == 1, "the slow one archived");
    }

    @Test
    void queueGaugesGoWithTheComponent() throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue).to("log:x?level=OFF");
            }
        });
        await(Duration.ofSeconds(5), () -> !Double.isNaN(gauge("pgmq.queue.depth", queue)), "sampled once");
        context.stop();
        assertEquals(null, registry.find("pgmq.queue.depth").tag("queue", queue).gauge(),
                "a stopped component's gauges would show stale figures for ever");
    }
}
