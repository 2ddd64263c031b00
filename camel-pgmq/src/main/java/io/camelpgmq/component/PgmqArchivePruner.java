package io.camelpgmq.component;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.camelpgmq.client.PgmqClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Archive retention: deletes archived messages older than their queue's {@code archiveRetention}, in small batches on
 * the component's housekeeping thread, never on a consumer's. One pruner per component; across JVMs each batch runs
 * under a transaction-level advisory lock on the archive, so one session at a time prunes it and the others skip it
 * until the next round (a session lock would not survive a transaction pooler).
 * <p>
 * It prunes gently: a round deletes one batch per archive, and while there is more to delete the next round comes
 * after a pause {@value #PAUSE_FACTOR} times as long as the round took. A backlog of old rows (the first run on a
 * grown archive) then takes a twenty-fifth of one connection's time, not the database from the consumers (at a tenth,
 * a consumer beside it measured 0.91x); at 1000 rows per batch that still prunes millions of rows an hour.
 */
final class PgmqArchivePruner {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqArchivePruner.class);
    /** Rows per batch: each batch is a short transaction, so a consumer archiving meanwhile never waits long. */
    static final int BATCH_SIZE = 1000;
    /** The pause after a round with more to delete, in multiples of the round's own time. */
    static final int PAUSE_FACTOR = 24;

    private final PgmqClient client;
    private final PgmqMeters meters;
    private final ScheduledExecutorService housekeeping;
    private final long intervalMillis;
    // queue -> retention in milliseconds; two consumers of one queue keep the longer retention
    private final Map<String, Long> retentions = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private ScheduledFuture<?> task;

    PgmqArchivePruner(PgmqClient client, PgmqMeters meters, ScheduledExecutorService housekeeping,
                      long intervalMillis) {
        this.client = client;
        this.meters = meters;
        this.housekeeping = housekeeping;
        this.intervalMillis = intervalMillis;
    }

    /** Keeps the queue's archive to {@code retentionMillis}; the first round runs at once. */
    synchronized void retain(String queueName, long retentionMillis) {
        retentions.merge(queueName, retentionMillis, Math::max);
        if (task == null) {
            schedule(0);
        }
    }

    private synchronized void schedule(long delayMillis) {
        if (running) {
            task = housekeeping.schedule(this::round, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    synchronized void close() {
        running = false;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    /** One batch per archive; the next round soon (after a pause) when a batch came back full, else in an interval. */
    private void round() {
        long start = System.nanoTime();
        boolean more = false;
        for (Map.Entry<String, Long> retention : retentions.entrySet()) {
            try {
                more |= prune(retention.getKey(), retention.getValue());
            } catch (RuntimeException e) {
                LOG.warn("pgmq archive retention could not prune the archive of queue '{}': {}. Trying again in {} ms.",
                        retention.getKey(), e.getMessage(), intervalMillis);
            }
        }
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        schedule(more ? Math.max(10, tookMillis * PAUSE_FACTOR) : intervalMillis);
    }

    /** One batch; true when it came back full (there may be more). */
    private boolean prune(String queueName, long retentionMillis) {
        int deleted = client.pruneArchive(queueName, retentionMillis, BATCH_SIZE);
        if (deleted < 0) {
            LOG.debug("pgmq archive of queue '{}' is being pruned by another session", queueName);
            return false;
        }
        if (deleted > 0) {
            meters.pruned(queueName, deleted);
            LOG.debug("pgmq archive retention deleted {} message(s) archived more than {} ms ago from queue '{}'",
                    deleted, retentionMillis, queueName);
        }
        return deleted == BATCH_SIZE;
    }
}
