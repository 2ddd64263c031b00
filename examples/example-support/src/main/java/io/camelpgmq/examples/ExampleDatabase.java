package io.camelpgmq.examples;

import java.io.IOException;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The PostgreSQL the example runs on: the one named by {@code PGMQ_JDBC_URL} (environment or system property, with
 * optional {@code PGMQ_JDBC_USER} and {@code PGMQ_JDBC_PASSWORD}), else an embedded one started from Maven artifacts.
 */
public final class ExampleDatabase implements AutoCloseable {

    /** The JDBC URL, without user and password. */
    public final String url;
    public final String username;
    public final String password;
    /** Where the example runs, in words. */
    public final String description;
    private final EmbeddedPostgres embedded;

    private ExampleDatabase(String url, String username, String password, String description,
                            EmbeddedPostgres embedded) {
        this.url = url;
        this.username = username;
        this.password = password;
        this.description = description;
        this.embedded = embedded;
    }

    /** Starts (or names) the database. */
    public static ExampleDatabase start() throws IOException {
        String url = setting("PGMQ_JDBC_URL");
        if (url != null) {
            return new ExampleDatabase(url, setting("PGMQ_JDBC_USER"), setting("PGMQ_JDBC_PASSWORD"),
                    "your PostgreSQL at " + url, null);
        }
        EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        return new ExampleDatabase("jdbc:postgresql://localhost:" + pg.getPort() + "/postgres", "postgres", null,
                "an embedded PostgreSQL on port " + pg.getPort() + " (set PGMQ_JDBC_URL to use yours)", pg);
    }

    /** A connection, for the example's own tables. */
    public java.sql.Connection connect() throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(url, username, password);
    }

    /**
     * The database as a camel-pgevent URI ({@code pgevent://host:port/database/channel}), which takes no JDBC URL.
     */
    public String pgeventUri(String channel) {
        java.net.URI uri = java.net.URI.create(url.substring("jdbc:".length()));
        String database = uri.getPath().substring(1);
        int query = database.indexOf('?');
        if (query >= 0) {
            database = database.substring(0, query);
        }
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        return "pgevent://" + uri.getHost() + ":" + port + "/" + database + "/" + channel + "?user="
               + (username == null ? "postgres" : username) + (password == null ? "" : "&pass=" + password);
    }

    private static String setting(String name) {
        String value = System.getProperty(name, System.getenv(name));
        return value == null || value.isBlank() ? null : value;
    }

    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }
}
