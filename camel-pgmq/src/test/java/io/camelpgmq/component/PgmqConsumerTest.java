package io.camelpgmq.component;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.client.QueueNames;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The consumer: wake-up by LISTEN, fallback poll, completion, retries and dead letters. */
class PgmqConsumerTest extends PgmqTestSupport {

    private final String queue = newQueue("consumer");
    private final String dlq = newQueue("consumer_dlq");
    private final List<Long> pickupMillis = new CopyOnWriteArrayList<>();
    private final AtomicInteger attempts = new AtomicInteger();

    @Override
    protected RouteBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                // the poll is 60 s away: only a notification can deliver within the test's few seconds
                from("pgmq:" + queue + "?pollInterval=60000&maxRetries=2&deadLetterQueue=" + dlq)
                        .routeId("consumer").autoStartup(false)
                        .process(e -> {
                            attempts.incrementAndGet();
                            if (e.getMessage().getBody(String.class).contains("poison")) {
                                throw new IllegalStateException("cannot handle " + e.getMessage().getBody());
                            }
                        })
                        .to("mock:done");
                from("direct:send").to("pgmq:" + queue);
                from("direct:sendQuiet").to("pgmq:" + queue + "?notify=false");
            }
        };
    }

    private void startConsumer() throws Exception {
        context.getRouteController().startRoute("consumer");
        awaitListening(QueueNames.insertChannel(queue));
    }

    @Test
    void messageSentWhileWaitingIsProcessedWithinMillisecondsNotAtThePoll() throws Exception {
        startConsumer();
        MockEndpoint done = getMockEndpoint("mock:done");
        done.expectedBodiesReceived("{\"job\": 1}");
        done.expectedHeaderReceived(PgmqConstants.READ_COUNT, 1);
        done.expectedHeaderReceived(PgmqConstants.QUEUE_NAME, queue);
        template.sendBody("direct:send", "{\"job\":1}");
        done.assertIsSatisfied(5000);
        await(Duration.ofSeconds(5), () -> client.metrics(queue).queueLength() == 0, "message archived");
        assertEquals(1, queryLong("SELECT count(*) FROM pgmq.a_" + queue), "archived on success");
    }

    @Test
    void messageSentWithoutNotifyIsCaughtByThePoll() throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?pollInterval=500").routeId("fastPoll").to("mock:polled");
            }
        });
        awaitListening(QueueNames.insertChannel(queue));
        MockEndpoint polled = getMockEndpoint("mock:polled");
        polled.expectedMessageCount(1);
        template.sendBody("direct:sendQuiet", "{\"quiet\":true}");
        polled.assertIsSatisfied(5000);
    }

    @Test
    void messagesSentBeforeTheConsumerStartedAreReadAtStart() throws Exception {
        client.send(queue, "{\"early\":1}");
        client.send(queue, "{\"early\":2}");
        MockEndpoint done = getMockEndpoint("mock:done");
        done.expectedMessageCount(2);
        startConsumer();
        done.assertIsSatisfied(5000);
    }

    @Test
    void rolledBackSendIsNeverDelivered() throws Exception {
        startConsumer();
        MockEndpoint done = getMockEndpoint("mock:done");
        done.expectedBodiesReceived("{\"committed\": true}");
        try (Connection c = DB.dataSource().getConnection()) {
            c.setAutoCommit(false);
            template.sendBodyAndHeader("direct:send", "{\"rolledBack\":true}", PgmqConstants.CONNECTION, c);
            c.rollback();
            c.setAutoCommit(true);
        }
        template.sendBody("direct:send", "{\"committed\":true}");
        done.assertIsSatisfied(5000);
        Thread.sleep(300);
        assertEquals(1, done.getReceivedCounter());
        await(Duration.ofSeconds(5), () -> client.metrics(queue).queueLength() == 0, "committed one archived");
        assertEquals(1, queryLong("SELECT count(*) FROM pgmq.a_" + queue), "only the committed message existed");
    }

    @Test
    void poisonMessageIsRetriedThenDeadLetteredWithItsHeaders() throws Exception {
        context.getRouteController().stopRoute("consumer");
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?pollInterval=100&maxRetries=2&retryDelay=100&deadLetterQueue=" + dlq)
                        .routeId("retrying")
                        .process(e -> {
                            attempts.incrementAndGet();
                            throw new IllegalStateException("cannot handle it");
                        });
            }
        });
        client.send(queue, "{\"poison\":true}", "{\"tenant\":\"acme\"}", 0);
        await(Duration.ofSeconds(10), () -> client.metrics(dlq).queueLength() == 1, "dead-lettered");
        assertEquals(3, attempts.get(), "first attempt + maxRetries=2 retries");
        assertEquals(0, client.metrics(queue).queueLength());
        PgmqMessage dead = client.read(dlq, 30, 1).get(0);
        assertEquals("{\"poison\": true}", dead.message());
        Map<String, Object> headers = PgmqJson.headersFromJson(dead.headers());
        assertEquals("acme", headers.get("tenant"));
        assertEquals(queue, headers.get(PgmqConstants.DLQ_SOURCE_QUEUE));
        assertEquals(3, headers.get(PgmqConstants.DLQ_READ_COUNT));
        assertTrue(headers.get(PgmqConstants.DLQ_REASON).toString().contains("cannot handle it"));
    }

    @Test
    void failureThenSuccessOnRetry() throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?pollInterval=100&retryDelay=200").routeId("flaky")
                        .process(e -> {
                            if (attempts.incrementAndGet() == 1) {
                                throw new IllegalStateException("first attempt fails");
                            }
                        })
                        .to("mock:flaky");
            }
        });
        MockEndpoint flaky = getMockEndpoint("mock:flaky");
        flaky.expectedMessageCount(1);
        flaky.expectedHeaderReceived(PgmqConstants.READ_COUNT, 2);
        client.send(queue, "{\"flaky\":1}");
        flaky.assertIsSatisfied(5000);
        assertEquals(2, attempts.get());
    }

    @Test
    void backoffDelaysGrowBetweenAttempts() throws Exception {
        List<Long> times = new CopyOnWriteArrayList<>();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?pollInterval=50&retryDelay=300&retryBackoffMultiplier=2&maxRetryDelay=5000")
                        .routeId("backoff")
                        .process(e -> {
                            times.add(System.nanoTime() / 1_000_000);
                            if (times.size() < 3) {
                                throw new IllegalStateException("not yet");
                            }
                        });
            }
        });
        client.send(queue, "{\"b\":1}");
        await(Duration.ofSeconds(10), () -> times.size() == 3, "three attempts");
        long first = times.get(1) - times.get(0);
        long second = times.get(2) - times.get(1);
        assertTrue(first >= 300, "first retry after >= 300 ms, was " + first);
        assertTrue(second >= 600, "second retry after >= 600 ms (doubled), was " + second);
    }

    @Test
    void onSuccessDeleteAndNone() throws Exception {
        String deleted = newQueue("on_delete");
        String kept = newQueue("on_none");
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + deleted + "?onSuccess=delete&pollInterval=100").to("mock:deleted");
                from("pgmq:" + kept + "?onSuccess=none&visibilityTimeout=60&pollInterval=100").to("mock:kept");
            }
        });
        getMockEndpoint("mock:deleted").expectedMessageCount(1);
        getMockEndpoint("mock:kept").expectedMessageCount(1);
        client.send(deleted, "{}");
        client.send(kept, "{}");
        MockEndpoint.assertIsSatisfied(context, 5, java.util.concurrent.TimeUnit.SECONDS);
        await(Duration.ofSeconds(5), () -> client.metrics(deleted).queueLength() == 0, "deleted");
        assertEquals(0, queryLong("SELECT count(*) FROM pgmq.a_" + deleted), "deleted, not archived");
        Thread.sleep(200);
        assertEquals(1, client.metrics(kept).queueLength(), "left in the queue");
        assertEquals(0, client.metrics(kept).queueVisibleLength(), "hidden until its vt runs out");
    }

    @Test
    void pgmqHeadersBecomeCamelHeadersAndCamelHeadersBecomePgmqHeaders() throws Exception {
        startConsumer();
        MockEndpoint done = getMockEndpoint("mock:done");
        done.expectedHeaderReceived("tenant", "acme");
        done.expectedHeaderReceived("priority", 5);
        template.sendBodyAndHeaders("direct:send", Map.of("job", 7), Map.of("tenant", "acme", "priority", 5));
        done.assertIsSatisfied(5000);
        assertEquals("{\"job\": 7}", done.getExchanges().get(0).getMessage().getBody(String.class));
    }

    @Test
    void visibilityExtensionKeepsASlowMessageFromBeingReadTwice() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?visibilityTimeout=1&extendVisibility=true&pollInterval=100")
                        .routeId("slow")
                        .process(e -> {
                            runs.incrementAndGet();
                            Thread.sleep(3000);
                        });
                // a second reader that would take the message as soon as its vt ran out
                from("pgmq:" + queue + "?visibilityTimeout=1&pollInterval=100").routeId("rival")
                        .process(e -> runs.incrementAndGet());
            }
        });
        client.send(queue, "{\"slow\":true}");
        await(Duration.ofSeconds(10), () -> client.metrics(queue).queueLength() == 0, "slow message archived");
        assertEquals(1, runs.get(), "processed once although it took 3 vt periods");
    }

    @Test
    void gracefulStopGivesBackUnstartedMessagesAtOnce() throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?maxMessagesPerPoll=10&visibilityTimeout=300&pollInterval=100")
                        .routeId("stopping")
                        .process(e -> Thread.sleep(400))
                        .to("mock:stopping");
            }
        });
        client.sendBatch(queue, java.util.Collections.nCopies(10, "{}"), null, 0);
        await(Duration.ofSeconds(5), () -> getMockEndpoint("mock:stopping").getReceivedCounter() >= 1,
                "first message processed");
        context.getRouteController().stopRoute("stopping");
        int done = getMockEndpoint("mock:stopping").getReceivedCounter();
        assertTrue(done < 10, "the stop came before the batch was through");
        assertEquals(10 - done, client.metrics(queue).queueVisibleLength(),
                "unstarted messages are visible at once, not after the 300 s visibility timeout");
    }

    @Test
    void batchingHandsTheWholeReadToOneExchange() throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?batching=true&maxMessagesPerPoll=5&pollInterval=100").to("mock:batch");
            }
        });
        client.sendBatch(queue, List.of("{\"i\":1}", "{\"i\":2}", "{\"i\":3}"), null, 0);
        MockEndpoint batch = getMockEndpoint("mock:batch");
        batch.expectedMinimumMessageCount(1);
        batch.assertIsSatisfied(5000);
        Exchange first = batch.getExchanges().get(0);
        assertEquals(3, first.getMessage().getBody(List.class).size());
        assertEquals(3, first.getMessage().getHeader(PgmqConstants.MSG_IDS, List.class).size());
        await(Duration.ofSeconds(5), () -> client.metrics(queue).queueLength() == 0, "batch archived");
    }

    @Test
    void pgmqOwnNotifyTriggerWakesTheConsumer() throws Exception {
        startConsumer();
        client.enableNotifyInsert(queue, 0);
        MockEndpoint done = getMockEndpoint("mock:done");
        done.expectedMessageCount(1);
        // plain SQL, as any other pgmq client would send
        execute("SELECT pgmq.send('" + queue + "', '{\"from\":\"sql\"}'::jsonb)");
        done.assertIsSatisfied(5000);
    }

    @Test
    void suspendedConsumerReadsNothingAndResumesWhereItLeft() throws Exception {
        startConsumer();
        context.getRouteController().suspendRoute("consumer");
        client.send(queue, "{\"while\":\"suspended\"}");
        template.sendBody("direct:send", "{\"notified\":\"while suspended\"}");
        Thread.sleep(500);
        MockEndpoint done = getMockEndpoint("mock:done");
        assertEquals(0, done.getReceivedCounter(), "a suspended consumer takes nothing");
        assertEquals(2, client.metrics(queue).queueVisibleLength(), "nothing was read and hidden");
        done.expectedMessageCount(2);
        context.getRouteController().resumeRoute("consumer");
        done.assertIsSatisfied(5000);
    }
}
