package io.camelpgmq.client;

/**
 * One copy of a topic message: the queue it went to and its id there ({@code pgmq.send_batch_topic}'s rows).
 *
 * @param queueName the destination queue
 * @param msgId     the copy's id in that queue
 */
public record PgmqRoutedMessage(String queueName, long msgId) {
}
