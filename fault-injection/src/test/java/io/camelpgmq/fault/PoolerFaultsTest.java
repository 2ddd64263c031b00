package io.camelpgmq.fault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConsumer;
import io.camelpgmq.test.PgBouncer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario: the component behind a real PgBouncer in transaction pooling, as README's pooler section sets it up: the
 * component's defaults, {@code url} through PgBouncer (3 server connections for a pool of 10), {@code listenerUrl}
 * direct. 60 s of two producer threads and a consumer with two readers. pgjdbc's default prepareThreshold=5 lets
 * statements cross sessions within a second there (failed sends, failed archives, messages processed twice); the
 * component detects the pooler and uses unprepared statements.
 */
class PoolerFaultsTest extends FaultTestSupport {

    private static final long RUN_MILLIS = Long.getLong("pgmq.fault.poolerMillis", 60_000);

    @Test
    void sixtySecondsOfSendsAndConsumesThroughPgBouncerInTransactionPooling() throws Exception {
        String q = newQueue("pgbouncer");
        List<Long> processed = new CopyOnWriteArrayList<>();
        Set<Long> sent = ConcurrentHashMap.newKeySet();
        Map<String, Long> sendFailures = new ConcurrentHashMap<>();
        List<String> healthSeen = new CopyOnWriteArrayList<>();
        try (PgBouncer pgbouncer = PgBouncer.start(3)) {
            PgmqComponent pgmq = new PgmqComponent();
            pgmq.setUrl(pgbouncer.jdbcUrl());
            pgmq.setUsername(DB.username());
            pgmq.setPassword(DB.password());
            pgmq.setListenerUrl(DB.jdbcUrl());
            CamelContext ctx = new DefaultCamelContext();
            ctx.addComponent("pgmq", pgmq);
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?concurrentConsumers=2").routeId("pooled").process(e -> processed.add(key(e)));
                }
            });
            ctx.start();
            try {
                PgmqConsumer consumer = (PgmqConsumer) ctx.getRoute("pooled").getConsumer();
                ProducerTemplate template = ctx.createProducerTemplate();
                await(Duration.ofSeconds(15), () -> consumer.getHealthCheck().call().getState() == HealthCheck.State.UP,
                        "consumer health UP after start");
                AtomicBoolean producing = new AtomicBoolean(true);
                AtomicLong keys = new AtomicLong();
                Thread[] producers = new Thread[2];
                for (int t = 0; t < producers.length; t++) {
                    producers[t] = new Thread(() -> {
                        while (producing.get()) {
                            long n = keys.getAndIncrement();
                            Exchange done = template.request("pgmq:" + q, e -> e.getMessage().setBody(body(n)));
                            if (done.getException() == null) {
                                sent.add(n);
                            } else {
                                sendFailures.merge(String.valueOf(done.getException().getMessage()), 1L, Long::sum);
                            }
                        }
                    }, "fault-producer-" + t);
                    producers[t].start();
                }
                long end = System.currentTimeMillis() + RUN_MILLIS;
                while (System.currentTimeMillis() < end) {
                    // health is sampled through the run: it must not flap
                    HealthCheck.State state = consumer.getHealthCheck().call().getState();
                    if (state != HealthCheck.State.UP) {
                        healthSeen.add(state + ": " + consumer.getHealthCheck().call().getMessage().orElse(""));
                    }
                    Thread.sleep(1000);
                }
                producing.set(false);
                for (Thread t : producers) {
                    t.join(10_000);
                }
                long waitEnd = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < waitEnd && !(Set.copyOf(processed).containsAll(sent)
                                                        && client.metrics(q).queueLength() == 0)) {
                    Thread.sleep(50);
                }
                long failedSends = sendFailures.values().stream().mapToLong(Long::longValue).sum();
                long left = client.metrics(q).queueLength();
                FaultReport r = FaultReport.of("PgBouncer transaction pooling, defaults", sent, processed,
                        RUN_MILLIS / 1000 + " s; failed sends " + failedSends + "; left in queue " + left
                                                                                          + "; health not UP "
                                                                                          + healthSeen.size()
                                                                                          + " time(s) "
                                                                                          + sendFailures.keySet());
                assertEquals(Map.of(), sendFailures, "no send failed");
                assertEquals(0, r.lost(), "lost");
                assertEquals(0, r.duplicated(), "duplicated");
                assertEquals(0, left, "every message completed");
                assertEquals(List.of(), healthSeen, "consumer health UP throughout");
                assertTrue(r.sent() > 0, "messages were sent");
            } finally {
                ctx.close();
            }
        }
    }
}
