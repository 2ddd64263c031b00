package io.camelpgmq.component.consumer;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer's wake-ups at known times: when a waiting message becomes visible (a delay, a retry, a visibility
 * timeout that runs out), or when a notification's throttle or coalescing window ends. A request may be served late
 * by up to {@link #COALESCE_MILLIS}, or a hundredth of its delay when that is more, never early. So it is covered by a
 * wake-up already planned for its time or a little later, and a wake-up planned a little earlier moves to its time
 * when that is not too late for the requests it serves. A busy consumer asks for one after each short read (its own
 * messages' visibility timeout, 30 s ahead, each a little later than the one before as its messages are completed):
 * a burst of them costs a read every 300 ms of the burst, 30 s later, not one per read. Until a planned wake-up could
 * move later, such requests, each later than every one planned, were each planned on their own: 3,000 wake-ups for a
 * 3 s burst of short reads, each a read 30 s later.
 * <p>
 * The planned wake-ups are kept here, and the timer holds one task per consumer, for the earliest: when it fires it
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
    private final LongSupplier nanoClock;
    // guarded by this: the planned wake-ups (System.nanoTime), each with the latest time it may move to and still serve
    // every request it serves, and the timer's one task with the time it fires for
    private final NavigableMap<Long, Long> planned = new TreeMap<>(PgmqWakeups::compareNanos);
    private ScheduledFuture<?> task;
    private long taskDue;
    private boolean closed;

    /** Wake-ups scheduled on {@code timer}, each running {@code wake}. */
    public PgmqWakeups(ScheduledExecutorService timer, Runnable wake) {
        this(timer, wake, System::nanoTime);
    }

    /** The same with the clock given (tests): {@link System#nanoTime} or one that behaves like it. */
    PgmqWakeups(ScheduledExecutorService timer, Runnable wake, LongSupplier nanoClock) {
        this.timer = timer;
        this.wake = wake;
        this.nanoClock = nanoClock;
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
        long due = nanoClock.getAsLong() + delayNanos;
        long latest = due + Math.max(COALESCE_NANOS, delayNanos / 100);
        synchronized (this) {
            if (closed) {
                return;
            }
            Map.Entry<Long, Long> later = planned.ceilingEntry(due);
            if (later != null && later.getKey() - latest <= 0) {
                // planned for its time or a little later: it serves this request too
                planned.put(later.getKey(), earlier(later.getValue(), latest));
                return;
            }
            Map.Entry<Long, Long> before = planned.lowerEntry(due);
            if (before != null && due - before.getValue() <= 0) {
                // planned a little earlier, and not too late for its requests at this time: it moves here. The timer's
                // task stays where it is; when it fires, nothing is due and it is pointed here
                planned.remove(before.getKey());
                planned.put(due, earlier(before.getValue(), latest));
                return;
            }
            planned.put(due, latest);
            if (task == null || due - taskDue < 0) {
                schedule(due);
            }
        }
    }

    /** The earlier of two System.nanoTime values. */
    private static long earlier(long a, long b) {
        return a - b <= 0 ? a : b;
    }

    /** Points the timer's one task at {@code due}. Holds the lock. */
    private void schedule(long due) {
        if (task != null) {
            task.cancel(false);
        }
        try {
            task = timer.schedule(() -> fire(due), due - nanoClock.getAsLong(), TimeUnit.NANOSECONDS);
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
            NavigableMap<Long, Long> served = planned.headMap(nanoClock.getAsLong(), true);
            any = !served.isEmpty();
            served.clear();
            if (task == null && !planned.isEmpty()) {
                schedule(planned.firstKey());
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
        return planned.size();
    }

    /** Drops every wake-up requested. */
    public synchronized void close() {
        closed = true;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        planned.clear();
    }
}
