package io.camelpgmq.component;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a message after the route: on success archive, delete or leave it; on failure let it come back
 * (when its visibility timeout runs out, or after the retry delay), until {@code maxRetries} sends it to the
 * dead-letter queue.
 */
final class PgmqCompletion {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqCompletion.class);

    private final PgmqClient client;
    private final PgmqConfiguration configuration;
    private final String deadLetterChannel;

    PgmqCompletion(PgmqClient client, PgmqConfiguration configuration, String deadLetterChannel) {
        this.client = client;
        this.configuration = configuration;
        this.deadLetterChannel = deadLetterChannel;
    }

    void succeeded(String queueName, PgmqMessage message) {
        try {
            boolean found = switch (configuration.getOnSuccess()) {
                case archive -> client.archive(queueName, message.msgId());
                case delete -> client.delete(queueName, message.msgId());
                case none -> true;
            };
            if (!found) {
                LOG.warn("pgmq message {} of queue '{}' was no longer in the queue when completed: it was processed"
                         + " more than once. Its processing outlasted the visibility timeout ({} s); raise"
                         + " visibilityTimeout or set extendVisibility=true.",
                        message.msgId(), queueName, configuration.getVisibilityTimeout());
            }
        } catch (RuntimeException e) {
            LOG.warn("pgmq message {} of queue '{}' was processed, but completing it ({}) failed: {}. It will be read"
                     + " again when its visibility timeout runs out.",
                    message.msgId(), queueName, configuration.getOnSuccess(), e.getMessage());
        }
    }

    /**
     * Completes the successful messages of one read in one statement (archive or delete of all their ids), which is
     * what lets the consumer keep up with a raw read/archive loop.
     */
    void succeeded(String queueName, List<PgmqMessage> messages) {
        if (messages.size() == 1) {
            succeeded(queueName, messages.get(0));
            return;
        }
        if (messages.isEmpty() || configuration.getOnSuccess() == PgmqOnSuccess.none) {
            return;
        }
        List<Long> ids = messages.stream().map(PgmqMessage::msgId).toList();
        try {
            List<Long> found = configuration.getOnSuccess() == PgmqOnSuccess.archive
                    ? client.archive(queueName, ids) : client.delete(queueName, ids);
            if (found.size() < ids.size()) {
                List<Long> missing = new ArrayList<>(ids);
                missing.removeAll(found);
                LOG.warn("pgmq messages {} of queue '{}' were no longer in the queue when completed: they were"
                         + " processed more than once. Their processing outlasted the visibility timeout ({} s); raise"
                         + " visibilityTimeout or set extendVisibility=true.",
                        missing, queueName, configuration.getVisibilityTimeout());
            }
        } catch (RuntimeException e) {
            LOG.warn("pgmq messages {} of queue '{}' were processed, but completing them ({}) failed: {}. They will be"
                     + " read again when their visibility timeout runs out.",
                    ids, queueName, configuration.getOnSuccess(), e.getMessage());
        }
    }

    /**
     * Handles a failed message.
     *
     * @return milliseconds until it is retried when a retry delay applies, else -1
     */
    long failed(String queueName, PgmqMessage message, Throwable cause) {
        try {
            if (isLastAttempt(message)) {
                deadLetter(queueName, message, "failed " + message.readCount() + " time(s): " + describe(cause));
                return -1;
            }
            long delay = configuration.retryDelayFor(message.readCount());
            if (delay >= 0) {
                client.setVtMillis(queueName, message.msgId(), delay);
                LOG.debug("pgmq message {} of queue '{}' failed (attempt {}); retry in {} ms", message.msgId(),
                        queueName, message.readCount(), delay);
                return delay;
            } else {
                LOG.debug("pgmq message {} of queue '{}' failed (attempt {}); it comes back when its visibility"
                          + " timeout runs out", message.msgId(), queueName, message.readCount());
            }
        } catch (RuntimeException e) {
            LOG.warn("pgmq message {} of queue '{}' failed, and scheduling its retry failed too: {}. It comes back"
                     + " when its visibility timeout runs out.",
                    message.msgId(), queueName, e.getMessage());
        }
        return -1;
    }

    /** Whether the message was read more often than retries allow (the last attempt never completed). */
    boolean isExhausted(PgmqMessage message) {
        return configuration.getMaxRetries() >= 0 && message.readCount() > configuration.getMaxRetries() + 1;
    }

    private boolean isLastAttempt(PgmqMessage message) {
        return configuration.getMaxRetries() >= 0 && message.readCount() > configuration.getMaxRetries();
    }

    /**
     * Moves the message to the dead-letter queue (its send and the delete from the source in one transaction), or
     * archives it when there is no dead-letter queue.
     */
    void deadLetter(String queueName, PgmqMessage message, String reason) {
        String dlq = configuration.getDeadLetterQueue();
        try {
            if (dlq == null) {
                client.archive(queueName, message.msgId());
                LOG.error("pgmq message {} of queue '{}' {}; archived to a_{} (set deadLetterQueue to keep such"
                          + " messages apart)", message.msgId(), queueName, reason, queueName);
                return;
            }
            String headers = PgmqJson.toJson(deadLetterHeaders(queueName, message, reason));
            long dlqId = client.inTransaction(tx -> {
                long id = tx.send(dlq, message.message(), headers, 0, deadLetterChannel);
                if (!tx.delete(queueName, message.msgId())) {
                    // another consumer completed it meanwhile: keep the dead-letter queue free of a copy
                    throw new IllegalStateException("message " + message.msgId() + " is no longer in the queue");
                }
                return id;
            });
            LOG.warn("pgmq message {} of queue '{}' {}; moved to dead-letter queue '{}' as message {}",
                    message.msgId(), queueName, reason, dlq, dlqId);
        } catch (RuntimeException e) {
            LOG.warn("pgmq message {} of queue '{}' could not be dead-lettered ({}); it will be tried again when its"
                     + " visibility timeout runs out.",
                    message.msgId(), queueName, e.getMessage());
        }
    }

    private static Map<String, Object> deadLetterHeaders(String queueName, PgmqMessage message, String reason) {
        Map<String, Object> headers = new LinkedHashMap<>(PgmqJson.headersFromJson(message.headers()));
        headers.put(PgmqConstants.DLQ_SOURCE_QUEUE, queueName);
        headers.put(PgmqConstants.DLQ_SOURCE_MSG_ID, message.msgId());
        headers.put(PgmqConstants.DLQ_READ_COUNT, message.readCount());
        headers.put(PgmqConstants.DLQ_REASON, reason);
        headers.put(PgmqConstants.DLQ_FAILED_AT, OffsetDateTime.now().toString());
        return headers;
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "the exchange was marked failed";
        }
        return cause.getClass().getName() + ": " + cause.getMessage();
    }
}
