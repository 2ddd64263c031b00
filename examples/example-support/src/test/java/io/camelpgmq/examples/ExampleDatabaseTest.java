package io.camelpgmq.examples;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The embedded PostgreSQL by default; the one PGMQ_JDBC_URL names when it is set (here: the embedded one again). */
class ExampleDatabaseTest {

    private static String query(ExampleDatabase db, String sql) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void embeddedByDefaultAndYoursWhenNamed() throws Exception {
        String before = System.getProperty(ExampleDatabase.URL_SETTING);
        System.clearProperty(ExampleDatabase.URL_SETTING);
        try (ExampleDatabase embedded = ExampleDatabase.start()) {
            if (System.getenv(ExampleDatabase.URL_SETTING) != null) {
                assertFalse(embedded.isEmbedded(), "the environment names a PostgreSQL");
                return;
            }
            assertTrue(embedded.isEmbedded());
            assertEquals("localhost", embedded.host);
            assertTrue(embedded.port > 0);
            assertEquals("postgres", embedded.database);
            assertEquals("postgres", embedded.username);
            assertEquals("postgres", query(embedded, "SELECT current_database()"));
            assertEquals("pgevent://localhost:" + embedded.port + "/postgres/some_channel?user=postgres",
                    embedded.pgeventUri("some_channel"));

            // "your" PostgreSQL, named by URL with the user in it
            System.setProperty(ExampleDatabase.URL_SETTING,
                    "jdbc:postgresql://127.0.0.1:" + embedded.port + "/postgres?user=postgres");
            try (ExampleDatabase yours = ExampleDatabase.start()) {
                assertFalse(yours.isEmbedded());
                assertEquals("127.0.0.1", yours.host);
                assertEquals(embedded.port, yours.port);
                assertEquals("postgres", yours.database);
                assertEquals("postgres", yours.username);
                assertEquals("your PostgreSQL at 127.0.0.1:" + embedded.port + "/postgres as postgres",
                        yours.description);
                assertEquals("1", query(yours, "SELECT 1"));
            }
            // closing "yours" left the server running
            assertEquals("1", query(embedded, "SELECT 1"));

            System.setProperty(ExampleDatabase.URL_SETTING, "jdbc:mysql://localhost/test");
            assertThrows(IllegalArgumentException.class, ExampleDatabase::start);
        } finally {
            if (before == null) {
                System.clearProperty(ExampleDatabase.URL_SETTING);
            } else {
                System.setProperty(ExampleDatabase.URL_SETTING, before);
            }
        }
    }
}
