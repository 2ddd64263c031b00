package io.camelpgmq.examples.jobqueue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.camelpgmq.client.PgmqClient;

/** What the example counts, and the line it prints every second. */
public class JobStats {

    final AtomicLong sent = new AtomicLong();
    final AtomicLong sentQuietly = new AtomicLong();
    final AtomicLong done = new AtomicLong();
    final AtomicLong doneQuietly = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    private final Map<Long, Long> commitNanos = new ConcurrentHashMap<>();
    private final List<Double> pickupMillis = new ArrayList<>();
    private final List<Double> quietPickupMillis = new ArrayList<>();
    private final long startNanos = System.nanoTime();
    private volatile PgmqClient client;
    private volatile String queue;
    private volatile String phase = "starting";

    void setClient(PgmqClient client, String queue) {
        this.client = client;
        this.queue = queue;
    }

    void setPhase(String phase) {
        this.phase = phase;
    }

    /** The send of job {@code id} has committed. */
    void sent(long id, boolean quiet) {
        commitNanos.put(id, System.nanoTime());
        sent.incrementAndGet();
        if (quiet) {
            sentQuietly.incrementAndGet();
        }
    }

    /** The route started job {@code id} (first attempt only counts for the pickup latency). */
    void pickedUp(long id, boolean quiet) {
        Long committed = commitNanos.remove(id);
        if (committed != null) {
            double ms = (System.nanoTime() - committed) / 1e6;
            synchronized (this) {
                (quiet ? quietPickupMillis : pickupMillis).add(ms);
            }
        }
    }

    long queueDepth() {
        PgmqClient c = client;
        return c == null ? 0 : c.metrics(queue).queueLength();
    }

    /** One line a second: called by the reporter route. */
    public void report() {
        long seconds = (System.nanoTime() - startNanos) / 1_000_000_000L;
        System.out.printf("[%3ds] sent %4d  done %4d  retried %3d  dead-lettered %2d  queue depth %3d  pickup p50 %s"
                          + "  (%s)%n",
                seconds, sent.get(), done.get(), retried.get(), deadLettered.get(), queueDepth(),
                format(percentile(pickupMillis, 50)), phase);
    }

    synchronized double percentile(List<Double> values, int p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    List<Double> pickups() {
        return pickupMillis;
    }

    List<Double> quietPickups() {
        return quietPickupMillis;
    }

    static String format(double ms) {
        return Double.isNaN(ms) ? "  - " : String.format("%.1f ms", ms);
    }
}
