package io.camelpgmq.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
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
 * prepared from a DO block, and run as {@code EXECUTE name(...)} with its arguments written as literals: only integers,
 * which the client produces itself (batch sizes, visibility seconds), never a value read or given.
 */
final class SessionPreparedSql {

    /** SQLSTATE invalid_sql_statement_name: {@code EXECUTE} of a name this server session has not prepared. */
    static final String NOT_PREPARED = "26000";

    private static final String NAME_PREFIX = "camel_pgmq_";
    private static final String PARAMETER = "?::integer";
    // names by statement text: every read asks for its name, and the texts are few (a queue's read statements for its
    // read mode, batch bound and indexes), so each is hashed once
    private static final Map<String, String> NAMES = new ConcurrentHashMap<>();

    private SessionPreparedSql() {
    }

    /**
     * Whether {@code sql} can go this way: every parameter an integer ({@code ?::integer}), and no dollar sign that
     * could end the quotes {@link #prepare} puts it in.
     */
    static boolean applies(String sql) {
        int parameters = count(sql, "?");
        return parameters > 0 && parameters == count(sql, PARAMETER) && sql.indexOf('$') < 0;
    }

    /** The statement's name in the server session: the same for the same text, in every session. */
    static String name(String sql) {
        return NAMES.computeIfAbsent(sql, SessionPreparedSql::hash);
    }

    private static String hash(String sql) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8));
            return NAME_PREFIX + HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** Runs the prepared statement with {@code arguments}, one per parameter, in order. */
    static String execute(String sql, int[] arguments) {
        StringBuilder call = new StringBuilder("EXECUTE ").append(name(sql)).append('(');
        for (int i = 0; i < arguments.length; i++) {
            call.append(i == 0 ? "" : ", ").append(arguments[i]);
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
        int parameters = count(sql, PARAMETER);
        StringBuilder body = new StringBuilder("PREPARE ").append(name(sql)).append('(');
        for (int i = 0; i < parameters; i++) {
            body.append(i == 0 ? "" : ", ").append("integer");
        }
        body.append(") AS ");
        int n = 0;
        int from = 0;
        for (int at = sql.indexOf(PARAMETER); at >= 0; at = sql.indexOf(PARAMETER, from)) {
            body.append(sql, from, at).append('$').append(++n).append("::integer");
            from = at + PARAMETER.length();
        }
        body.append(sql, from, sql.length());
        // applies() made sure no dollar sign is in the statement: these quotes cannot end early. Two clients that
        // both found the statement missing in one server session may both get here, one after the other (a pooler
        // serves one transaction at a time per session): the second finds it prepared.
        return "DO $camel_pgmq$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements WHERE name = '"
               + name(sql) + "') THEN EXECUTE $camel_pgmq_sql$" + body + "$camel_pgmq_sql$; END IF; END $camel_pgmq$";
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }
}
