package io.camelpgmq.component;

import io.camelpgmq.client.GroupedRead;

/** How a consumer reads its queue. */
public enum PgmqReadMode {
    /** {@code pgmq.read}: the oldest visible messages, groups ignored. */
    plain(null),
    /**
     * {@code pgmq.read_grouped}: FIFO per group (header {@code x-pgmq-group}); fills a batch from the oldest eligible
     * group first, like SQS FIFO.
     */
    grouped(GroupedRead.FILL),
    /** {@code pgmq.read_grouped_rr}: FIFO per group, one message per group per round (fair between groups). */
    groupedRoundRobin(GroupedRead.ROUND_ROBIN),
    /** {@code pgmq.read_grouped_head}: FIFO per group, at most one message per group per read. */
    groupedHead(GroupedRead.HEAD);

    private final GroupedRead groupedRead;

    PgmqReadMode(GroupedRead groupedRead) {
        this.groupedRead = groupedRead;
    }

    /** pgmq's grouped read, or {@code null} for a plain read. */
    GroupedRead groupedRead() {
        return groupedRead;
    }

    boolean isGrouped() {
        return groupedRead != null;
    }
}
