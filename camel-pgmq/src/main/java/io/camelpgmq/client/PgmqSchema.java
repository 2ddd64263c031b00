package io.camelpgmq.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs camel-pgmq's pgmq-compatible SQL: schema {@code pgmq} with pgmq's tables and functions, for PostgreSQL
 * servers where the pgmq extension cannot be installed (most managed services). The script is idempotent: applying
 * it again upgrades the functions and keeps every queue.
 * <p>
 * It never touches a database that has the real extension: there {@link #install} changes nothing and reports
 * {@link Flavour#EXTENSION}.
 * <p>
 * From the command line: {@code java -cp camel-pgmq.jar:postgresql.jar io.camelpgmq.client.PgmqSchema <jdbc-url>
 * [user] [password]}, or {@code psql -f pgmq-compatible.sql} with the file from this jar ({@link #RESOURCE}).
 */
public final class PgmqSchema {

    /** Where the SQL script is in the jar. */
    public static final String RESOURCE = "/io/camelpgmq/client/pgmq-compatible.sql";

    private static final Logger LOG = LoggerFactory.getLogger(PgmqSchema.class);

    // one installer at a time per database, so that parallel test JVMs or application nodes don't race
    private static final long INSTALL_LOCK_KEY = 0x70676d71_636f6d70L;
    private static final String LOCK = "SELECT pg_advisory_xact_lock(" + INSTALL_LOCK_KEY + ")";
    private static final String DETECT = "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'pgmq'),"
                                         + " to_regclass('pgmq.meta') IS NOT NULL,"
                                         + " (SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace"
                                         + " WHERE nspname = 'pgmq')";

    /** What provides pgmq in a database. */
    public enum Flavour {
        /** The pgmq extension ({@code CREATE EXTENSION pgmq}). */
        EXTENSION,
        /** camel-pgmq's compatible SQL. */
        COMPATIBLE_SQL,
        /** Neither. */
        NONE
    }

    /**
     * What provides pgmq, with its version.
     *
     * @param flavour the kind
     * @param version the extension's version, or the compatible SQL's schema comment; {@code null} for NONE
     */
    public record Installation(Flavour flavour, String version) {
        @Override
        public String toString() {
            return switch (flavour) {
                case EXTENSION -> "pgmq extension " + version;
                case COMPATIBLE_SQL -> version == null ? "pgmq-compatible SQL" : version;
                case NONE -> "no pgmq";
            };
        }
    }

    private PgmqSchema() {
    }

    /** The compatible SQL script. */
    public static String sql() {
        try (InputStream in = PgmqSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The resource " + RESOURCE + " is missing from the classpath.");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Tells what provides pgmq in the database. */
    public static Installation detect(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return detect(c);
        } catch (SQLException e) {
            throw new PgmqException("Cannot tell whether pgmq is installed: " + e.getMessage(), e);
        }
    }

    /**
     * Installs (or upgrades) the compatible SQL, unless the pgmq extension is installed.
     *
     * @return what provides pgmq afterwards
     */
    public static Installation install(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return install(c);
        } catch (SQLException e) {
            throw new PgmqException("Installing the pgmq-compatible SQL failed: " + e.getMessage(), e);
        }
    }

    /** Installs on a connection, in a transaction of its own; the caller keeps the connection. */
    public static Installation install(Connection c) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute(LOCK);
            Installation before = detect(c);
            if (before.flavour() == Flavour.EXTENSION) {
                c.rollback();
                LOG.info("The pgmq extension {} is installed; the compatible SQL is not applied over it.",
                        before.version());
                return before;
            }
            st.execute(sql());
            c.commit();
            Installation after = detect(c);
            LOG.info("Installed {} (was: {}).", after, before);
            return after;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private static Installation detect(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(DETECT)) {
            rs.next();
            String extension = rs.getString(1);
            if (extension != null) {
                return new Installation(Flavour.EXTENSION, extension);
            }
            if (rs.getBoolean(2)) {
                return new Installation(Flavour.COMPATIBLE_SQL, rs.getString(3));
            }
            return new Installation(Flavour.NONE, null);
        }
    }

    /** Installs the compatible SQL into the database named by a JDBC URL. */
    public static void main(String[] args) throws SQLException {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: PgmqSchema <jdbc-url> [user] [password]");
            System.exit(2);
        }
        try (Connection c = args.length == 1
                ? DriverManager.getConnection(args[0])
                : DriverManager.getConnection(args[0], args[1], args.length > 2 ? args[2] : null)) {
            Installation result = install(c);
            System.out.println(result.flavour() == Flavour.EXTENSION
                    ? "The pgmq extension " + result.version() + " is installed: nothing to do."
                    : "Installed: " + result + ".");
        }
    }
}
