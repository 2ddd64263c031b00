package io.camelpgmq.test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.camelpgmq.client.Secrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A database of this JVM's own on a server the user names by URL: the tests run in it, so they never touch the
 * user's database (which only serves to create and drop this one) nor see another run's sessions and queues.
 * The name holds the creation time, so a later run drops what a killed JVM left behind.
 */
final class ScratchDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(ScratchDatabase.class);
    /** {@code jdbc:postgresql://hosts[/database][?query]}: the parts a database name goes between. */
    private static final Pattern HOST_URL = Pattern.compile("^(jdbc:postgresql://[^/?]*)(?:/([^?]*))?(\\?.*)?$");
    private static final String PREFIX = "pgmq_test_";
    private static final long STALE_SECONDS = 24 * 3600;

    private final String adminUrl;
    private final String username;
    private final String password;
    private final String name;

    private ScratchDatabase(String adminUrl, String username, String password, String name) {
        this.adminUrl = adminUrl;
        this.username = username;
        this.password = password;
        this.name = name;
    }

    /** Creates a new, empty database on the server of {@code adminUrl}, connecting to {@code adminUrl} to do so. */
    static ScratchDatabase create(String adminUrl, String username, String password) {
        urlOf(adminUrl, "check");
        String name = PREFIX + System.currentTimeMillis() / 1000 + "_" + ProcessHandle.current().pid() + "_"
                      + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
        ScratchDatabase db = new ScratchDatabase(adminUrl, username, password, name);
        try (Connection c = db.adminConnection(); Statement st = c.createStatement()) {
            db.dropStale(st);
            // template0: a clean database even where template1 holds pgmq or other objects
            st.execute("CREATE DATABASE " + name + " TEMPLATE template0");
        } catch (SQLException e) {
            throw new IllegalStateException("The tests create a database of their own on the server of "
                                            + Secrets.mask(adminUrl) + " and could not: " + e.getMessage()
                                            + ". Give PGMQ_TEST_JDBC_URL a role with CREATEDB.", e);
        }
        return db;
    }

    /**
     * The URL of database {@code database} on the same server, with the query string of {@code url} (user, password,
     * ssl and every other parameter kept).
     */
    static String urlOf(String url, String database) {
        Matcher m = HOST_URL.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException("PGMQ_TEST_JDBC_URL must have the form"
                                               + " jdbc:postgresql://host:port/database?user=...: "
                                               + Secrets.mask(url));
        }
        return m.group(1) + "/" + database + (m.group(3) == null ? "" : m.group(3));
    }

    String name() {
        return name;
    }

    String jdbcUrl() {
        return urlOf(adminUrl, name);
    }

    /** Drops the database, ending any session still in it (the JVM is exiting). */
    void drop() {
        try (Connection c = adminConnection(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            LOG.info("Dropped test database {}", name);
        } catch (SQLException e) {
            LOG.warn("Could not drop test database {}: {}", name, e.getMessage());
        }
    }

    /** Drops test databases older than a day that nobody uses: left behind by a JVM that was killed. */
    private void dropStale(Statement st) throws SQLException {
        long now = System.currentTimeMillis() / 1000;
        List<String> stale = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'pgmq\\_test\\_%'")) {
            while (rs.next()) {
                String[] parts = rs.getString(1).substring(PREFIX.length()).split("_");
                if (parts.length == 3 && parts[0].matches("\\d{1,12}")
                    && now - Long.parseLong(parts[0]) > STALE_SECONDS) {
                    stale.add(rs.getString(1));
                }
            }
        }
        for (String db : stale) {
            try {
                // quoted: the name comes from the server; fails, and the database stays, while anyone is connected
                st.execute("DROP DATABASE IF EXISTS \"" + db.replace("\"", "\"\"") + '"');
                LOG.info("Dropped stale test database {}", db);
            } catch (SQLException e) {
                LOG.debug("Stale test database {} stays: {}", db, e.getMessage());
            }
        }
    }

    private Connection adminConnection() throws SQLException {
        Properties props = new Properties();
        if (username != null) {
            props.setProperty("user", username);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection(adminUrl, props);
    }
}
