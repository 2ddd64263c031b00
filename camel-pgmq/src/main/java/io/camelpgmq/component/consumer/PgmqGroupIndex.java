package io.camelpgmq.component.consumer;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqClient.GroupIndexState;
import io.camelpgmq.client.PgmqException;
import io.camelpgmq.component.PgmqConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group index a grouped consumer's reads use to find each group's oldest message without scanning the backlog
 * ({@link PgmqClient#createGroupIndex}). With {@code autoCreateQueue=true} the consumer creates it; otherwise, or
 * when it may not (only the table's owner can), it says how to create it. Reading works without it, only slower.
 */
public final class PgmqGroupIndex {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqGroupIndex.class);

    private PgmqGroupIndex() {
    }

    /** Makes sure a grouped read mode has its group index on the queue, or says how to create it. */
    public static void ensure(PgmqClient client, PgmqConfiguration configuration, String queueName) {
        if (!configuration.getReadMode().isGrouped()) {
            return;
        }
        try {
            GroupIndexState state = client.groupIndexState(queueName);
            if (state == GroupIndexState.CURRENT) {
                return;
            }
            if (configuration.isAutoCreateQueue()) {
                client.createGroupIndex(queueName);
                LOG.info("{} the group index of pgmq queue '{}' for readMode={}",
                        state == GroupIndexState.OUTDATED ? "Rebuilt (an earlier camel-pgmq built it)" : "Created",
                        queueName, configuration.getReadMode());
                return;
            }
            if (state == GroupIndexState.OUTDATED) {
                LOG.warn("pgmq queue '{}' has a group index built by an earlier camel-pgmq, which readMode={}"
                         + " cannot use: it works, but each read walks the messages ahead of the oldest free group."
                         + " Replace it once (as the table's owner) with: {}; {}", queueName,
                        configuration.getReadMode(), PgmqClient.dropGroupIndexStatement(queueName, true),
                        PgmqClient.groupIndexStatement(queueName, true));
                return;
            }
            LOG.warn("pgmq queue '{}' has no group index: readMode={} works, but each read walks the messages ahead of"
                     + " the oldest free group. Create it once (as the table's owner) with: {}", queueName,
                    configuration.getReadMode(), PgmqClient.groupIndexStatement(queueName, true));
        } catch (PgmqException e) {
            LOG.warn("pgmq consumer could not create the group index of queue '{}' ({}); reading works without it,"
                     + " only slower. Create it once (as the table's owner) with: {}", queueName, e.getMessage(),
                    PgmqClient.groupIndexStatement(queueName, true));
        }
    }
}
