package io.camelpgmq.component.consumer;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs a consumer's reads on the shared workers. A wake-up (a notification, the poll, a scheduled read) starts a reader
 * while fewer than {@code concurrentConsumers} run; a wake-up that arrives while they are all busy is remembered (up to
 * one per reader), so that none is lost and none causes more than one extra read. Under load, a reader whose read came
 * back full asks for help: another reader starts while fewer than {@code maxConcurrentConsumers} run. Every reader
 * ends when its read comes back short, so the extra ones retire as the load falls. No thread waits while there is
 * nothing to read.
 */
public final class PgmqReaders {

    private final int base;
    private final int max;
    private final Executor executor;
    private final Runnable read;
    private int running;
    private int pending;
    private boolean closed;

    /**
     * @param base how many readers a wake-up may start ({@code concurrentConsumers})
     * @param max  how many readers may run under load ({@code maxConcurrentConsumers}, at least {@code base})
     * @param read one reader's work: read and process until there is nothing more to read
     */
    public PgmqReaders(int base, int max, Executor executor, Runnable read) {
        this.base = base;
        this.max = Math.max(base, max);
        this.executor = executor;
        this.read = read;
    }

    /** Starts a reader, or remembers the wake-up for one that is busy. */
    public void wake() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (running >= base) {
                pending = Math.min(base, pending + 1);
                return;
            }
            running++;
        }
        start();
    }

    /** Whether {@link #help} could start another reader now: fewer than {@code maxConcurrentConsumers} run. */
    public synchronized boolean canHelp() {
        return !closed && running < max;
    }

    /** A read came back full: there may be more, so start another reader if the load limit allows one. */
    public void help() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (running >= max) {
                // every reader is busy and each reads again after its batch: nothing is lost
                return;
            }
            running++;
        }
        start();
    }

    private void start() {
        try {
            executor.execute(this::runReader);
        } catch (RejectedExecutionException e) {
            // the component is stopping
            finished();
        }
    }

    private void runReader() {
        boolean left = false;
        try {
            do {
                read.run();
                left = leaveUnlessPending();
            } while (!left);
        } finally {
            if (!left) {
                // the read threw: whatever happened, the reader's place is free again
                finished();
            }
        }
    }

    /**
     * Takes a remembered wake-up (false: read again), or gives up this reader's place (true). One step under the lock:
     * a wake-up arriving between "nothing pending" and "place given up" would be remembered for a reader that is
     * leaving, and nobody would read until the next one.
     */
    private synchronized boolean leaveUnlessPending() {
        if (pending > 0 && !closed) {
            pending--;
            return false;
        }
        running--;
        notifyAll();
        return true;
    }

    private synchronized void finished() {
        running--;
        notifyAll();
    }

    /** Takes no more wake-ups; readers that run finish their work. */
    public synchronized void close() {
        closed = true;
        pending = 0;
    }

    /** How many readers run now. */
    public synchronized int running() {
        return running;
    }

    /**
     * Waits until no reader runs.
     *
     * @return whether none runs
     */
    public synchronized boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (running > 0) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
