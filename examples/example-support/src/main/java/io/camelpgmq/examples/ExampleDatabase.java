package io.camelpgmq.examples;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL an example runs on: the one named by {@code PGMQ_JDBC_URL} (environment variable or system property,
 * with optional {@code PGMQ_JDBC_USER} and {@code PGMQ_JDBC_PASSWORD}), else an embedded one that starts from Maven
 * artifacts and stops with {@link #close()}. Either way a real PostgreSQL.
 * <p>
 * It gives the database as a JDBC URL with user and password (for the JDBC-based components), as host, port and
 * database name (for components such as camel-pgevent that take no JDBC URL), and as a small connection pool.
 */
public final class ExampleDatabase implements AutoCloseable {

    /** The environment variables (or system properties) that name your own PostgreSQL. */
    public static final String URL_SETTING = "PGMQ_JDBC_URL";
    public static final String USER_SETTING = "PGMQ_JDBC_USER";
    public static final String PASSWORD_SETTING = "PGMQ_JDBC_PASSWORD";

    private static final Logger LOG = LoggerFactory.getLogger(ExampleDatabase.class);

    /** The JDBC URL, as given (user and password may be in it, or in the fields below). */
    public final String url;
    /** The user, or {@code null} to leave it to the URL or the driver's default. */
    public final String username;
    /** The password, or {@code null}. */
    public final String password;
    /** The first host the URL names. */
    public final String host;
    /** The port on that host. */
    public final int port;
    /** The database name. */
    public final String database;
    /** Where the example runs, in words (no password). */
    public final String description;

    private final EmbeddedPostgres embedded;
    private volatile HikariDataSource pool;

    private ExampleDatabase(String url, String username, String password, String description,
                            EmbeddedPostgres embedded) {
        Properties parsed = Driver.parseURL(url, null);
        if (parsed == null) {
            throw new IllegalArgumentException("Not a PostgreSQL JDBC URL: " + url
                                               + " (expected jdbc:postgresql://host:port/database)");
        }
        this.url = url;
        this.username = username != null ? username : parsed.getProperty("user");
        this.password = password != null ? password : parsed.getProperty("password");
        this.host = parsed.getProperty("PGHOST", "localhost").split(",")[0];
        this.port = Integer.parseInt(parsed.getProperty("PGPORT", "5432").split(",")[0]);
        this.database = parsed.getProperty("PGDBNAME");
        this.description = description != null ? description
                : "your PostgreSQL at " + host + ":" + port + "/" + database
                  + (this.username != null ? " as " + this.username : "");
        this.embedded = embedded;
    }

    /**
     * The database named by {@code PGMQ_JDBC_URL}, or else a new embedded one. Logs in one line which it is.
     */
    public static ExampleDatabase start() throws IOException {
        String url = setting(URL_SETTING);
        ExampleDatabase db;
        if (url != null) {
            db = new ExampleDatabase(url, setting(USER_SETTING), setting(PASSWORD_SETTING), null, null);
        } else {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            db = new ExampleDatabase("jdbc:postgresql://localhost:" + pg.getPort() + "/postgres", "postgres", null,
                    "an embedded PostgreSQL on localhost:" + pg.getPort() + " (set " + URL_SETTING
                                                                             + " to use yours)",
                    pg);
        }
        LOG.info("Database: {}", db.description);
        return db;
    }

    /**
     * A PostgreSQL that someone else runs and stops (a test's, from camel-pgmq-test): {@link #close()} closes only the
     * pool. {@code username} and {@code password} may be {@code null} when the URL has them.
     */
    public static ExampleDatabase of(String url, String username, String password) {
        return new ExampleDatabase(url, username, password, null, null);
    }

    /** Whether this is the embedded PostgreSQL (which {@link #close()} stops). */
    public boolean isEmbedded() {
        return embedded != null;
    }

    /** A small pool of connections (HikariCP), made on first use and closed by {@link #close()}. */
    public DataSource dataSource() {
        HikariDataSource ds = pool;
        if (ds == null) {
            synchronized (this) {
                ds = pool;
                if (ds == null) {
                    HikariConfig config = new HikariConfig();
                    config.setPoolName("example-db");
                    config.setJdbcUrl(url);
                    config.setUsername(username);
                    config.setPassword(password);
                    config.setMaximumPoolSize(5);
                    config.setMinimumIdle(1);
                    ds = new HikariDataSource(config);
                    pool = ds;
                }
            }
        }
        return ds;
    }

    /** A pooled connection; closing it gives it back. */
    public Connection connect() throws SQLException {
        return dataSource().getConnection();
    }

    /**
     * The database as a camel-pgevent endpoint for {@code channel}: {@code pgevent://host:port/database/channel},
     * with user and password as options (camel-pgevent takes no JDBC URL).
     */
    public String pgeventUri(String channel) {
        StringBuilder uri = new StringBuilder("pgevent://").append(host).append(':').append(port).append('/')
                .append(database).append('/').append(channel)
                .append("?user=").append(encode(username == null ? "postgres" : username));
        if (password != null) {
            uri.append("&pass=RAW(").append(password).append(')');
        }
        return uri.toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String setting(String name) {
        String value = System.getProperty(name, System.getenv(name));
        return value == null || value.isBlank() ? null : value;
    }

    /** Closes the pool and stops the embedded PostgreSQL (yours is left running). */
    @Override
    public void close() throws IOException {
        HikariDataSource ds = pool;
        if (ds != null) {
            ds.close();
        }
        if (embedded != null) {
            embedded.close();
        }
    }
}
