package io.camelpgmq.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A fact about each queue that a read is written for, as a read last found it: whether the queue has camel-pgmq's
 * group index (the grouped read finds the heads and a group's run differently with it and without,
 * {@link GroupedReadSql#read}), whether its table has pgmq's index on {@code vt} (the plain read walks it,
 * {@link ReadSql#read}). Looked up again after a minute, so an index created or dropped by hand is followed without a
 * restart; one lookup per queue, fact and minute.
 */
final class QueueChecks {

    private static final long RECHECK_NANOS = TimeUnit.MINUTES.toNanos(1);

    private record Check(boolean holds, long checkedAtNanos) {
    }

    private final Map<String, Check> checks = new ConcurrentHashMap<>();
    private final Predicate<String> lookup;

    /** {@code lookup} tells whether the fact holds for a queue (a query). */
    QueueChecks(Predicate<String> lookup) {
        this.lookup = lookup;
    }

    boolean holds(String queueName) {
        long now = System.nanoTime();
        Check check = checks.get(queueName);
        if (check == null || now - check.checkedAtNanos() > RECHECK_NANOS) {
            check = new Check(lookup.test(queueName), now);
            checks.put(queueName, check);
        }
        return check.holds();
    }

    /** The fact was just made true or false (the index created, or dropped with the queue). */
    void found(String queueName, boolean holds) {
        checks.put(queueName, new Check(holds, System.nanoTime()));
    }

    /** The queue was created or dropped: look again at the next read. */
    void forget(String queueName) {
        checks.remove(queueName);
    }
}
