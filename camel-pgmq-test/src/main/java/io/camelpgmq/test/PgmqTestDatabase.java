package io.camelpgmq.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.camelpgmq.client.PgmqSchema;
import io.camelpgmq.client.Secrets;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL with pgmq for every test in this JVM, chosen once, in this order:
 * <ol>
 * <li>{@code PGMQ_TEST_JDBC_URL} (optionally {@code PGMQ_TEST_JDBC_USER} and {@code PGMQ_TEST_JDBC_PASSWORD}): that
 * server, in a database of this JVM's own ({@code pgmq_test_<time>_<pid>_<random>}, created through the URL's database
 * and dropped at exit, the URL's query string kept); {@code CREATE EXTENSION pgmq} when the extension is available
 * there, else the compatible SQL;</li>
 * <li>a Docker engine: Testcontainers with the official pgmq image ({@code PGMQ_TEST_IMAGE} to choose another);</li>
 * <li>otherwise an embedded PostgreSQL (zonky), with the compatible SQL.</li>
 * </ol>
 * Tests share the database, so each test works in queues of its own ({@link #uniqueQueueName}).
 */
public final class PgmqTestDatabase {

    public static final String URL_ENV = "PGMQ_TEST_JDBC_URL";
    private static final String DEFAULT_IMAGE = "ghcr.io/pgmq/pg17-pgmq:v1.13.0";
    private static final Logger LOG = LoggerFactory.getLogger(PgmqTestDatabase.class);
    private static final AtomicInteger QUEUE_COUNTER = new AtomicInteger();
    private static volatile PgmqTestDatabase instance;

    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final String server;
    private final HikariDataSource dataSource;
    private final PgmqSchema.Installation installation;
    private final EmbeddedPostgres embedded;
    private final ScratchDatabase scratch;

    private PgmqTestDatabase(String jdbcUrl, String username, String password, String server,
                             EmbeddedPostgres embedded, ScratchDatabase scratch) {
        this.scratch = scratch;
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
        this.server = server;
        this.embedded = embedded;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(username);
        config.setPassword(password);
        config.setMaximumPoolSize(24);
        config.setPoolName("pgmq-test");
        this.dataSource = new HikariDataSource(config);
        this.installation = installPgmq(dataSource);
    }

    /** The database of this JVM, started on first use. */
    public static PgmqTestDatabase get() {
        PgmqTestDatabase db = instance;
        if (db == null) {
            synchronized (PgmqTestDatabase.class) {
                db = instance;
                if (db == null) {
                    db = start();
                    LOG.info("Tests use {} with {}", db.server, db.installation);
                    instance = db;
                    PgmqTestDatabase started = db;
                    Runtime.getRuntime().addShutdownHook(new Thread(started::close, "pgmq-test-db-stop"));
                }
            }
        }
        return db;
    }

    private static PgmqTestDatabase start() {
        String url = System.getenv(URL_ENV);
        if (url != null && !url.isBlank()) {
            String user = System.getenv("PGMQ_TEST_JDBC_USER");
            String password = System.getenv("PGMQ_TEST_JDBC_PASSWORD");
            ScratchDatabase scratch = ScratchDatabase.create(url, user, password);
            try {
                return new PgmqTestDatabase(scratch.jdbcUrl(), user, password, "database " + scratch.name()
                        + " on the external PostgreSQL of " + Secrets.mask(url), null, scratch);
            } catch (RuntimeException e) {
                scratch.drop();
                throw e;
            }
        }
        PgmqTestDatabase docker = DockerDatabase.startIfAvailable(
                System.getenv().getOrDefault("PGMQ_TEST_IMAGE", DEFAULT_IMAGE));
        if (docker != null) {
            return docker;
        }
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            String embeddedUrl = pg.getJdbcUrl("postgres", "postgres");
            return new PgmqTestDatabase(embeddedUrl, "postgres", null, "embedded PostgreSQL on port " + pg.getPort(),
                    pg, null);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded PostgreSQL", e);
        }
    }

    static PgmqTestDatabase forServer(String url, String user, String password, String server) {
        return new PgmqTestDatabase(url, user, password, server, null, null);
    }

    private static PgmqSchema.Installation installPgmq(DataSource ds) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            boolean available;
            try (var rs = st.executeQuery("SELECT count(*) FROM pg_available_extensions WHERE name = 'pgmq'")) {
                rs.next();
                available = rs.getInt(1) > 0;
            }
            if (available) {
                st.execute("CREATE EXTENSION IF NOT EXISTS pgmq");
                return PgmqSchema.detect(ds);
            }
            return PgmqSchema.install(c);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot prepare pgmq in the test database: " + e.getMessage(), e);
        }
    }

    /** A pooled DataSource for the test database (shared: do not close it). */
    public DataSource dataSource() {
        return dataSource;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    /**
     * The URL of another database on the test server, with this one's query string (user, password, ssl...): for
     * tests that create a scratch database of their own (and drop it).
     */
    public String jdbcUrl(String database) {
        return ScratchDatabase.urlOf(jdbcUrl, database);
    }

    /**
     * The URL without the user and password parameters of its query string (every other parameter kept): for tests
     * that connect as another role, since pgjdbc lets a URL's user win over the one given as a property.
     */
    public String jdbcUrlWithoutCredentials() {
        return withoutCredentials(jdbcUrl);
    }

    /** {@link #jdbcUrl(String)} without the user and password parameters, as {@link #jdbcUrlWithoutCredentials()}. */
    public String jdbcUrlWithoutCredentials(String database) {
        return withoutCredentials(jdbcUrl(database));
    }

    private static String withoutCredentials(String url) {
        return url.replaceAll("(?i)(?<=[?&])(user|password)=[^&]*(&|$)", "").replaceFirst("[?&]$", "");
    }

    /** Connection properties with the user and password the tests were given outside the URL, if any. */
    public java.util.Properties credentials() {
        java.util.Properties props = new java.util.Properties();
        if (username != null) {
            props.setProperty("user", username);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        return props;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** What provides pgmq: the extension or the compatible SQL. */
    public PgmqSchema.Installation installation() {
        return installation;
    }

    /** Whether the real pgmq extension is under test (rather than the compatible SQL). */
    public boolean isRealExtension() {
        return installation.flavour() == PgmqSchema.Flavour.EXTENSION;
    }

    /** The embedded server, or {@code null} when tests run against another one. */
    public EmbeddedPostgres embedded() {
        return embedded;
    }

    /** The first column of the first row of a query, as a long. */
    public long queryLong(String sql) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** Runs a statement in auto-commit. */
    public void execute(String sql) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** A queue name no other test in this or a parallel run uses: {@code prefix_<counter>_<random>}. */
    public static String uniqueQueueName(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String suffix = "_" + QUEUE_COUNTER.incrementAndGet() + "_" + Long.toString(System.nanoTime() % 1_000_000L, 36);
        int room = 40 - suffix.length();
        return (clean.length() > room ? clean.substring(0, room) : clean) + suffix;
    }

    private void close() {
        dataSource.close();
        if (scratch != null) {
            scratch.drop();
        }
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                LOG.warn("Stopping the embedded PostgreSQL failed", e);
            }
        }
    }
}
