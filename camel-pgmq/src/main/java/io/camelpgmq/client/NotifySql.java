package io.camelpgmq.client;

/**
 * Statements of notifications: {@code pg_notify}, pgmq's insert-notify trigger and its throttle, and the LISTEN
 * connection's own statements.
 */
final class NotifySql {

    static final String NOTIFY = "SELECT pg_notify(?::text, ?::text)";
    static final String ENABLE_NOTIFY_INSERT = "SELECT pgmq.enable_notify_insert(?::text, ?::integer)";
    static final String DISABLE_NOTIFY_INSERT = "SELECT pgmq.disable_notify_insert(?::text)";
    static final String NOTIFY_THROTTLE = "SELECT t.throttle_interval_ms"
                                          + " FROM pgmq.list_notify_insert_throttles() t"
                                          + " WHERE t.queue_name = ?::text";
    // before a listening connection goes back to a pool
    static final String UNLISTEN_ALL = "UNLISTEN *";
    // a cheap round trip that proves a connection (and a listener's session) is alive: an empty read-only transaction
    static final String PING = "SELECT 1";

    private NotifySql() {
    }

    /** {@code LISTEN "channel"}: the channel is validated and quoted. */
    static String listen(String channel) {
        return "LISTEN " + QueueNames.quoteChannel(channel);
    }

    /** {@code UNLISTEN "channel"}. */
    static String unlisten(String channel) {
        return "UNLISTEN " + QueueNames.quoteChannel(channel);
    }
}
