package io.camelpgmq.client;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.postgresql.PGConnection;
import org.postgresql.jdbc.PreferQueryMode;

/**
 * What a path to PostgreSQL keeps between transactions.
 * <p>
 * Behind a transaction pooler (PgBouncer, Supavisor, RDS Proxy in transaction mode) each transaction of a client
 * connection may run on another server session, and a server session serves many clients in turn. Whatever a session
 * keeps then belongs to whoever runs on it next; above all pgjdbc's server-side prepared statements (named
 * {@code S_1}, {@code S_2}... per client connection after {@code prepareThreshold} executions): another client's
 * {@code S_9} fails with {@code prepared statement "S_9" already exists}, or runs another statement with this client's
 * parameters.
 * <p>
 * {@link #probe} tells a transaction pooler from a session of one's own by the backend pid, which a session keeps for
 * its whole life: two client connections that see the same pid share server sessions, and a connection whose pid
 * changes between two auto-commit statements is moved between them. Neither can happen on a direct connection, nor in
 * session pooling (a client keeps its server session until it disconnects). The probe runs plain statements only, so
 * it never leaves a prepared statement behind.
 */
public final class PgmqSessions {

    private static final String BACKEND_PID = "SELECT pg_backend_pid()";
    /** Statements per connection: enough for an idle pooler to hand one of them another session. */
    private static final int ROUNDS = 3;

    private PgmqSessions() {
    }

    /**
     * What {@link #probe} found.
     *
     * @param transactionPooled whether the connections share server sessions
     * @param evidence          what showed it (backend pids), or what was seen when nothing did
     */
    public record Probe(boolean transactionPooled, String evidence) {
    }

    /**
     * Runs {@code SELECT pg_backend_pid()} in auto-commit on both connections, alternately, a few times. Both must be
     * open at once and come from the same DataSource; {@code second} may be null (then only a change of pid on
     * {@code first} can show a pooler, which an idle pooler may not show). The connections' auto-commit is restored.
     */
    public static Probe probe(Connection first, Connection second) throws SQLException {
        boolean firstAutoCommit = first.getAutoCommit();
        boolean secondAutoCommit = second == null || second.getAutoCommit();
        try {
            first.setAutoCommit(true);
            if (second != null) {
                second.setAutoCommit(true);
            }
            long firstPid = backendPid(first);
            long secondPid = second == null ? -1 : backendPid(second);
            for (int round = 0; round < ROUNDS; round++) {
                if (firstPid == secondPid) {
                    return new Probe(true, "two connections ran on the same server session (backend pid " + firstPid
                                           + ")");
                }
                long again = backendPid(first);
                if (again != firstPid) {
                    return new Probe(true, "one connection's server session changed between two statements (backend"
                                           + " pid " + firstPid + ", then " + again + ")");
                }
                if (second != null) {
                    long secondAgain = backendPid(second);
                    if (secondAgain != secondPid) {
                        return new Probe(true, "one connection's server session changed between two statements"
                                               + " (backend pid " + secondPid + ", then " + secondAgain + ")");
                    }
                }
            }
            return new Probe(false, "each connection kept its own server session (backend pids " + firstPid
                                    + (second == null ? "" : " and " + secondPid) + ")");
        } finally {
            restoreAutoCommit(first, firstAutoCommit);
            if (second != null) {
                restoreAutoCommit(second, secondAutoCommit);
            }
        }
    }

    /**
     * Whether statements on this connection may become server-side prepared statements: pgjdbc with a
     * {@code prepareThreshold} other than 0 (negative forces them) and a query mode other than {@code simple}. False for
     * a driver other than pgjdbc (it cannot be told).
     */
    public static boolean preparesServerSide(Connection connection) throws SQLException {
        if (!connection.isWrapperFor(PGConnection.class)) {
            return false;
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        return pg.getPrepareThreshold() != 0 && pg.getPreferQueryMode() != PreferQueryMode.SIMPLE;
    }

    /** The connection's pgjdbc {@code prepareThreshold}, or 0 for another driver. */
    public static int prepareThreshold(Connection connection) throws SQLException {
        return connection.isWrapperFor(PGConnection.class) ? connection.unwrap(PGConnection.class).getPrepareThreshold()
                : 0;
    }

    private static long backendPid(Connection c) throws SQLException {
        // a plain Statement: pgjdbc never names (server-prepares) it
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(BACKEND_PID)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void restoreAutoCommit(Connection c, boolean autoCommit) {
        try {
            if (c.getAutoCommit() != autoCommit) {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            // the caller closes the connection; a pool resets it
        }
    }
}
