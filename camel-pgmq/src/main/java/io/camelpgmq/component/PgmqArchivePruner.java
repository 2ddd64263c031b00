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
 */
final class PgmqArchivePruner {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqArchivePruner.class);
    /** Rows per batch: each batch is a short transaction, so a consumer archiving meanwhile never waits long. */
    static final int BATCH_SIZE = 1000;

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
            task = housekeeping.scheduleWithFixedDelay(this::pruneAll, 0, intervalMillis, TimeUnit.MILLISECONDS);
        }
    }

    synchronized void close() {
        running = false;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    private void pruneAll() {
        retentions.forEach((queueName, retentionMillis) -> {
            try {
                prune(queueName, retentionMillis);
            } catch (RuntimeException e) {
                LOG.warn("pgmq archive retention could not prune the archive of queue '{}': {}. Trying again in {} ms.",
                        queueName, e.getMessage(), intervalMillis);
            }
        });
    }

    /** Batches until one comes back short, or another session holds the archive's lock. */
    private void prune(String queueName, long retentionMillis) {
        long total = 0;
        int deleted;
        do {
            deleted = client.pruneArchive(queueName, retentionMillis, BATCH_SIZE);
            if (deleted > 0) {
                total += deleted;
                meters.pruned(queueName, deleted);
            }
        } while (deleted == BATCH_SIZE && running);
        if (deleted < 0) {
            LOG.debug("pgmq archive of queue '{}' is being pruned by another session", queueName);
        }
        if (total > 0) {
            LOG.debug("pgmq archive retention deleted {} message(s) archived more than {} ms ago from queue '{}'",
                    total, retentionMillis, queueName);
        }
    }
}
