package io.camelpgmq.client;

/**
 * Statements that send: pgmq's {@code send} and {@code send_batch} as {@code SELECT ... AS s(msg_id)}, and forms that
 * also call {@code pg_notify} in the same statement, so that a message and its wake-up commit together (one round trip
 * instead of three for send, notify and commit).
 */
final class SendSql {

    static final String SEND_CALL = "pgmq.send(?::text, ?::jsonb)";
    static final String SEND_DELAY_CALL = "pgmq.send(?::text, ?::jsonb, ?::integer)";
    static final String SEND_HEADERS_DELAY_CALL = "pgmq.send(?::text, ?::jsonb, ?::jsonb, ?::integer)";
    static final String SEND_BATCH_DELAY_CALL = "pgmq.send_batch(?::text, ?::text[]::jsonb[], ?::integer)";
    static final String SEND_BATCH_HEADERS_DELAY_CALL
            = "pgmq.send_batch(?::text, ?::text[]::jsonb[], ?::text[]::jsonb[], ?::integer)";
    static final String SEND = sending(SEND_CALL);
    static final String SEND_DELAY = sending(SEND_DELAY_CALL);
    static final String SEND_HEADERS_DELAY = sending(SEND_HEADERS_DELAY_CALL);
    static final String SEND_HEADERS_AT
            = sending("pgmq.send(?::text, ?::jsonb, ?::jsonb, ?::timestamptz)");
    static final String SEND_BATCH_DELAY = sending(SEND_BATCH_DELAY_CALL);
    static final String SEND_BATCH_HEADERS_DELAY = sending(SEND_BATCH_HEADERS_DELAY_CALL);
    static final String SEND_NOTIFY = sendingAndNotifying(SEND_CALL);
    static final String SEND_DELAY_NOTIFY = sendingAndNotifying(SEND_DELAY_CALL);
    static final String SEND_HEADERS_DELAY_NOTIFY = sendingAndNotifying(SEND_HEADERS_DELAY_CALL);
    static final String SEND_BATCH_DELAY_NOTIFY = sendingAndNotifying(SEND_BATCH_DELAY_CALL);
    static final String SEND_BATCH_HEADERS_DELAY_NOTIFY = sendingAndNotifying(SEND_BATCH_HEADERS_DELAY_CALL);

    private SendSql() {
    }

    private static String sending(String call) {
        return "SELECT s.msg_id FROM " + call + " AS s(msg_id)";
    }

    // pg_notify's channel and payload are the first parameters; PostgreSQL delivers identical notifications (same
    // channel and payload) of one transaction once
    private static String sendingAndNotifying(String call) {
        return "SELECT s.msg_id, pg_notify(?::text, ?::text) FROM " + call + " AS s(msg_id)";
    }
}
