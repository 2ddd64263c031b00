package io.camelpgmq.component;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Consumer;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.service.ServiceHelper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer's delivery promises at the edges (issue 9): attempts are not reads, a slow message does not make
 * finished ones run twice, a stale delivery is not acted on, shutdown and suspend the Camel way, every exchange ends
 * for the component, read errors reach Camel's error handling, threads follow the work.
 */
class PgmqDeliveryTest extends PgmqTestSupport {

    private final String queue = newQueue("delivery");
    private final String dlq = newQueue("delivery_dlq");

    private void sendQuietly(int count, String prefix) {
        for (int i = 0; i < count; i++) {
            client.send(queue, "{\"" + prefix + "\":" + i + "}");
        }
    }

    private long archivedCount() {
        return queryLong("SELECT count(*) FROM pgmq.a_" + queue);
    }

    @Test
    void messagesReadButNeverStartedDoNotUseUpARetry() throws Exception {
        Set<Long> processed = ConcurrentHashMap.newKeySet();
        CountDownLatch firstStarted = new CountDownLatch(1);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?maxMessagesPerPoll=10&maxRetries=0&deadLetterQueue=" + dlq
                     + "&pollInterval=60000")
                        .routeId("attempts").autoStartup(false)
                        .process(e -> {
                            processed.add(e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class));
                            firstStarted.countDown();
                            Thread.sleep(300);
                        });
            }
        });
        sendQuietly(10, "job");
        context.getRouteController().startRoute("attempts");
        assertTrue(firstStarted.await(10, TimeUnit.SECONDS));
        context.getRouteController().stopRoute("attempts");
        assertTrue(processed.size() < 10, "the stop came before the batch was through");
        context.getRouteController().startRoute("attempts");
        await(Duration.ofSeconds(15), () -> archivedCount() == 10, "all ten processed and archived");
        assertEquals(10, processed.size(), "every message reached the route");
        assertEquals(0, client.metrics(dlq).queueLength(), "none dead-lettered unprocessed");
        assertEquals(0, queryLong("SELECT count(*) FROM pgmq.a_" + queue + " WHERE read_ct <> 1"),
                "each message counted one attempt: the read that never reached the route was given back uncounted");
    }

    @Test
    void aSlowMessageDoesNotMakeFinishedOnesRunTwice() throws Exception {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                for (String id : List.of("a", "b")) {
                    from("pgmq:" + queue + "?visibilityTimeout=2&maxMessagesPerPoll=3&pollInterval=200")
                            .routeId("slow_" + id).autoStartup(false)
                            .process(e -> {
                                String body = e.getMessage().getBody(String.class);
                                runs.computeIfAbsent(body, b -> new AtomicInteger()).incrementAndGet();
                                if (body.contains("slow")) {
                                    Thread.sleep(5000);
                                }
                            });
                }
            }
        });
        client.send(queue, "{\"fast\": 1}");
        client.send(queue, "{\"fast\": 2}");
        client.send(queue, "{\"slow\": 3}");
        context.getRouteController().startRoute("slow_a");
        await(Duration.ofSeconds(5), () -> runs.containsKey("{\"slow\": 3}"), "the slow message started");
        context.getRouteController().startRoute("slow_b");
        Thread.sleep(4500);
        assertEquals(1, runs.get("{\"fast\": 1}").get(), "a finished message is completed before its vt runs out");
        assertEquals(1, runs.get("{\"fast\": 2}").get(), "a finished message is completed before its vt runs out");
    }

    @Test
    void aDeliveryWhoseVisibilityRanOutIsNotDeadLetteredWhileAnotherConsumerHoldsIt() throws Exception {
        AtomicInteger failures = new AtomicInteger();
        CountDownLatch secondDone = new CountDownLatch(1);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(noErrorHandler());
                from("pgmq:" + queue + "?visibilityTimeout=1&maxRetries=0&deadLetterQueue=" + dlq
                     + "&pollInterval=60000")
                        .routeId("failing")
                        .process(e -> {
                            Thread.sleep(2500);
                            failures.incrementAndGet();
                            throw new IllegalStateException("too late and failed");
                        });
                from("pgmq:" + queue + "?visibilityTimeout=30&pollInterval=300")
                        .routeId("succeeding").autoStartup(false)
                        .process(e -> {
                            Thread.sleep(3000);
                            secondDone.countDown();
                        });
            }
        });
        client.send(queue, "{\"contested\":true}");
        await(Duration.ofSeconds(5), () -> client.metrics(queue).queueVisibleLength() == 0, "the first consumer took it");
        context.getRouteController().startRoute("succeeding");
        assertTrue(secondDone.await(15, TimeUnit.SECONDS), "the second consumer processed it");
        await(Duration.ofSeconds(5), () -> archivedCount() == 1, "archived by the consumer that holds it");
        assertEquals(1, failures.get());
        assertEquals(0, client.metrics(dlq).queueLength(),
                "the first consumer's failure acted on a delivery it no longer held");
    }

    @Test
    void stopLetsTheExchangeFinishWithinCamelsShutdownTimeoutAndKeepsItHidden() throws Exception {
        context.getShutdownStrategy().setTimeout(20);
        // Camel's executor default (10 s) would interrupt a long exchange; make that visible quickly
        context.getExecutorServiceManager().setShutdownAwaitTermination(500);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?visibilityTimeout=1&extendVisibility=true&maxMessagesPerPoll=5"
                     + "&pollInterval=60000")
                        .routeId("long").autoStartup(false)
                        .process(e -> {
                            started.countDown();
                            try {
                                Thread.sleep(3000);
                                finished.set(true);
                            } catch (InterruptedException ie) {
                                interrupted.set(true);
                                throw ie;
                            }
                        });
            }
        });
        sendQuietly(5, "long");
        context.getRouteController().startRoute("long");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        long firstId = queryLong("SELECT min(msg_id) FROM pgmq.q_" + queue);
        AtomicBoolean becameVisible = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (!finished.get() && !interrupted.get()) {
                if (queryLong("SELECT count(*) FROM pgmq.q_" + queue + " WHERE msg_id = " + firstId
                              + " AND vt <= clock_timestamp()") > 0) {
                    becameVisible.set(true);
                }
                sleepQuietly(100);
            }
        });
        watcher.start();
        context.getRouteController().stopRoute("long");
        watcher.join(10_000);
        assertFalse(interrupted.get(), "the exchange was interrupted before Camel's shutdown timeout");
        assertTrue(finished.get(), "the exchange in process finished");
        assertFalse(becameVisible.get(), "its visibility was extended until the exchange ended");
        assertEquals(1, archivedCount(), "the finished message was archived");
        assertEquals(4, queryLong("SELECT count(*) FROM pgmq.q_" + queue
                                  + " WHERE read_ct = 0 AND vt <= clock_timestamp()"),
                "the four unstarted messages were given back at once, uncounted");
    }

    @Test
    void suspendPausesReadingAndResumeContinues() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?pollInterval=60000").routeId("pausing").process(e -> bodies.add(
                        e.getMessage().getBody(String.class)));
                from("direct:send").to("pgmq:" + queue);
            }
        });
        template.sendBody("direct:send", "{\"before\":1}");
        await(Duration.ofSeconds(5), () -> bodies.size() == 1, "consumed before suspend");
        context.getRouteController().suspendRoute("pausing");
        Route route = context.getRoute("pausing");
        Consumer consumer = route.getConsumer();
        assertEquals(ServiceStatus.Suspended, context.getRouteController().getRouteStatus("pausing"));
        assertTrue(ServiceHelper.isSuspended(consumer), "the consumer is paused, not stopped");
        template.sendBody("direct:send", "{\"during\":2}");
        Thread.sleep(500);
        assertEquals(1, bodies.size(), "a suspended consumer takes nothing");
        context.getRouteController().resumeRoute("pausing");
        await(Duration.ofSeconds(5), () -> bodies.size() == 2, "resumed and took the message sent meanwhile");
    }

    @Test
    void aFullSedaQueueFailsTheExchangeAndTheMessageIsRetriedNotLeftInFlight() throws Exception {
        Set<String> worked = ConcurrentHashMap.newKeySet();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?maxMessagesPerPoll=10&retryDelay=200&extendVisibility=true"
                     + "&visibilityTimeout=5&pollInterval=60000")
                        .routeId("toSeda").to("seda:work?size=5");
                from("seda:work?size=5").routeId("worker").delay(50)
                        .process(e -> worked.add(e.getMessage().getBody(String.class)));
            }
        });
        sendQuietly(30, "w");
        client.notify(io.camelpgmq.client.QueueNames.insertChannel(queue), "");
        await(Duration.ofSeconds(30), () -> worked.size() == 30, "every message reached the worker");
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute("toSeda").getConsumer();
        await(Duration.ofSeconds(5), () -> consumer.getInFlightCount() == 0, "no message stays in flight");
        await(Duration.ofSeconds(5), () -> client.metrics(queue).queueLength() == 0, "every message completed");
        assertTrue(consumer.getFailedCount() > 0, "the full seda queue failed some exchanges (the scenario happened)");
    }

    @Test
    void readErrorsReachCamelsErrorHandlingWithBridgeErrorHandler() throws Exception {
        List<Exception> routed = new CopyOnWriteArrayList<>();
        String doomed = newQueue("doomed");
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                onException(Exception.class).handled(true).process(e -> routed.add(
                        e.getProperty(org.apache.camel.Exchange.EXCEPTION_CAUGHT, Exception.class)));
                from("pgmq:" + doomed + "?bridgeErrorHandler=true&pollInterval=60000").routeId("bridged")
                        .to("mock:never");
            }
        });
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute("bridged").getConsumer();
        await(Duration.ofSeconds(5), () -> consumer.getReadCount() > 0, "first read");
        awaitListening(io.camelpgmq.client.QueueNames.insertChannel(doomed));
        client.dropQueue(doomed);
        // a producer's notification makes the consumer read the queue that is gone
        client.notify(io.camelpgmq.client.QueueNames.insertChannel(doomed), "");
        await(Duration.ofSeconds(10), () -> !routed.isEmpty(), "the read error reached the route's error handling");
        assertTrue(routed.get(0).getMessage().contains(doomed), routed.get(0).getMessage());
    }

    @Test
    void manyQueuesDoNotCostAThreadEach() throws Exception {
        int before = pgmqThreads();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                for (int i = 0; i < 200; i++) {
                    from("pgmq:" + queue + "_" + i + "?autoCreateQueue=true&pollInterval=60000").routeId("many" + i)
                            .to("mock:many");
                }
            }
        });
        await(Duration.ofSeconds(30), () -> context.getRoutes().stream().filter(r -> r.getId().startsWith("many"))
                .allMatch(r -> ((PgmqConsumer) r.getConsumer()).getReadCount() > 0), "every consumer read once");
        int threads = pgmqThreads() - before;
        // the start-up reads of 200 consumers overlap on the shared workers; before, every consumer had a reader and a timer
        assertTrue(threads <= 50, "200 idle consumers use " + threads + " threads (401 before)");
        // the last consumer hears a send: it LISTENs by now, and the send NOTIFYs its channel (a send without one
        // would wait for the poll unless it came before the consumer's read after its LISTEN)
        String channel = io.camelpgmq.client.QueueNames.insertChannel(queue + "_199");
        awaitListening(channel);
        getMockEndpoint("mock:many").expectedMessageCount(1);
        client.send(queue + "_199", "{\"last\":true}", null, 0, channel);
        getMockEndpoint("mock:many").assertIsSatisfied(5000);
        for (int i = 0; i < 200; i++) {
            context.getRouteController().stopRoute("many" + i);
            client.dropQueue(queue + "_" + i);
        }
    }

    @Test
    void anErrorOutsideTheRouteDoesNotStopTheConsumer() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        context.getRegistry().bind("explodingFilter", new PgmqHeaderFilterStrategy() {
            @Override
            public boolean applyFilterToExternalHeaders(String name, Object value, org.apache.camel.Exchange exchange) {
                if ("explode".equals(name)) {
                    throw new IllegalStateException("a filter that fails on header " + name);
                }
                return super.applyFilterToExternalHeaders(name, value, exchange);
            }
        });
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?headerFilterStrategy=#explodingFilter&maxMessagesPerPoll=1&pollInterval=60000")
                        .routeId("robust").process(e -> bodies.add(e.getMessage().getBody(String.class)));
            }
        });
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute("robust").getConsumer();
        await(Duration.ofSeconds(5), () -> consumer.getReadCount() > 0, "first read");
        client.send(queue, "{\"bad\":1}", "{\"explode\":true}", 0);
        client.send(queue, "{\"good\":1}");
        client.notify(io.camelpgmq.client.QueueNames.insertChannel(queue), "");
        await(Duration.ofSeconds(5), () -> bodies.size() == 1, "the good message after the failure");
        await(Duration.ofSeconds(5), () -> consumer.getActiveReaders() == 0, "the failed reader's place is free");
        client.send(queue, "{\"good\":2}");
        client.notify(io.camelpgmq.client.QueueNames.insertChannel(queue), "");
        await(Duration.ofSeconds(5), () -> bodies.size() == 2, "still reading after the failure");
    }

    private static int pgmqThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().contains("Pgmq")).count();
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
