package io.camelpgmq.client;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * What one read returned, and when the next message that was not visible at the read becomes visible.
 *
 * @param messages      the messages read, in msg_id order
 * @param nextVisibleAt the earliest future {@code vt} of the queue at the read (database clock), or {@code null}
 *                      when no message was waiting
 * @param databaseNow   the database's clock at the read
 * @param completed     the ids of earlier deliveries completed in the same statement
 *                      ({@link PgmqClient#completeAndRead}); empty for a read alone
 */
public record PgmqRead(List<PgmqMessage> messages, OffsetDateTime nextVisibleAt, OffsetDateTime databaseNow,
                       List<Long> completed) {

    /** What a read alone returned. */
    public PgmqRead(List<PgmqMessage> messages, OffsetDateTime nextVisibleAt, OffsetDateTime databaseNow) {
        this(messages, nextVisibleAt, databaseNow, List.of());
    }

    /** How long after the read the next waiting message becomes visible, or {@code null} when none waits. */
    public Duration untilNextVisible() {
        return nextVisibleAt == null ? null : Duration.between(databaseNow, nextVisibleAt);
    }
}
