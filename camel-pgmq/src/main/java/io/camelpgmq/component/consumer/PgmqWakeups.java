package io.camelpgmq.component.consumer;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A consumer's wake-ups at known times: when a waiting message becomes visible (a delay, a retry, a visibility
 * timeout that runs out), or when a notification's throttle window ends. A request is covered by a wake-up already
 * scheduled at the same time or up to {@link #COALESCE_MILLIS} later, so a burst of requests costs one read.
 * Everything scheduled is cancelled when the consumer stops.
 */
public final class PgmqWakeups {

    /** How late a wake-up may be to serve a request for an earlier time. */
    static final long COALESCE_MILLIS = 5;
    // the database sets visibility in its clock; wake a little after, so the message is surely visible
    static final long MARGIN_MILLIS = 3;

    private final ScheduledExecutorService timer;
    private final Runnable wake;
    // due time (nanoTime) -> the scheduled wake-up
    private final ConcurrentSkipListMap<Long, ScheduledFuture<?>> scheduled = new ConcurrentSkipListMap<>();
    private volatile boolean closed;

    /** Wake-ups scheduled on {@code timer}, each running {@code wake}. */
    public PgmqWakeups(ScheduledExecutorService timer, Runnable wake) {
        this.timer = timer;
        this.wake = wake;
    }

    /** Wakes the consumer after {@code delayMillis} (plus a small margin); at once when not positive. */
    public void wakeAfter(long delayMillis) {
        if (closed) {
            return;
        }
        if (delayMillis <= 0) {
            wake.run();
            return;
        }
        long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis + MARGIN_MILLIS);
        synchronized (this) {
            Map.Entry<Long, ScheduledFuture<?>> covering = scheduled.ceilingEntry(due);
            if (covering != null && covering.getKey() - due <= TimeUnit.MILLISECONDS.toNanos(COALESCE_MILLIS)) {
                return;
            }
            try {
                ScheduledFuture<?> future = timer.schedule(() -> fire(due), due - System.nanoTime(),
                        TimeUnit.NANOSECONDS);
                scheduled.put(due, future);
            } catch (RejectedExecutionException e) {
                // the component is stopping
            }
        }
    }

    private void fire(long due) {
        scheduled.remove(due);
        if (!closed) {
            wake.run();
        }
    }

    /** Wake-ups waiting to fire. */
    public int size() {
        return scheduled.size();
    }

    /** Cancels every scheduled wake-up. */
    public synchronized void close() {
        closed = true;
        scheduled.values().forEach(f -> f.cancel(false));
        scheduled.clear();
    }
}
