package io.camelpgmq.client;

/**
 * pgmq's FIFO reads: a group (header {@code x-pgmq-group}; no header is one group of its own) is read only while its
 * oldest message is visible, so its messages are processed strictly in order, one reader at a time.
 */
public enum GroupedRead {
    /** {@code pgmq.read_grouped}: fills the batch from the oldest eligible group first, then the next. */
    FILL("read_grouped"),
    /** {@code pgmq.read_grouped_rr}: one message per group per round, groups by the age of their oldest message. */
    ROUND_ROBIN("read_grouped_rr"),
    /** {@code pgmq.read_grouped_head}: at most one message per group. */
    HEAD("read_grouped_head");

    private final String function;

    GroupedRead(String function) {
        this.function = function;
    }

    /** The pgmq function, without schema. */
    public String function() {
        return function;
    }
}
