package io.camelpgmq.client;

/**
 * Statements that end or change a read: pgmq's {@code archive}, {@code delete} and {@code set_vt}, and the consumer's
 * delivery-scoped forms, which act only on deliveries that are still the reader's. {@code %1$s} is the queue table,
 * {@code %2$s} the archive table, both validated and quoted by {@link PgmqClient}.
 */
final class CompletionSql {

    static final String ARCHIVE = "SELECT pgmq.archive(?::text, ?::bigint)";
    static final String ARCHIVE_MANY = "SELECT * FROM pgmq.archive(?::text, ?::bigint[])";
    static final String DELETE = "SELECT pgmq.delete(?::text, ?::bigint)";
    static final String DELETE_MANY = "SELECT * FROM pgmq.delete(?::text, ?::bigint[])";
    static final String SET_VT = "SELECT * FROM pgmq.set_vt(?::text, ?::bigint, ?::integer)";
    static final String SET_VT_MILLIS = "SELECT * FROM pgmq.set_vt(?::text, ?::bigint,"
                                        + " clock_timestamp() + ?::bigint * interval '1 millisecond')";
    static final String SET_VT_MANY = "SELECT * FROM pgmq.set_vt(?::text, ?::bigint[], ?::integer)";
    // delivery-scoped forms: a delivery is (msg_id, read_ct) as the read returned it. Each read increments read_ct, so
    // a row whose read_ct moved on was read again by someone else (its visibility ran out) and is no longer ours. The
    // condition sits in the DELETE or UPDATE itself, which PostgreSQL rechecks on the row's newest version when a
    // concurrent read changed it: no separate row lock (an extra write per message). These are the statements pgmq's
    // archive, delete and set_vt run, on the queue and archive tables whose columns are pgmq's public contract.
    // The deliveries' arrays are read through scalar subqueries so that PostgreSQL keeps one plan (it assumes 10
    // elements whether or not it sees the values; seeing one element, it would plan every completion of a batch of 1).
    static final String DELIVERIES = " unnest((SELECT ?::bigint[]), (SELECT ?::integer[])) AS d(msg_id, read_ct)";
    static final String OWNED = " USING" + DELIVERIES + " WHERE q.msg_id = d.msg_id AND q.read_ct = d.read_ct";
    static final String DELETE_OWNED = "DELETE FROM %1$s q" + OWNED + " RETURNING q.msg_id";
    static final String ARCHIVE_OWNED = "WITH archived AS (DELETE FROM %1$s q" + OWNED
                                        + " RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.last_read_at, q.vt,"
                                        + " q.message, q.headers)"
                                        + " INSERT INTO %2$s (msg_id, read_ct, enqueued_at, last_read_at, vt,"
                                        + " message, headers)"
                                        + " SELECT msg_id, read_ct, enqueued_at, last_read_at, vt, message,"
                                        + " headers FROM archived RETURNING msg_id";
    static final String SET_VT_OWNED = "UPDATE %1$s q SET vt = clock_timestamp() + ?::bigint * interval"
                                       + " '1 millisecond' FROM" + DELIVERIES
                                       + " WHERE q.msg_id = d.msg_id AND q.read_ct = d.read_ct RETURNING q.msg_id";
    // giving a delivery back undoes its read: visible at once, and the read no longer counts as an attempt. pgmq has
    // no function for it; the queue table's columns are part of pgmq's public contract.
    static final String GIVE_BACK = "UPDATE %s q SET vt = clock_timestamp(), read_ct = q.read_ct - 1"
                                    + " FROM" + DELIVERIES
                                    + " WHERE q.msg_id = d.msg_id AND q.read_ct = d.read_ct AND q.read_ct > 0"
                                    + " RETURNING q.msg_id";
    static final String GIVE_BACK_NOTIFY = "WITH given AS (" + GIVE_BACK + ")"
                                           + " SELECT g.msg_id, pg_notify(?::text, '') FROM given g";

    private CompletionSql() {
    }
}
