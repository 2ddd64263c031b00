package io.camelpgmq.client;

/**
 * One sample of a queue's state, for meters: taken for several queues in one statement by
 * {@link PgmqClient#queueStats}.
 *
 * @param queueName     the queue
 * @param depth         messages in the queue table now, visible or not
 * @param inFlight      messages read and still invisible: in process somewhere, or waiting for their retry
 * @param oldestAgeSecs seconds since the oldest message in the queue was sent, 0 when the queue is empty
 */
public record PgmqQueueStats(String queueName, long depth, long inFlight, double oldestAgeSecs) {
}
