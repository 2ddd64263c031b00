package io.camelpgmq.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Whether each queue has an index a read is written for, as a read last found it: the grouped read finds a group's run
 * differently with camel-pgmq's group index and without ({@link GroupedReadSql#read}), the plain read walks pgmq's
 * index on {@code vt} when the queue table has one ({@link ReadSql#read}). Looked up again after a minute, so an index
 * created or dropped by hand is followed without a restart; one catalog lookup per queue, index and minute.
 */
final class IndexChecks {

    private static final long RECHECK_NANOS = TimeUnit.MINUTES.toNanos(1);

    private record Check(boolean indexed, long checkedAtNanos) {
    }

    private final Map<String, Check> checks = new ConcurrentHashMap<>();
    private final Predicate<String> lookup;

    /** {@code lookup} tells whether a queue has the index (a catalog query). */
    IndexChecks(Predicate<String> lookup) {
        this.lookup = lookup;
    }

    boolean indexed(String queueName) {
        long now = System.nanoTime();
        Check check = checks.get(queueName);
        if (check == null || now - check.checkedAtNanos() > RECHECK_NANOS) {
            check = new Check(lookup.test(queueName), now);
            checks.put(queueName, check);
        }
        return check.indexed();
    }

    /** The index was just created (or dropped with the queue). */
    void found(String queueName, boolean indexed) {
        checks.put(queueName, new Check(indexed, System.nanoTime()));
    }

    /** The queue was created or dropped: look again at the next read. */
    void forget(String queueName) {
        checks.remove(queueName);
    }
}
