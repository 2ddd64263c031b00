package io.camelpgmq.component;

/**
 * The consumer's reader threads wait here for a reason to read: a notification, the fallback poll, or a fellow
 * reader that found a full batch. Wake-ups that arrive while every reader is busy are remembered, up to one per
 * reader, so that none is lost and none makes more than one extra read.
 */
final class PgmqWakeup {

    private final int maxPending;
    private int pending;
    private boolean closed;

    PgmqWakeup(int readers) {
        this.maxPending = readers;
    }

    /** Wakes one waiting reader, or lets the next one that waits go at once. */
    synchronized void wakeOne() {
        if (pending < maxPending) {
            pending++;
            notify();
        }
    }

    /**
     * Waits for a wake-up.
     *
     * @return {@code true} when woken, {@code false} after {@code timeoutMillis} or when closed
     */
    synchronized boolean await(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (pending == 0 && !closed) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        if (closed) {
            return false;
        }
        pending--;
        return true;
    }

    /** Releases every waiting reader for good. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
