package io.camelpgmq.component.consumer;

import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer's wake-ups at known times: when a waiting message becomes visible (a delay, a retry, a visibility
 * timeout that runs out), or when a notification's throttle or coalescing window ends. A request is covered by one
 * already made for the same time or a little later: up to {@link #COALESCE_MILLIS}, or a hundredth of its delay when
 * that is more. A busy consumer asks for one after each short read (its own messages' visibility timeout, 30 s
 * ahead): a burst of them costs a read every 300 ms of the burst, 30 s later, not one per read.
 * <p>
 * The requested times are kept here, and the timer holds one task per consumer, for the earliest: when it fires it
 * serves every request due by then and schedules the next. The timer is Camel's, shared by every consumer of the
 * component, and refuses work once 1,000 tasks wait (its thread pool profile's queue): with a task per request, those
 * visibility wake-ups filled it within seconds, and the wake-ups refused then, a coalesced burst's trailing read among
 * them, were lost. Everything requested is dropped when the consumer stops.
 */
public final class PgmqWakeups {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqWakeups.class);

    /** How late a wake-up may be to serve a request for an earlier time. */
    static final long COALESCE_MILLIS = 5;
    // the database sets visibility in its clock; wake a little after, so the message is surely visible
    static final long MARGIN_MILLIS = 3;
    private static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(COALESCE_MILLIS);

    private final ScheduledExecutorService timer;
    private final Runnable wake;
    // guarded by this: the requested times (System.nanoTime), and the timer's one task with the time it fires for
    private final NavigableSet<Long> requested = new TreeSet<>(PgmqWakeups::compareNanos);
    private ScheduledFuture<?> task;
    private long taskDue;
    private boolean closed;

    /** Wake-ups scheduled on {@code timer}, each running {@code wake}. */
    public PgmqWakeups(ScheduledExecutorService timer, Runnable wake) {
        this.timer = timer;
        this.wake = wake;
    }

    /** Wakes the consumer after {@code delayMillis} (plus a small margin); at once when not positive. */
    public void wakeAfter(long delayMillis) {
        if (delayMillis <= 0) {
            if (!isClosed()) {
                wake.run();
            }
            return;
        }
        long delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis + MARGIN_MILLIS);
        long due = System.nanoTime() + delayNanos;
        long slack = Math.max(COALESCE_NANOS, delayNanos / 100);
        synchronized (this) {
            if (closed) {
                return;
            }
            Long covering = requested.ceiling(due);
            if (covering != null && covering - due <= slack) {
                return;
            }
            requested.add(due);
            if (task == null || due - taskDue < 0) {
                schedule(due);
            }
        }
    }

    /** Points the timer's one task at {@code due}. Holds the lock. */
    private void schedule(long due) {
        if (task != null) {
            task.cancel(false);
        }
        try {
            task = timer.schedule(() -> fire(due), due - System.nanoTime(), TimeUnit.NANOSECONDS);
            taskDue = due;
        } catch (RejectedExecutionException e) {
            task = null;
            if (!timer.isShutdown()) {
                // only a stopping component should get here: the requests stay and the poll still reads
                LOG.warn("pgmq consumer: the timer refused a wake-up ({}); the poll will read instead", e.getMessage());
            }
        }
    }

    private void fire(long due) {
        boolean any;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (task != null && taskDue == due) {
                task = null;
            }
            NavigableSet<Long> served = requested.headSet(System.nanoTime(), true);
            any = !served.isEmpty();
            served.clear();
            if (task == null && !requested.isEmpty()) {
                schedule(requested.first());
            }
        }
        if (any) {
            wake.run();
        }
    }

    private static int compareNanos(Long a, Long b) {
        // System.nanoTime values compare by their difference (they may wrap)
        return Long.signum(a - b);
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** Wake-ups waiting to fire. */
    public synchronized int size() {
        return requested.size();
    }

    /** Drops every wake-up requested. */
    public synchronized void close() {
        closed = true;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        requested.clear();
    }
}
