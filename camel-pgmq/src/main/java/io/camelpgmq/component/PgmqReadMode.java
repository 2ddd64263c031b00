package io.camelpgmq.component;

import io.camelpgmq.client.GroupedRead;

/**
 * How a consumer reads its queue. The grouped modes read with the consumer's own statement over the queue table
 * ({@code PgmqClient.readWithNextVisible(GroupedRead, ...)}), with the rules of pgmq's function of the same shape and
 * stricter promises: a group's run stops at its first invisible message, and a group is never given to two readers.
 */
public enum PgmqReadMode {
    /** {@code pgmq.read}: the oldest visible messages, groups ignored. */
    plain(null),
    /**
     * Like {@code pgmq.read_grouped}: FIFO per group (header {@code x-pgmq-group}); fills a batch from one free group,
     * then the next, like SQS FIFO. With the group index the groups take turns (pgmq's function takes the oldest
     * first).
     */
    grouped(GroupedRead.FILL),
    /** Like {@code pgmq.read_grouped_rr}: FIFO per group, one message per group per round, the groups in turns. */
    groupedRoundRobin(GroupedRead.ROUND_ROBIN),
    /** Like {@code pgmq.read_grouped_head}: FIFO per group, at most one message per group per read. */
    groupedHead(GroupedRead.HEAD);

    private final GroupedRead groupedRead;

    PgmqReadMode(GroupedRead groupedRead) {
        this.groupedRead = groupedRead;
    }

    /** The grouped read, or {@code null} for a plain read. */
    GroupedRead groupedRead() {
        return groupedRead;
    }

    /** Whether this mode reads by FIFO group. */
    public boolean isGrouped() {
        return groupedRead != null;
    }
}
