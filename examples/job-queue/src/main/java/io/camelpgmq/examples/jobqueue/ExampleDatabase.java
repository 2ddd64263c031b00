package io.camelpgmq.examples.jobqueue;

import java.io.IOException;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The PostgreSQL the example runs on: the one named by {@code PGMQ_JDBC_URL} (environment or system property, with
 * optional {@code PGMQ_JDBC_USER} and {@code PGMQ_JDBC_PASSWORD}), else an embedded one started from Maven artifacts.
 */
final class ExampleDatabase implements AutoCloseable {

    final String url;
    final String username;
    final String password;
    final String description;
    private final EmbeddedPostgres embedded;

    private ExampleDatabase(String url, String username, String password, String description,
                            EmbeddedPostgres embedded) {
        this.url = url;
        this.username = username;
        this.password = password;
        this.description = description;
        this.embedded = embedded;
    }

    static ExampleDatabase start() throws IOException {
        String url = setting("PGMQ_JDBC_URL");
        if (url != null) {
            return new ExampleDatabase(url, setting("PGMQ_JDBC_USER"), setting("PGMQ_JDBC_PASSWORD"),
                    "your PostgreSQL at " + url, null);
        }
        EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        return new ExampleDatabase("jdbc:postgresql://localhost:" + pg.getPort() + "/postgres", "postgres", null,
                "an embedded PostgreSQL on port " + pg.getPort() + " (set PGMQ_JDBC_URL to use yours)", pg);
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
