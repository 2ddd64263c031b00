package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

import io.camelpgmq.test.PgmqTestDatabase;

/**
 * The outage a consumer meets during a failover, made on the test database: every other backend terminated twice,
 * then the database read-only for new sessions (every session new) for a while, as while a standby is promoted, then
 * writable again with every session ended once more.
 */
final class DatabaseOutage {

    private DatabaseOutage() {
    }

    static void terminateBackendsAndGoReadOnly(PgmqTestDatabase db, Duration readOnly) throws Exception {
        try (Connection admin = adminConnection(db)) {
            terminateOthers(admin);
            Thread.sleep(300);
            terminateOthers(admin);
            String database = databaseName(admin);
            execute(admin, "ALTER DATABASE " + database + " SET default_transaction_read_only = on");
            terminateOthers(admin);
            try {
                Thread.sleep(readOnly.toMillis());
            } finally {
                execute(admin, "ALTER DATABASE " + database + " RESET default_transaction_read_only");
                terminateOthers(admin);
            }
            Thread.sleep(300);
            terminateOthers(admin);
        }
    }

    /** A connection of its own (not the pool's, whose sessions it ends) that can turn read-only off again. */
    private static Connection adminConnection(PgmqTestDatabase db) throws SQLException {
        Properties props = new Properties();
        if (db.username() != null) {
            props.setProperty("user", db.username());
        }
        if (db.password() != null) {
            props.setProperty("password", db.password());
        }
        Connection c = DriverManager.getConnection(db.jdbcUrl(), props);
        execute(c, "SET default_transaction_read_only = off");
        return c;
    }

    private static String databaseName(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); var rs = st.executeQuery("SELECT quote_ident(current_database())")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void terminateOthers(Connection c) throws SQLException {
        execute(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                   + " AND pid <> pg_backend_pid()");
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
