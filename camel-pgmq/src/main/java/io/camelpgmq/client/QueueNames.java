package io.camelpgmq.client;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * pgmq queue names and the identifiers derived from them.
 * <p>
 * A name is letters, digits and underscores. pgmq lower-cases a queue name to build its tables ({@code pgmq.q_<name>},
 * {@code pgmq.a_<name>}) but keeps the name as given in {@code pgmq.meta}: {@code 'Orders'} and {@code 'orders'} are
 * two names of the same tables (see {@link PgmqClient#createQueue}, which refuses to register the second). A queue
 * made by another client under a mixed-case name is used under that name; its insert channel is built from its
 * lower-cased table name, as pgmq 1.13.0's trigger builds it (that trigger never fires for a mixed-case queue, so
 * its consumers are woken by camel-pgmq producers' own NOTIFY, or by the poll).
 */
public final class QueueNames {

    /** pgmq's own limit: the longest name for which every derived identifier fits in 63 bytes. */
    public static final int MAX_LENGTH = 47;

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_]+");
    private static final int MAX_CHANNEL_BYTES = 63;

    private QueueNames() {
    }

    /**
     * Checks a queue name and returns it.
     *
     * @throws IllegalArgumentException naming what is wrong and what is allowed
     */
    public static String validate(String queueName) {
        if (queueName == null || queueName.isEmpty()) {
            throw new IllegalArgumentException("The pgmq queue name is empty: give a name of 1 to " + MAX_LENGTH
                                               + " characters made of letters a-z or A-Z, digits 0-9 and _"
                                               + " (for example 'orders').");
        }
        if (queueName.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("The pgmq queue name '" + queueName + "' is " + queueName.length()
                                               + " characters long; pgmq allows at most " + MAX_LENGTH + ".");
        }
        if (!VALID.matcher(queueName).matches()) {
            String hint = queueName.replaceAll("[^A-Za-z0-9_]", "_");
            throw new IllegalArgumentException("The pgmq queue name '" + queueName
                                               + "' is not allowed: use only letters a-z or A-Z, digits 0-9 and _"
                                               + " (for example '" + hint + "').");
        }
        return queueName;
    }

    /** The queue table, {@code q_<name>} in schema {@code pgmq}, lower-cased as pgmq does. */
    public static String queueTable(String queueName) {
        return "q_" + validate(queueName).toLowerCase(Locale.ROOT);
    }

    /** The archive table, {@code a_<name>} in schema {@code pgmq}, lower-cased as pgmq does. */
    public static String archiveTable(String queueName) {
        return "a_" + validate(queueName).toLowerCase(Locale.ROOT);
    }

    /** {@code pgmq."a_<name>"}: the name is validated (letters, digits, _), lower-cased as pgmq does and quoted. */
    static String qualifiedArchiveTable(String queueName) {
        return "pgmq.\"" + archiveTable(queueName) + '"';
    }

    /** {@code pgmq."q_<name>"}: the name is validated (letters, digits, _), lower-cased as pgmq does and quoted. */
    static String qualifiedQueueTable(String queueName) {
        return "pgmq.\"" + queueTable(queueName) + '"';
    }

    /**
     * The channel pgmq's {@code enable_notify_insert} trigger notifies on: {@code pgmq.q_<name>.INSERT}, built from the
     * lower-cased table name. It holds dots and upper case, so it must be quoted in {@code LISTEN}.
     */
    public static String insertChannel(String queueName) {
        return "pgmq." + queueTable(queueName) + ".INSERT";
    }

    /**
     * Checks a LISTEN/NOTIFY channel name and returns it.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static String validateChannel(String channel) {
        if (channel == null || channel.isEmpty()) {
            throw new IllegalArgumentException("The NOTIFY channel name is empty.");
        }
        if (channel.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("The NOTIFY channel name contains a NUL character.");
        }
        if (channel.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_CHANNEL_BYTES) {
            throw new IllegalArgumentException("The NOTIFY channel name '" + channel + "' is longer than PostgreSQL's "
                                               + MAX_CHANNEL_BYTES + "-byte identifier limit.");
        }
        return channel;
    }

    /** A channel as a quoted SQL identifier, for {@code LISTEN} and {@code UNLISTEN}. */
    public static String quoteChannel(String channel) {
        return '"' + validateChannel(channel).replace("\"", "\"\"") + '"';
    }
}
