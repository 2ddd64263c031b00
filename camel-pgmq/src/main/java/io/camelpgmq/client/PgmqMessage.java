package io.camelpgmq.client;

import java.time.OffsetDateTime;

/**
 * One row of a pgmq queue, as {@code pgmq.read}, {@code pgmq.pop} and {@code pgmq.set_vt} return it.
 *
 * @param msgId      the message id, unique within its queue
 * @param readCount  how many times it was read; more than 1 means a redelivery
 * @param enqueuedAt when it was sent
 * @param lastReadAt when it was last read, or {@code null} if never (or on a pgmq without that column)
 * @param vt         when it becomes visible again
 * @param message    the message as JSON text, or {@code null}
 * @param headers    the pgmq headers as JSON text, or {@code null}
 */
public record PgmqMessage(
        long msgId, int readCount, OffsetDateTime enqueuedAt, OffsetDateTime lastReadAt, OffsetDateTime vt,
        String message, String headers) {
}
