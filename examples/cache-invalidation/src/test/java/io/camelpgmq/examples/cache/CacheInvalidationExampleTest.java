package io.camelpgmq.examples.cache;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A NOTIFY evicts; with the listener down reads are stale until the TTL; a restarted listener clears the cache. */
class CacheInvalidationExampleTest {

    private static void awaitEvicted(ProductCache cache, String key) throws InterruptedException {
        long end = System.currentTimeMillis() + 5000;
        while (cache.isCached(key) && System.currentTimeMillis() < end) {
            Thread.sleep(20);
        }
    }

    @Test
    void notifyEvictsStaleWhileDownRebuiltAfter() throws Exception {
        try (CacheInvalidationExample ex = new CacheInvalidationExample(3000)) {
            ProductCache cache = ex.cache();
            // the pgevent listener connects asynchronously: wait until a notification demonstrably evicts
            long end = System.currentTimeMillis() + 10_000;
            do {
                cache.price("bread");
                ex.store().updateAndNotify("bread", new BigDecimal("2.50"));
                awaitEvicted(cache, "bread");
            } while (cache.isCached("bread") && System.currentTimeMillis() < end);
            assertFalse(cache.isCached("bread"), "the listener evicts on NOTIFY");

            assertEquals(new BigDecimal("1.00"), cache.price("apple"));
            ex.store().updateAndNotify("apple", new BigDecimal("1.20"));
            awaitEvicted(cache, "apple");
            assertEquals(new BigDecimal("1.20"), cache.price("apple"), "rebuilt from the table after eviction");

            ex.camel().getRouteController().stopRoute("evictions");
            ex.store().updateAndNotify("apple", new BigDecimal("1.50"));
            Thread.sleep(500);
            assertEquals(new BigDecimal("1.20"), cache.price("apple"), "stale while nobody listens");

            ex.camel().getRouteController().startRoute("evictions");
            assertFalse(cache.isCached("apple"), "a restarted listener clears the cache");
            assertEquals(new BigDecimal("1.50"), cache.price("apple"), "the next read rebuilds the entry");
            assertTrue(cache.loads.get() >= 4, "every rebuild went to the table");
        }
    }

    @Test
    void timeToLiveEndsStalenessWhenANotificationWasMissed() throws Exception {
        try (CacheInvalidationExample ex = new CacheInvalidationExample(1000)) {
            ex.camel().getRouteController().stopRoute("evictions");
            ProductCache cache = ex.cache();
            assertEquals(new BigDecimal("7.90"), cache.price("cheese"));
            ex.store().updateAndNotify("cheese", new BigDecimal("8.10"));
            assertEquals(new BigDecimal("7.90"), cache.price("cheese"), "stale");
            Thread.sleep(1100);
            assertEquals(new BigDecimal("8.10"), cache.price("cheese"), "fresh once the time-to-live ran out");
        }
    }
}
