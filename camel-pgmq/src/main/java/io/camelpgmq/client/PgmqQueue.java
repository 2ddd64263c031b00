package io.camelpgmq.client;

import java.time.OffsetDateTime;

/**
 * A queue as {@code pgmq.list_queues()} lists it.
 *
 * @param queueName   the name as created
 * @param partitioned whether it is partitioned (pg_partman)
 * @param unlogged    whether its queue table is unlogged
 * @param createdAt   when it was created
 */
public record PgmqQueue(String queueName, boolean partitioned, boolean unlogged, OffsetDateTime createdAt) {
}
