package io.camelpgmq.examples.cache;

import java.math.BigDecimal;

import io.camelpgmq.examples.ExampleDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On a real PostgreSQL: a NOTIFY evicts; while the listener is down reads are stale; a restarted listener clears the
 * cache and the next read rebuilds; the time-to-live ends staleness on its own.
 */
class CacheInvalidationExampleTest {

    private static ExampleDatabase db;

    @BeforeAll
    static void startDatabase() throws Exception {
        db = ExampleDatabase.start();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        db.close();
    }

    private static void awaitEvicted(ProductCache cache, String key) throws InterruptedException {
        long end = System.currentTimeMillis() + 5000;
        while (cache.isCached(key) && System.currentTimeMillis() < end) {
            Thread.sleep(10);
        }
    }

    @Test
    void usesATableOfItsOwnAndDropsIt() throws Exception {
        try (var c = db.connect(); var st = c.createStatement()) {
            // someone else's table, with the name the example used to drop and re-create
            st.execute("CREATE TABLE products (key text PRIMARY KEY, price numeric)");
            st.execute("INSERT INTO products VALUES ('theirs', 9.99)");
            new CacheInvalidationExample(db, 1000).close();
            try (var rs = st.executeQuery("SELECT (SELECT count(*) FROM products WHERE key = 'theirs'),"
                                          + " (SELECT count(*) FROM pg_tables WHERE tablename LIKE 'products\\_%')")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "their table and row are untouched");
                assertEquals(0, rs.getInt(2), "the example dropped its own table");
            }
            st.execute("DROP TABLE products");
        }
    }

    @Test
    void notifyEvictsReadsAreStaleWhileTheListenerIsDownAndTheNextReadRebuilds() throws Exception {
        try (CacheInvalidationExample ex = new CacheInvalidationExample(db, 60_000)) {
            ProductCache cache = ex.cache();

            assertEquals(new BigDecimal("1.00"), cache.price("apple"));
            assertEquals(new BigDecimal("1.00"), cache.price("apple"));
            assertEquals(1, cache.loads.get(), "the second read came from the cache");

            ex.store().updateAndNotify("apple", new BigDecimal("1.20"));
            awaitEvicted(cache, "apple");
            assertFalse(cache.isCached("apple"), "the NOTIFY evicted the key");
            assertEquals(new BigDecimal("1.20"), cache.price("apple"), "the next read rebuilt it from the table");
            assertEquals(2, cache.loads.get());

            ex.camel().getRouteController().stopRoute(CacheInvalidationExample.LISTENER);
            ex.store().updateAndNotify("apple", new BigDecimal("1.50"));
            Thread.sleep(500);
            assertTrue(cache.isCached("apple"), "nobody evicted it");
            assertEquals(new BigDecimal("1.20"), cache.price("apple"), "stale while nobody listens");
            assertEquals(new BigDecimal("1.50"), ex.store().price("apple"), "while the table has the new price");

            ex.camel().getRouteController().startRoute(CacheInvalidationExample.LISTENER);
            assertFalse(cache.isCached("apple"), "a restarted listener clears the cache");
            assertEquals(new BigDecimal("1.50"), cache.price("apple"), "the next read rebuilds the entry");
            assertEquals(3, cache.loads.get());

            // and the restarted listener evicts on NOTIFY again
            ex.store().updateAndNotify("apple", new BigDecimal("1.10"));
            awaitEvicted(cache, "apple");
            assertEquals(new BigDecimal("1.10"), cache.price("apple"));
        }
    }

    @Test
    void theTimeToLiveEndsStalenessWhenANotificationWasMissed() throws Exception {
        try (CacheInvalidationExample ex = new CacheInvalidationExample(db, 1000)) {
            ex.camel().getRouteController().stopRoute(CacheInvalidationExample.LISTENER);
            ProductCache cache = ex.cache();
            assertEquals(new BigDecimal("7.90"), cache.price("cheese"));
            ex.store().updateAndNotify("cheese", new BigDecimal("8.10"));
            assertEquals(new BigDecimal("7.90"), cache.price("cheese"), "stale");
            Thread.sleep(1100);
            assertEquals(new BigDecimal("8.10"), cache.price("cheese"), "fresh once the time-to-live ran out");
        }
    }
}
