package io.camelpgmq.examples.liveorders;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import io.camelpgmq.examples.ExampleDatabase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without a browser: the example works in a table of its own and drops it, leaving a table named orders alone; and it
 * stops cleanly, the updater first, so that the listener hears every change before it stops (a notification that
 * reached a stopping listener was refused with a RejectedExecutionException in the log).
 */
class LiveOrdersExampleTest {

    @Test
    void ownTableDroppedOthersLeftAloneAndEveryChangeHeardBeforeStopping() throws Exception {
        try (ExampleDatabase db = ExampleDatabase.start(); Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            st.execute("INSERT INTO orders VALUES (42)");
            LiveOrdersExample app = new LiveOrdersExample(db, 0, true, 0);
            app.start();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (app.updatedAndHeard()[0] < 3) {
                assertTrue(System.nanoTime() < deadline, "the updater changed orders");
                Thread.sleep(50);
            }
            app.close();
            long[] counts = app.updatedAndHeard();
            assertEquals(counts[0], counts[1], "every change was heard before the listener stopped");
            try (ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM orders WHERE id = 42),"
                                                + " (SELECT count(*) FROM pg_tables WHERE tablename LIKE 'live\\_orders\\_%')")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "their table and row are untouched");
                assertEquals(0, rs.getInt(2), "the example dropped its own table");
            }
        }
    }
}
