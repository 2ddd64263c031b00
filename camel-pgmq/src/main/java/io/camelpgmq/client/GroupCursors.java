package io.camelpgmq.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where each queue's next grouped read starts taking groups: the key of the last group a read of this client took
 * ({@link GroupedReadSql}), so that the groups take turns. The readers of a client share it: each read starts after
 * the groups the previous read took, not after those it took itself. A client starts at a random key, so that clients
 * in several JVMs do not all start at the first group; their reads that meet a group another took pass it over.
 */
final class GroupCursors {

    private final Map<String, Long> cursors = new ConcurrentHashMap<>();

    /** The key after which the next grouped read of {@code queueName} starts. */
    long next(String queueName) {
        return cursors.computeIfAbsent(queueName, q -> ThreadLocalRandom.current().nextLong());
    }

    /** A read of {@code queueName} took groups up to {@code cursor}; {@code null}: it took none, the cursor stays. */
    void moveTo(String queueName, Long cursor) {
        if (cursor != null) {
            cursors.put(queueName, cursor);
        }
    }
}
