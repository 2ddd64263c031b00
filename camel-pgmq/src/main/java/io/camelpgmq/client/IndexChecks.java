package io.camelpgmq.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Whether each queue has camel-pgmq's group index, as a grouped read last found it: the grouped read finds a group's
 * run differently with and without it ({@link GroupedReadSql#read}). Looked up again after a minute, so an index
 * created by hand is used without a restart; one catalog lookup per queue and minute.
 */
final class GroupIndexChecks {

    private static final long RECHECK_NANOS = TimeUnit.MINUTES.toNanos(1);

    private record Check(boolean indexed, long checkedAtNanos) {
    }

    private final Map<String, Check> checks = new ConcurrentHashMap<>();
    private final Predicate<String> lookup;

    /** {@code lookup} tells whether a queue has the index (a catalog query). */
    GroupIndexChecks(Predicate<String> lookup) {
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
}
