package io.camelpgmq.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A statement prepared in the server session under a name derived from its text, for connections that go through a
 * transaction pooler (PgBouncer, Supavisor), where pgjdbc must not prepare server-side ({@code prepareThreshold=0}:
 * its names, {@code S_1}, {@code S_2}..., are per client connection, and a pooled server session serves many clients).
 * Without a prepared statement every call is parsed and planned again: the consumer's plain read 0.85 ms a call
 * against 0.27 prepared, its grouped read 1.45 against 0.52 (pgbench, PostgreSQL 15). A name derived from the text is
 * the same statement in every server session and for every client, so whichever client's transaction a session
 * serves, a statement prepared there under that name is the one it asks for.
 * <p>
 * A utility statement takes no bind parameters: {@code EXECUTE name(?)} fails ("there is no parameter $1"), and so
 * does a {@code PREPARE} whose body has {@code $1} when it is sent through the extended protocol. So the statement is
 * prepared from a DO block, and run as {@code EXECUTE name(...)} with its arguments written out: only numbers and
 * arrays of numbers (batch sizes, seconds, the msg_ids and read counts of deliveries), Java {@code int}s and
 * {@code long}s whose text is digits and a sign, never text.
 */
final class SessionPreparedSql {

    /** SQLSTATE invalid_sql_statement_name: {@code EXECUTE} of a name this server session has not prepared. */
    static final String NOT_PREPARED = "26000";

    private static final String NAME_PREFIX = "camel_pgmq_";
    // the placeholders a statement may have to go this way, each with the type it is prepared with; an array's before
    // its element's, which it begins with
    private static final String[][] PLACEHOLDERS = { { "?::integer[]", "integer[]" }, { "?::bigint[]", "bigint[]" },
                                                     { "?::integer", "integer" }, { "?::bigint", "bigint" } };
    // by statement text: a statement is run again and again, and the texts are few (a queue's read statements for its
    // read mode, batch bound and indexes; its completions), so each is looked at and hashed once
    private static final Map<String, Optional<Prepared>> PREPARED = new ConcurrentHashMap<>();

    /** A statement's name in the server session and the DO block that prepares it there. */
    private record Prepared(String name, String preparation) {
    }

    private SessionPreparedSql() {
    }

    /**
     * Whether {@code sql} can go this way: every parameter a number or an array of numbers ({@code ?::integer},
     * {@code ?::bigint}, {@code ?::integer[]}, {@code ?::bigint[]}), and no dollar sign that could end the quotes
     * {@link #prepare} puts it in.
     */
    static boolean applies(String sql) {
        return prepared(sql).isPresent();
    }

    /** The statement's name in the server session: the same for the same text, in every session. */
    static String name(String sql) {
        return require(sql).name();
    }

    /**
     * Runs the prepared statement with {@code arguments}, one per parameter, in order: {@link Integer}, {@link Long},
     * {@code int[]} or {@code long[]}.
     */
    static String execute(String sql, Object... arguments) {
        StringBuilder call = new StringBuilder("EXECUTE ").append(name(sql)).append('(');
        for (int i = 0; i < arguments.length; i++) {
            call.append(i == 0 ? "" : ", ");
            Object argument = arguments[i];
            if (argument instanceof Integer || argument instanceof Long) {
                call.append(argument);
            } else if (argument instanceof int[] numbers) {
                call.append("'{");
                for (int k = 0; k < numbers.length; k++) {
                    call.append(k == 0 ? "" : ",").append(numbers[k]);
                }
                call.append("}'");
            } else if (argument instanceof long[] numbers) {
                call.append("'{");
                for (int k = 0; k < numbers.length; k++) {
                    call.append(k == 0 ? "" : ",").append(numbers[k]);
                }
                call.append("}'");
            } else {
                // only what the client writes as digits goes into the text: anything else would need quoting
                throw new IllegalArgumentException("A session-prepared statement takes numbers and arrays of numbers,"
                                                   + " not " + (argument == null ? "null" : argument.getClass()));
            }
        }
        return call.append(')').toString();
    }

    /**
     * Prepares {@code sql} in the server session under its name unless the session has it already, from a DO block (a
     * {@code PREPARE} with parameters cannot be sent through the extended protocol). Send it with {@link #execute} in
     * one string: both then run in one implicit transaction, so a transaction pooler runs them in the same server
     * session.
     */
    static String prepare(String sql) {
        return require(sql).preparation();
    }

    private static Prepared require(String sql) {
        return prepared(sql).orElseThrow(() -> new IllegalArgumentException(
                "Not a statement to prepare in the server session (a parameter other than a number or an array of"
                + " numbers, or a dollar sign): " + sql));
    }

    private static Optional<Prepared> prepared(String sql) {
        return PREPARED.computeIfAbsent(sql, SessionPreparedSql::parse);
    }

    private static Optional<Prepared> parse(String sql) {
        if (sql.indexOf('$') >= 0) {
            return Optional.empty();
        }
        String name = hash(sql);
        StringBuilder types = new StringBuilder();
        StringBuilder body = new StringBuilder();
        int n = 0;
        int from = 0;
        for (int at = sql.indexOf('?'); at >= 0; at = sql.indexOf('?', from)) {
            String[] placeholder = placeholderAt(sql, at);
            if (placeholder == null) {
                return Optional.empty();
            }
            n++;
            types.append(n == 1 ? "" : ", ").append(placeholder[1]);
            body.append(sql, from, at).append('$').append(n).append("::").append(placeholder[1]);
            from = at + placeholder[0].length();
        }
        if (n == 0) {
            return Optional.empty();
        }
        body.append(sql, from, sql.length());
        // no dollar sign is in the statement: these quotes cannot end early. Two clients that both found the statement
        // missing in one server session may both get here, one after the other (a pooler serves one transaction at a
        // time per session): the second finds it prepared.
        String preparation = "DO $camel_pgmq$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements"
                             + " WHERE name = '" + name + "') THEN EXECUTE $camel_pgmq_sql$PREPARE " + name + "(" + types
                             + ") AS " + body + "$camel_pgmq_sql$; END IF; END $camel_pgmq$";
        return Optional.of(new Prepared(name, preparation));
    }

    private static String[] placeholderAt(String sql, int at) {
        for (String[] placeholder : PLACEHOLDERS) {
            if (sql.startsWith(placeholder[0], at)) {
                return placeholder;
            }
        }
        return null;
    }

    private static String hash(String sql) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8));
            return NAME_PREFIX + HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
