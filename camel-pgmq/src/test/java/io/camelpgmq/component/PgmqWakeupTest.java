package io.camelpgmq.component;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.client.QueueNames;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No message waits for the poll (issue 10): every way a message becomes readable wakes a consumer, with the poll set a
 * minute away. Timings here are generous bounds that only a wake-up can meet; the benchmark measures latency.
 */
class PgmqWakeupTest extends PgmqTestSupport {

    private static final String NO_POLL = "pollInterval=60000";
    private final String queue = newQueue("wakeup");
    private final List<Long> pickedAtMillis = new CopyOnWriteArrayList<>();

    private void consume(String options) throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?" + NO_POLL + (options.isEmpty() ? "" : "&" + options)).routeId("woken")
                        .process(e -> pickedAtMillis.add(System.currentTimeMillis()));
            }
        });
        awaitListening(QueueNames.insertChannel(queue));
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute("woken").getConsumer();
        await(Duration.ofSeconds(5), () -> consumer.getReadCount() > 0, "the read at start");
    }

    /** A consumer whose route holds the first message it gets until {@code released}, its start-up reads over. */
    private PgmqConsumer consumeHoldingTheFirstMessageUntil(CountDownLatch released) throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?" + NO_POLL).routeId("woken").process(e -> {
                    pickedAtMillis.add(System.currentTimeMillis());
                    if (pickedAtMillis.size() == 1) {
                        released.await(10, TimeUnit.SECONDS);
                    }
                });
            }
        });
        awaitListening(QueueNames.insertChannel(queue));
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute("woken").getConsumer();
        awaitStartUpReadsOver(consumer);
        return consumer;
    }

    /**
     * Sends a burst of five: the first (announced) is picked up and held by the route; the other four are sent while
     * it is held, then the route is released. Returns when the four were sent.
     */
    private long sendABurstWhileTheRouteHoldsItsFirstMessage(CountDownLatch release) throws Exception {
        client.send(queue, "{\"burst\":0}");
        await(Duration.ofSeconds(3), () -> pickedAtMillis.size() == 1, "the burst's first message, announced");
        for (int i = 1; i < 5; i++) {
            client.send(queue, "{\"burst\":" + i + "}");
        }
        long sent = System.currentTimeMillis();
        release.countDown();
        return sent;
    }

    /**
     * The start-up reads (at start, at the listener's connect, and the one after its coalescing window) are over, so
     * none is left to find a burst's unannounced rest by chance while the route holds its first message.
     */
    private static void awaitStartUpReadsOver(PgmqConsumer consumer) throws InterruptedException {
        await(Duration.ofSeconds(5), () -> consumer.getReadCount() > 0, "the read at start");
        Thread.sleep(300);
        await(Duration.ofSeconds(5), () -> consumer.getActiveReaders() == 0, "the start-up reads over");
    }

    @Test
    void aDelayedMessageIsReadWhenItBecomesVisible() throws Exception {
        consume("");
        long sent = System.currentTimeMillis();
        template.sendBody("pgmq:" + queue + "?delay=2", "{\"delayed\":true}");
        await(Duration.ofSeconds(5), () -> pickedAtMillis.size() == 1, "the delayed message");
        long after = pickedAtMillis.get(0) - sent;
        assertTrue(after >= 1900 && after < 3000, "picked up when it became visible, after " + after + " ms");
    }

    @Test
    void aFailedMessageIsReadAgainWhenItsVisibilityTimeoutRunsOut() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?visibilityTimeout=1&" + NO_POLL).routeId("failing")
                        .process(e -> {
                            pickedAtMillis.add(System.currentTimeMillis());
                            if (attempts.incrementAndGet() == 1) {
                                throw new IllegalStateException("first attempt fails");
                            }
                        });
            }
        });
        awaitListening(QueueNames.insertChannel(queue));
        template.sendBody("pgmq:" + queue, "{\"retry\":true}");
        await(Duration.ofSeconds(5), () -> pickedAtMillis.size() == 2, "the retry after the visibility timeout");
        long gap = pickedAtMillis.get(1) - pickedAtMillis.get(0);
        assertTrue(gap >= 900 && gap < 2000, "read again when its 1 s visibility ran out, after " + gap + " ms");
    }

    @Test
    void aMessageLeftByACrashedConsumerIsReadWhenItsVisibilityRunsOut() throws Exception {
        client.send(queue, "{\"orphan\":true}");
        // a consumer that read it and died: nobody will complete or give it back
        PgmqMessage taken = client.read(queue, 2, 1).get(0);
        long takenAt = System.currentTimeMillis();
        consume("");
        await(Duration.ofSeconds(6), () -> pickedAtMillis.size() == 1, "the orphaned message");
        long after = pickedAtMillis.get(0) - takenAt;
        assertTrue(after >= 1900 && after < 3500, "read when its visibility ran out, after " + after + " ms");
        await(Duration.ofSeconds(5), () -> client.metrics(queue).queueLength() == 0, "archived");
        assertEquals(2, queryLong("SELECT read_ct FROM pgmq.a_" + queue + " WHERE msg_id = " + taken.msgId()),
                "the crashed consumer's read counts as an attempt");
    }

    @Test
    void theTailOfABurstThroughPgmqsThrottledTriggerIsReadByTheEndOfTheWindowNotAtThePoll() throws Exception {
        client.enableNotifyInsert(queue, 250);
        consume("");
        // a producer in another language: plain pgmq.send, woken only by pgmq's trigger (leading edge only)
        long start = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            client.send(queue, "{\"burst\":" + i + "}");
            Thread.sleep(40);
        }
        await(Duration.ofSeconds(3), () -> pickedAtMillis.size() == 5, "the whole burst");
        long last = pickedAtMillis.get(4) - start;
        assertTrue(last < 1000,
                "the tail waited past the 250 ms window (the poll is a minute away): read after " + last + " ms");
    }

    @Test
    void aBurstThroughPgmqsThrottledTriggerIsReadWhileItLastsNotAtTheEndOfTheWindow() throws Exception {
        // pgmq's trigger announces the first send of its window only; sends that arrive while the consumer works on
        // that first message announce nothing, and the window (5 s here) is far longer than the burst
        client.enableNotifyInsert(queue, 5_000);
        CountDownLatch restSent = new CountDownLatch(1);
        PgmqConsumer consumer = consumeHoldingTheFirstMessageUntil(restSent);
        long sent = sendABurstWhileTheRouteHoldsItsFirstMessage(restSent);
        await(Duration.ofSeconds(10), () -> pickedAtMillis.size() == 5, "the whole burst");
        long after = pickedAtMillis.get(4) - sent;
        assertTrue(after < 2000, "the unannounced rest of the burst was read " + after
                                 + " ms after it was sent: it waited for the end of the trigger's 5 s window");
    }

    @Test
    void aTriggerEnabledAfterTheConsumerStartedIsLearnedFromItsFirstNotification() throws Exception {
        // the operator runs pgmq.enable_notify_insert while the route runs: the consumer looked at start and found no
        // trigger, less than its 5 s between looks ago
        CountDownLatch restSent = new CountDownLatch(1);
        PgmqConsumer consumer = consumeHoldingTheFirstMessageUntil(restSent);
        assertEquals(-1, consumer.getInsertTriggerThrottleMillis(), "no trigger at start");
        client.enableNotifyInsert(queue, 5_000);
        long sent = sendABurstWhileTheRouteHoldsItsFirstMessage(restSent);
        await(Duration.ofSeconds(10), () -> pickedAtMillis.size() == 5,
                "the unannounced rest of the burst (the poll is a minute away)");
        long after = pickedAtMillis.get(4) - sent;
        assertTrue(after < 2000, "the unannounced rest of the burst was read " + after + " ms after it was sent");
        assertEquals(5_000, consumer.getInsertTriggerThrottleMillis());
    }

    @Test
    void aThrottleRaisedWhileTheConsumerRunsIsLearnedWithinSecondsNotLeftToThePoll() throws Exception {
        client.enableNotifyInsert(queue, 250);
        consume("");
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute("woken").getConsumer();
        assertEquals(250, consumer.getInsertTriggerThrottleMillis());
        // the operator raises the throttle: sends inside the longer window announce nothing, and the consumer, which
        // knew 250 ms, would read at the end of a window that is not the trigger's
        execute("SELECT pgmq.update_notify_insert('" + queue + "', 3000)");
        Thread.sleep(5_200); // the consumer looks again at most every 5 s, when a notification comes
        client.send(queue, "{\"announced\":true}");
        await(Duration.ofSeconds(3), () -> pickedAtMillis.size() == 1, "the announced send");
        Thread.sleep(400); // past the 250 ms window the consumer knew, inside the trigger's 3 s one
        long sent = System.currentTimeMillis();
        client.send(queue, "{\"announced\":false}");
        await(Duration.ofSeconds(10), () -> pickedAtMillis.size() == 2,
                "the unannounced send (the poll is a minute away)");
        long after = pickedAtMillis.get(1) - sent;
        assertTrue(after < 3_000, "the unannounced send was read " + after + " ms after it was sent");
        assertEquals(3_000, consumer.getInsertTriggerThrottleMillis());
    }

    @Test
    void insideTheTriggersWindowTheConsumerLooksAgainEachTimeTwiceAsLateUntilTheWindowEnds() throws Exception {
        client.enableNotifyInsert(queue, 5_000);
        consume("");
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute("woken").getConsumer();
        Thread.sleep(300);
        long before = consumer.getReadCount();
        long sent = System.currentTimeMillis();
        client.send(queue, "{\"trickle\":0}");
        // the notified read finds the message; the next read (which completes it) finds nothing; sends may only have
        // paused, so looks 20, 60, 140, 300, 620, 1,260 and 2,540 ms later (each wait twice the last); none planned
        // past the window's end (5 s), where the trailing read comes
        sleepUntil(sent + 1_000);
        assertEquals(7, consumer.getReadCount() - before,
                "by 1 s: the notified read, the read that found the window empty, looks at 20, 60, 140, 300, 620 ms");
        sleepUntil(sent + 2_000);
        assertEquals(8, consumer.getReadCount() - before, "by 2 s: the look at 1,260 ms too");
        sleepUntil(sent + 4_500);
        assertEquals(9, consumer.getReadCount() - before, "by 4.5 s: the look at 2,540 ms, and none after it");
        assertEquals(1, pickedAtMillis.size());
    }

    private static void sleepUntil(long epochMillis) throws InterruptedException {
        Thread.sleep(Math.max(0, epochMillis - System.currentTimeMillis()));
    }

    @Test
    void messagesGivenBackByAStoppingConsumerAreTakenByAnotherAtOnce() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?maxMessagesPerPoll=10&" + NO_POLL).routeId("stopping").autoStartup(false)
                        .process(e -> Thread.sleep(400));
                from("pgmq:" + queue + "?" + NO_POLL).routeId("other").autoStartup(false)
                        .process(e -> bodies.add(e.getMessage().getBody(String.class)));
            }
        });
        for (int i = 0; i < 5; i++) {
            client.send(queue, "{\"n\":" + i + "}");
        }
        context.getRouteController().startRoute("stopping");
        PgmqConsumer stopping = (PgmqConsumer) context.getRoute("stopping").getConsumer();
        await(Duration.ofSeconds(5), () -> stopping.getInFlightCount() == 5, "the batch was read");
        context.getRouteController().startRoute("other");
        PgmqConsumer other = (PgmqConsumer) context.getRoute("other").getConsumer();
        await(Duration.ofSeconds(5), () -> other.getReadCount() > 0, "the other consumer's first read");
        long stopAt = System.currentTimeMillis();
        context.getRouteController().stopRoute("stopping");
        await(Duration.ofSeconds(5), () -> bodies.size() == 4, "the four given-back messages");
        assertTrue(System.currentTimeMillis() - stopAt < 3000, "taken at once, not at the poll");
    }

    @Test
    void wakeUpsAndThreadsEndWithTheConsumer() throws Exception {
        client.enableNotifyInsert(queue, 250);
        consume("");
        template.sendBody("pgmq:" + queue + "?delay=30", "{\"later\":true}");
        client.send(queue, "{\"now\":true}");
        await(Duration.ofSeconds(3), () -> pickedAtMillis.size() == 1, "the visible message");
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute("woken").getConsumer();
        await(Duration.ofSeconds(3), () -> consumer.getScheduledWakeups() > 0, "a wake-up for the delayed message");
        context.getRouteController().stopRoute("woken");
        assertEquals(0, consumer.getScheduledWakeups(), "scheduled wake-ups are cancelled");
        assertEquals(0, consumer.getActiveReaders(), "no reader runs");
        context.stop();
        await(Duration.ofSeconds(5), () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().contains("Pgmq")), "no pgmq thread is left");
    }
}
