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
 * @param completed       the ids of earlier deliveries completed in the same statement
 *                        ({@link PgmqClient#completeAndRead}); empty for a read alone
 * @param otherGroupsFree for a grouped read, whether groups other than those it took had their oldest message visible
 *                        at the read (one another reader may have taken since); {@code null} when the read does not
 *                        know (plain reads, grouped reads of a queue without the group index)
 */
public record PgmqRead(List<PgmqMessage> messages, OffsetDateTime nextVisibleAt, OffsetDateTime databaseNow,
                       List<Long> completed, Boolean otherGroupsFree) {

    /** What a read alone returned. */
    public PgmqRead(List<PgmqMessage> messages, OffsetDateTime nextVisibleAt, OffsetDateTime databaseNow) {
        this(messages, nextVisibleAt, databaseNow, List.of(), null);
    }

    /** What a read returned that completed {@code completed} in the same statement. */
    public PgmqRead(List<PgmqMessage> messages, OffsetDateTime nextVisibleAt, OffsetDateTime databaseNow,
                    List<Long> completed) {
        this(messages, nextVisibleAt, databaseNow, completed, null);
    }

    /** How long after the read the next waiting message becomes visible, or {@code null} when none waits. */
    public Duration untilNextVisible() {
        return nextVisibleAt == null ? null : Duration.between(databaseNow, nextVisibleAt);
    }
}
