package io.camelpgmq.component.consumer;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wake-ups on the timer a consumer really gets: Camel's scheduled pool, which refuses work beyond its queue size. */
class PgmqWakeupsTest {

    private final CamelContext camel = new DefaultCamelContext();
    private final ScheduledExecutorService timer;
    private final List<Long> woken = new CopyOnWriteArrayList<>();
    private final PgmqWakeups wakeups;
    // while set, the wake-ups' clock stands at it: requests made then are for times the test alone decides (on a busy
    // machine a pause between two requests moved the second's time, and with it what the test saw)
    private volatile Long frozenAt;

    PgmqWakeupsTest() {
        camel.start();
        timer = camel.getExecutorServiceManager().newScheduledThreadPool(this, "PgmqWakeupsTest", 1);
        wakeups = new PgmqWakeups(timer, () -> woken.add(System.nanoTime()), () -> {
            Long frozen = frozenAt;
            return frozen != null ? frozen : System.nanoTime();
        });
    }

    /** Stops the wake-ups' clock at the real time, and returns it. */
    private long freeze() {
        long now = System.nanoTime();
        frozenAt = now;
        return now;
    }

    /** Moves the stopped clock on by {@code millis}. */
    private void advance(long millis) {
        frozenAt = frozenAt + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** Lets the wake-ups' clock follow the real time again (it moves on from where it stood). */
    private void thaw() {
        frozenAt = null;
    }

    @AfterEach
    void stop() throws Exception {
        wakeups.close();
        camel.getExecutorServiceManager().shutdownNow(timer);
        camel.close();
    }

    /**
     * A busy consumer asks for a wake-up 30 s ahead after each short read (its own messages' visibility timeout):
     * thousands within seconds, spread over seconds. A wake-up asked for after them still comes (it did not: the
     * timer refused every task beyond its 1,000th, and a coalesced burst's trailing read was lost).
     */
    @Test
    void aWakeUpAskedForBehindThousandsOfLaterOnesComes() throws Exception {
        long delay = 30_000;
        for (int i = 0; i < 1_100; i++) {
            wakeups.wakeAfter(delay);
            delay += delay / 90 + 10;   // beyond the one before's hundredth: its own wake-up
        }
        assertEquals(1_100, wakeups.size(), "each far ahead, on its own");
        long asked = System.nanoTime();
        wakeups.wakeAfter(20);
        long deadline = asked + TimeUnit.SECONDS.toNanos(2);
        while (woken.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(1, woken.size(), "one wake-up, about 20 ms after it was asked for");
        long afterMillis = TimeUnit.NANOSECONDS.toMillis(woken.get(0) - asked);
        assertTrue(afterMillis >= 20 && afterMillis < 1_000, "woken after " + afterMillis + " ms");
        assertTrue(wakeups.size() > 0, "the later ones still wait");
    }

    /**
     * Requests far ahead share a wake-up when they are within a hundredth of their delay: a consumer's requests for its
     * own messages' visibility timeout, one per short read, cost a read every 300 ms of a burst, not one per read.
     */
    @Test
    void requestsFarAheadShareWakeUpsWithinAHundredthOfTheirDelay() {
        // the clock stands still: the requests' times are the test's alone (on a busy machine a pause in this loop
        // moved the later requests' times, and 13 wake-ups were counted)
        freeze();
        for (int i = 0; i < 3_000; i++) {
            wakeups.wakeAfter(30_000 - i);     // 3 s of requests, latest first, each 1 ms earlier than the last
        }
        int waiting = wakeups.size();
        assertTrue(waiting >= 10 && waiting <= 11, waiting + " wake-ups for 3 s of requests 30 s ahead");
    }

    /**
     * A busy consumer's requests come in the other order: after each short read it asks for the earliest visibility
     * timeout of its messages in flight, which moves later as they are completed. 3 s of such requests, one a
     * millisecond, each 30 s ahead of its time, share a wake-up every 300 ms too. They did not: a wake-up covered only
     * requests for its time or earlier, and each of these was later than every one planned, so each was planned on its
     * own: 3,000 wake-ups, a read each, 30 s after the burst.
     */
    @Test
    void requestsThatComeLaterAndLaterShareWakeUpsToo() {
        freeze();
        for (int i = 0; i < 3_000; i++) {
            wakeups.wakeAfter(29_998);
            advance(1);
        }
        int waiting = wakeups.size();
        assertTrue(waiting >= 10 && waiting <= 11, waiting + " wake-ups for 3 s of requests, each 30 s ahead");
    }

    @Test
    void eachRequestedTimeWakesOnceAndNearbyRequestsShareAWakeUp() throws Exception {
        long asked = freeze();
        wakeups.wakeAfter(150);
        wakeups.wakeAfter(52);
        wakeups.wakeAfter(50);   // 52 is at most 5 ms later: its wake-up serves this one too
        wakeups.wakeAfter(100);
        assertEquals(3, wakeups.size());
        thaw();
        long deadline = asked + TimeUnit.SECONDS.toNanos(2);
        while (woken.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        Thread.sleep(100);
        assertEquals(3, woken.size(), "52 (serving 50), 100, 150");
        for (int i = 0; i < 3; i++) {
            long millis = TimeUnit.NANOSECONDS.toMillis(woken.get(i) - asked);
            assertTrue(millis >= 50 * (i + 1), "wake-up " + i + " at " + millis + " ms");
        }
        assertEquals(0, wakeups.size());
    }

    /**
     * A wake-up that moved later for a request just after it comes once, at the later request's time, never before it
     * (the timer's task, left at the earlier time, finds nothing due there and is pointed at the new one).
     */
    @Test
    void aWakeUpMovedLaterComesOnceAtTheLaterTime() throws Exception {
        long asked = freeze();
        wakeups.wakeAfter(100);
        wakeups.wakeAfter(102);   // within 5 ms after it: the wake-up planned for 100 moves to 102
        assertEquals(1, wakeups.size());
        thaw();
        long deadline = asked + TimeUnit.SECONDS.toNanos(2);
        while (woken.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        Thread.sleep(100);
        assertEquals(1, woken.size(), "one wake-up serves both");
        long millis = TimeUnit.NANOSECONDS.toMillis(woken.get(0) - asked);
        assertTrue(millis >= 102, "woken after " + millis + " ms");
        assertEquals(0, wakeups.size());
    }

    @Test
    void closingDropsWhatWasAskedFor() throws Exception {
        wakeups.wakeAfter(50);
        wakeups.close();
        wakeups.wakeAfter(10);
        Thread.sleep(200);
        assertEquals(List.of(), woken);
        assertEquals(0, wakeups.size());
    }
}
