package io.camelpgmq.component.consumer;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgmqReadersTest {

    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    /** Help can start a reader only while fewer than the most readers run, and never once closed. */
    @Test
    void helpIsPossibleBelowTheMostReadersOnly() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        PgmqReaders readers = new PgmqReaders(1, 2, executor, () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(readers.canHelp(), "no reader runs");
        readers.wake();
        assertTrue(readers.canHelp(), "one of two runs");
        readers.help();
        assertFalse(readers.canHelp(), "both run");
        release.countDown();
        assertTrue(readers.awaitIdle(5_000), "the readers ended");
        assertTrue(readers.canHelp(), "none runs again");
        readers.close();
        assertFalse(readers.canHelp(), "closed");
    }

    /**
     * A wake-up that arrives while the only reader is leaving is not lost: some read starts after it. (It was: the
     * leaving reader had found nothing pending and not yet given up its place, so the wake-up was remembered for it,
     * and nobody read until the next wake-up; for the last messages of a burst that was the poll, 18 s later in the
     * benchmark's 5,000 msg/s pickup row.) The race is narrow: each round wakes as the reader leaves.
     */
    @Test
    void aWakeUpWhileTheLastReaderLeavesStartsARead() throws Exception {
        AtomicLong lastReadStart = new AtomicLong();
        AtomicLong leaving = new AtomicLong();
        PgmqReaders readers = new PgmqReaders(1, 1, executor, () -> {
            lastReadStart.set(System.nanoTime());
            leaving.incrementAndGet();
        });
        for (int round = 0; round < 20_000; round++) {
            long before = leaving.get();
            readers.wake();
            // wake again as soon as the read has run, while its reader is on its way out
            while (leaving.get() == before) {
                Thread.onSpinWait();
            }
            long woken = System.nanoTime();
            readers.wake();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (lastReadStart.get() - woken < 0 || readers.running() > 0) {
                if (System.nanoTime() > deadline) {
                    break;
                }
                Thread.onSpinWait();
            }
            assertTrue(lastReadStart.get() - woken >= 0, "round " + round + ": no read started after a wake-up");
        }
    }
}
