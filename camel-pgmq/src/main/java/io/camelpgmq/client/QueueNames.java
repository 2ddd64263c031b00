package io.camelpgmq.client;

import java.util.regex.Pattern;

/**
 * pgmq queue names and the identifiers derived from them.
 * <p>
 * pgmq lower-cases a queue name to build its tables ({@code pgmq.q_<name>}, {@code pgmq.a_<name>}) but keeps
 * the name as given in {@code pgmq.meta}, and pgmq 1.13.0 never notifies for a queue whose name has upper case.
 * Accepting only lower-case letters, digits and underscores keeps one queue one name everywhere: in the tables,
 * in {@code pgmq.meta}, in the insert channel, and in every other pgmq client.
 */
public final class QueueNames {

    /** pgmq's own limit: the longest name for which every derived identifier fits in 63 bytes. */
    public static final int MAX_LENGTH = 47;

    private static final Pattern VALID = Pattern.compile("[a-z0-9_]+");
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
                                               + " characters made of a-z, 0-9 and _ (for example 'orders').");
        }
        if (queueName.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("The pgmq queue name '" + queueName + "' is " + queueName.length()
                                               + " characters long; pgmq allows at most " + MAX_LENGTH + ".");
        }
        if (!VALID.matcher(queueName).matches()) {
            String hint = queueName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
            throw new IllegalArgumentException("The pgmq queue name '" + queueName
                                               + "' is not allowed: use only lower-case letters a-z, digits 0-9 and _"
                                               + " (for example '" + hint + "').");
        }
        return queueName;
    }

    /** The queue table, {@code q_<name>} in schema {@code pgmq}. */
    public static String queueTable(String queueName) {
        return "q_" + validate(queueName);
    }

    /** The archive table, {@code a_<name>} in schema {@code pgmq}. */
    public static String archiveTable(String queueName) {
        return "a_" + validate(queueName);
    }

    /**
     * The channel pgmq's {@code enable_notify_insert} trigger notifies on: {@code pgmq.q_<name>.INSERT}. It holds dots
     * and upper case, so it must be quoted in {@code LISTEN}.
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
