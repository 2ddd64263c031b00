package io.camelpgmq.component.consumer;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.client.TransientErrors;
import io.camelpgmq.component.PgmqConfiguration;
import io.camelpgmq.component.PgmqConstants;
import io.camelpgmq.component.PgmqJson;
import io.camelpgmq.component.PgmqOnSuccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a delivery after the route: on success archive, delete or leave it; on failure let it come back
 * (when its visibility timeout runs out, or after the retry delay), until {@code maxRetries} sends it to the
 * dead-letter queue.
 * <p>
 * Every action is scoped to the delivery this consumer read (message id and read count): when a message's visibility
 * ran out and another consumer read it meanwhile, that consumer's delivery decides, and this one touches nothing.
 */
public final class PgmqCompletion {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqCompletion.class);

    private final PgmqClient client;
    private final PgmqConfiguration configuration;
    private final String deadLetterChannel;
    private PgmqConsumerMeters meters = PgmqConsumerMeters.NONE;

    /** Completion for one consumer; {@code deadLetterChannel} is the channel to NOTIFY on dead-lettering. */
    public PgmqCompletion(PgmqClient client, PgmqConfiguration configuration, String deadLetterChannel) {
        this.client = client;
        this.configuration = configuration;
        this.deadLetterChannel = deadLetterChannel;
    }

    /** Counts completions, retries and dead letters on {@code meters}. */
    public void useMeters(PgmqConsumerMeters meters) {
        this.meters = meters;
    }

    /**
     * Completes the successful deliveries of one read in one statement (archive or delete of all their ids), which is
     * what lets the consumer keep up with a raw read/archive loop.
     *
     * @param  retry true when an earlier attempt to complete them failed
     * @return       the deliveries to complete again: their completion failed on a transient error (connection lost,
     *               backend terminated, database read-only for a while), so the consumer tries again while it holds
     *               them rather than let a processed message come back; empty when done or failed for good
     */
    public List<PgmqMessage> succeeded(String queueName, List<PgmqMessage> deliveries, boolean retry) {
        if (deliveries.isEmpty() || configuration.getOnSuccess() == PgmqOnSuccess.none) {
            return List.of();
        }
        try {
            List<Long> done = archives()
                    ? client.archiveDelivered(queueName, deliveries) : client.deleteDelivered(queueName, deliveries);
            completed(queueName, deliveries, done, retry);
            return List.of();
        } catch (RuntimeException e) {
            if (TransientErrors.isTransient(e)) {
                if (!retry) {
                    LOG.info("pgmq messages {} of queue '{}' were processed, but completing them ({}) failed: {}."
                             + " Trying again while they are held.",
                            ids(deliveries), queueName, configuration.getOnSuccess(), e.getMessage());
                }
                return deliveries;
            }
            LOG.warn("pgmq messages {} of queue '{}' were processed, but completing them ({}) failed: {}. They will be"
                     + " read again when their visibility timeout runs out.",
                    ids(deliveries), queueName, configuration.getOnSuccess(), e.getMessage());
            return List.of();
        }
    }

    /**
     * Gives up completing deliveries whose completion kept failing (until a visibility timeout after theirs ran out,
     * or until the consumer stopped).
     */
    public void gaveUp(String queueName, List<PgmqMessage> deliveries) {
        if (!deliveries.isEmpty()) {
            LOG.warn("pgmq messages {} of queue '{}' were processed, but completing them ({}) kept failing; they will"
                     + " be read and processed again once their visibility timeout ({} s) has run out.",
                    ids(deliveries), queueName, configuration.getOnSuccess(), configuration.getVisibilityTimeout());
        }
    }

    /** Whether successes are archived (else deleted, or left alone with {@code onSuccess=none}). */
    public boolean archives() {
        return configuration.getOnSuccess() == PgmqOnSuccess.archive;
    }

    /** Whether successes are archived or deleted, so that their completion can travel with the next read. */
    public boolean completesSuccesses() {
        return configuration.getOnSuccess() != PgmqOnSuccess.none;
    }

    /**
     * Reports successful deliveries that were completed ({@code done}: their ids), by {@link #succeeded} or together
     * with the next read: those missing were read again by another consumer after their visibility ran out, or, on a
     * {@code retry}, were completed by the earlier attempt whose reply never arrived.
     */
    public void completed(String queueName, List<PgmqMessage> deliveries, List<Long> done, boolean retry) {
        if (done.size() >= deliveries.size()) {
            return;
        }
        List<Long> missing = new ArrayList<>(ids(deliveries));
        missing.removeAll(done);
        if (retry) {
            // the failed attempt may have committed without its reply reaching us
            LOG.warn("pgmq messages {} of queue '{}' were processed; completing them ({}) again found them gone or read"
                     + " again: either the earlier attempt completed them before its connection failed, or their"
                     + " visibility timeout ({} s) ran out meanwhile and another consumer read them again.",
                    missing, queueName, configuration.getOnSuccess(), configuration.getVisibilityTimeout());
        } else {
            LOG.warn("pgmq messages {} of queue '{}' were processed, but their visibility timeout ({} s) ran out first"
                     + " and another consumer read them again: they are processed more than once. Raise"
                     + " visibilityTimeout or set extendVisibility=true.",
                    missing, queueName, configuration.getVisibilityTimeout());
        }
    }

    /** {@link #failed}: the delivery comes back when the visibility timeout of its read runs out. */
    public static final long RETRY_WHEN_VISIBLE = -1;
    /** {@link #failed}: the delivery is not retried (dead-lettered, or no longer this consumer's). */
    static final long NOT_RETRIED = -2;

    /**
     * Handles a failed delivery.
     *
     * @return milliseconds until it is retried when a retry delay applies (0: visible again at once),
     *         {@link #RETRY_WHEN_VISIBLE}, or {@link #NOT_RETRIED}
     */
    public long failed(String queueName, PgmqMessage delivery, Throwable cause) {
        try {
            if (isLastAttempt(delivery)) {
                deadLetter(queueName, delivery, "failed " + delivery.readCount() + " time(s): " + describe(cause));
                return NOT_RETRIED;
            }
            long delay = configuration.retryDelayFor(delivery.readCount());
            if (delay < 0) {
                LOG.debug("pgmq message {} of queue '{}' failed (attempt {}); it comes back when its visibility"
                          + " timeout runs out", delivery.msgId(), queueName, delivery.readCount());
                meters.retried();
                return RETRY_WHEN_VISIBLE;
            }
            if (client.setVtDelivered(queueName, List.of(delivery), delay).isEmpty()) {
                LOG.debug("pgmq message {} of queue '{}' failed, but another consumer holds it now", delivery.msgId(),
                        queueName);
                return NOT_RETRIED;
            }
            LOG.debug("pgmq message {} of queue '{}' failed (attempt {}); retry in {} ms", delivery.msgId(),
                    queueName, delivery.readCount(), delay);
            meters.retried();
            return delay;
        } catch (RuntimeException e) {
            LOG.warn("pgmq message {} of queue '{}' failed, and scheduling its retry failed too: {}. It comes back"
                     + " when its visibility timeout runs out.",
                    delivery.msgId(), queueName, e.getMessage());
            meters.retried();
            return RETRY_WHEN_VISIBLE;
        }
    }

    /**
     * Whether the message was read more often than retries allow: its last attempt never completed (the consumer
     * crashed or lost its connection while processing it).
     */
    public boolean isExhausted(PgmqMessage delivery) {
        return configuration.getMaxRetries() >= 0 && delivery.readCount() > configuration.getMaxRetries() + 1;
    }

    private boolean isLastAttempt(PgmqMessage delivery) {
        return configuration.getMaxRetries() >= 0 && delivery.readCount() > configuration.getMaxRetries();
    }

    /**
     * Moves the delivery to the dead-letter queue (the delete from the source and the send in one transaction), or
     * archives it when there is no dead-letter queue.
     */
    public void deadLetter(String queueName, PgmqMessage delivery, String reason) {
        String dlq = configuration.getDeadLetterQueue();
        try {
            if (dlq == null) {
                if (client.archiveDelivered(queueName, List.of(delivery)).isEmpty()) {
                    logNoLongerOurs(queueName, delivery);
                    return;
                }
                LOG.error("pgmq message {} of queue '{}' {}; archived to a_{} (set deadLetterQueue to keep such"
                          + " messages apart)", delivery.msgId(), queueName, reason, queueName);
                meters.deadLettered();
                return;
            }
            String headers = PgmqJson.toJson(deadLetterHeaders(queueName, delivery, reason));
            Long dlqId = client.inTransaction(tx -> {
                if (tx.deleteDelivered(queueName, List.of(delivery)).isEmpty()) {
                    return null;
                }
                return tx.send(dlq, delivery.message(), headers, 0, deadLetterChannel);
            });
            if (dlqId == null) {
                logNoLongerOurs(queueName, delivery);
                return;
            }
            LOG.warn("pgmq message {} of queue '{}' {}; moved to dead-letter queue '{}' as message {}",
                    delivery.msgId(), queueName, reason, dlq, dlqId);
            meters.deadLettered();
        } catch (RuntimeException e) {
            LOG.warn("pgmq message {} of queue '{}' could not be dead-lettered ({}); it will be tried again when its"
                     + " visibility timeout runs out.",
                    delivery.msgId(), queueName, e.getMessage());
        }
    }

    private void logNoLongerOurs(String queueName, PgmqMessage delivery) {
        LOG.warn("pgmq message {} of queue '{}' was not dead-lettered: its visibility timeout ({} s) ran out and another"
                 + " consumer read it again, so that delivery decides. Raise visibilityTimeout or set"
                 + " extendVisibility=true.",
                delivery.msgId(), queueName, configuration.getVisibilityTimeout());
    }

    private static Map<String, Object> deadLetterHeaders(String queueName, PgmqMessage delivery, String reason) {
        Map<String, Object> headers = new LinkedHashMap<>(PgmqJson.headersFromJson(delivery.headers()));
        headers.put(PgmqConstants.DLQ_SOURCE_QUEUE, queueName);
        headers.put(PgmqConstants.DLQ_SOURCE_MSG_ID, delivery.msgId());
        headers.put(PgmqConstants.DLQ_READ_COUNT, delivery.readCount());
        headers.put(PgmqConstants.DLQ_REASON, reason);
        headers.put(PgmqConstants.DLQ_FAILED_AT, OffsetDateTime.now().toString());
        return headers;
    }

    private static List<Long> ids(List<PgmqMessage> deliveries) {
        return deliveries.stream().map(PgmqMessage::msgId).toList();
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "the exchange was marked failed";
        }
        return cause.getClass().getName() + ": " + cause.getMessage();
    }
}
