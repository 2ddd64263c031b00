package io.camelpgmq.client;

import java.time.OffsetDateTime;

/**
 * A queue's figures, as {@code pgmq.metrics} returns them.
 *
 * @param queueName          the queue
 * @param queueLength        messages in the queue now, visible or not
 * @param newestMsgAgeSec    age of the newest message in seconds, or {@code null} when the queue is empty
 * @param oldestMsgAgeSec    age of the oldest message in seconds, or {@code null} when the queue is empty
 * @param totalMessages      messages ever sent to the queue
 * @param scrapeTime         when the figures were taken
 * @param queueVisibleLength messages that can be read now, or {@code null} on a pgmq without that column
 */
public record PgmqMetrics(
        String queueName, long queueLength, Integer newestMsgAgeSec, Integer oldestMsgAgeSec, long totalMessages,
        OffsetDateTime scrapeTime, Long queueVisibleLength) {
}
