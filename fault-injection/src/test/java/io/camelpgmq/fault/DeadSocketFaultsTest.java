package io.camelpgmq.fault;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.camelpgmq.client.QueueNames;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConsumer;
import io.camelpgmq.test.TcpProxy;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A network that silently drops everything (a black-holed TCP connection: no RST, no FIN) while a consumer drains.
 * On a real network the kernel notices only after ~15 minutes; the component must notice by itself.
 */
class DeadSocketFaultsTest extends FaultTestSupport {

    @Test
    void blackHoledConnectionsDuringADrain() throws Exception {
        String q = newQueue("blackhole");
        List<Long> processed = new CopyOnWriteArrayList<>();
        Set<Long> sent = LongStream.range(0, 2000).boxed().collect(Collectors.toSet());
        client.sendBatch(q, bodies(0, 2000), null, 0);
        try (TcpProxy proxy = TcpProxy.forJdbcUrl(DB.jdbcUrl())) {
            CamelContext ctx = new DefaultCamelContext();
            PgmqComponent pgmq = new PgmqComponent();
            pgmq.setUrl(proxy.proxiedUrl(DB.jdbcUrl()));
            pgmq.setUsername(DB.username());
            pgmq.setPassword(DB.password());
            ctx.addComponent("pgmq", pgmq);
            ctx.getShutdownStrategy().setTimeout(5);
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?concurrentConsumers=2&maxConcurrentConsumers=2&maxMessagesPerPoll=10&visibilityTimeout=5"
                         + "&pollInterval=60000").routeId("drain")
                            .process(e -> {
                                processed.add(key(e));
                                Thread.sleep(2);
                            });
                }
            });
            ctx.start();
            await(Duration.ofSeconds(30), () -> processed.size() >= 300, "the drain is under way");
            PgmqConsumer consumer = (PgmqConsumer) ctx.getRoute("drain").getConsumer();
            assertEquals(HealthCheck.State.UP, consumer.getHealthCheck().call().getState());
            proxy.blackHole();
            long blackHoledAt = System.nanoTime();
            await(Duration.ofSeconds(20), () -> consumer.getHealthCheck().call().getState() == HealthCheck.State.DOWN,
                    "health reports the hung database calls");
            long downAfter = Duration.ofNanos(System.nanoTime() - blackHoledAt).toMillis();
            String why = String.valueOf(consumer.getHealthCheck().call().getMessage().orElse(""));
            long stopStart = System.nanoTime();
            ctx.stop();
            long stopMillis = Duration.ofNanos(System.nanoTime() - stopStart).toMillis();
            proxy.restore();
            int beforeRecovery = processed.size();

            // another consumer, on a working connection, takes over what the stopped one held
            CamelContext recovery = contextOnTestDb();
            recovery.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?concurrentConsumers=2&maxMessagesPerPoll=10&pollInterval=60000")
                            .process(e -> processed.add(key(e)));
                }
            });
            recovery.start();
            try {
                await(Duration.ofSeconds(30), () -> Set.copyOf(processed).containsAll(sent)
                                                    && client.metrics(q).queueLength() == 0, "drained after the fault");
                Thread.sleep(300);
            } finally {
                recovery.stop();
            }
            FaultReport r = FaultReport.of("7b connections black-holed during a drain", sent, processed,
                    "health DOWN after " + downAfter / 1000.0 + " s (" + why + "); context stopped in " + stopMillis
                                                                                 + " ms (shutdown timeout 5 s); "
                                                                                 + beforeRecovery
                                                                                 + " processed before the stop");
            assertTrue(downAfter < 15_000, "health went DOWN in " + downAfter + " ms");
            assertTrue(stopMillis < 9_000, "stopping during the outage took " + stopMillis + " ms");
            assertEquals(0, r.lost(), "lost");
            assertTrue(r.duplicated() <= 20,
                    "at most the two readers' batches in flight are processed again: " + r.duplicated());
        }
    }

    /**
     * Only the LISTEN connection is black-holed (listenerUrl through the proxy): notifications stop arriving, yet
     * nothing waits for the 60 s poll, because a consumer whose listener is known to be down reads every second.
     */
    @Test
    void blackHoledListenerConnection() throws Exception {
        String q = newQueue("deaf");
        List<Long> processed = new CopyOnWriteArrayList<>();
        try (TcpProxy proxy = TcpProxy.forJdbcUrl(DB.jdbcUrl())) {
            CamelContext ctx = new DefaultCamelContext();
            PgmqComponent pgmq = new PgmqComponent();
            pgmq.setDataSource(DB.dataSource());
            pgmq.setListenerUrl(proxy.proxiedUrl(DB.jdbcUrl()));
            pgmq.setUsername(DB.username());
            pgmq.setPassword(DB.password());
            pgmq.setListenerCheckInterval(1000);
            ctx.addComponent("pgmq", pgmq);
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?pollInterval=60000").routeId("deaf").process(e -> processed.add(key(e)));
                }
            });
            ctx.start();
            try {
                PgmqConsumer consumer = (PgmqConsumer) ctx.getRoute("deaf").getConsumer();
                await(Duration.ofSeconds(10), consumer::isListenerConnected, "listener connected");
                client.send(q, body(0), null, 0, QueueNames.insertChannel(q));
                await(Duration.ofSeconds(5), () -> processed.size() == 1, "woken by its notification");
                proxy.blackHole();
                await(Duration.ofSeconds(20), () -> !consumer.isListenerConnected(), "the listener knows it is down");
                long sentAt = System.nanoTime();
                Set<Long> sent = Set.of(0L, 1L, 2L, 3L);
                for (long n = 1; n <= 3; n++) {
                    client.send(q, body(n), null, 0, QueueNames.insertChannel(q));
                }
                await(Duration.ofSeconds(10), () -> processed.size() == 4, "read while the listener is down");
                long pickedAfter = Duration.ofNanos(System.nanoTime() - sentAt).toMillis();
                FaultReport r = FaultReport.of("7c LISTEN connection black-holed (poll 60 s away)", sent, processed,
                        "sent while the listener was down, read after " + pickedAfter + " ms");
                assertTrue(pickedAfter < 5000, "read every second while the listener is down: " + pickedAfter + " ms");
                assertEquals(0, r.lost(), "lost");
                assertEquals(0, r.duplicated(), "duplicated");
            } finally {
                proxy.restore();
                ctx.stop();
            }
        }
    }
}
