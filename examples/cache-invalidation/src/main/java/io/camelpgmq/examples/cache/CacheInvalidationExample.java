package io.camelpgmq.examples.cache;

import java.math.BigDecimal;

import io.camelpgmq.examples.ExampleDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.RoutePolicySupport;

/**
 * Pattern 3, NOTIFY only. A read-through cache sits in front of the products table; a writer NOTIFYs the changed key
 * in the same statement; a {@code pgevent:} route evicts that key, so the next read rebuilds it from the table.
 * There is no durable record of the notification: while the listener is down, reads are stale until the entry's
 * time-to-live runs out, and when the listener comes back the whole cache is cleared, since any key may have changed.
 */
public final class CacheInvalidationExample implements AutoCloseable {

    private final ExampleDatabase db;
    private final ProductStore store;
    private final ProductCache cache;
    private final CamelContext camel = new DefaultCamelContext();

    public CacheInvalidationExample(long ttlMillis) throws Exception {
        db = ExampleDatabase.start();
        store = new ProductStore(db);
        store.reset();
        cache = new ProductCache(store, ttlMillis);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(db.pgeventUri(ProductStore.CHANNEL)).routeId("evictions").routePolicy(new ClearOnStart())
                        .process(e -> {
                            String key = e.getMessage().getBody(String.class);
                            cache.evict(key);
                            System.out.println("   NOTIFY " + ProductStore.CHANNEL + " '" + key + "': evicted");
                        });
            }
        });
        camel.start();
    }

    /** A listener that (re)starts may have missed notifications: forget everything. */
    private final class ClearOnStart extends RoutePolicySupport {
        @Override
        public void onStart(Route route) {
            cache.clear();
        }
    }

    public ProductStore store() {
        return store;
    }

    public ProductCache cache() {
        return cache;
    }

    public CamelContext camel() {
        return camel;
    }

    @Override
    public void close() throws java.io.IOException {
        camel.stop();
        db.close();
    }

    public static void main(String[] args) throws Exception {
        long ttl = Long.getLong("ttl", 4000);
        try (CacheInvalidationExample ex = new CacheInvalidationExample(ttl)) {
            System.out.println("Cache invalidation on " + ex.db.description + "; cache time-to-live " + ttl + " ms\n");
            Thread.sleep(1000); // let the listener LISTEN
            read(ex, "first read loads from the table");
            read(ex, "second read is served from the cache");
            ex.store.updateAndNotify("apple", new BigDecimal("1.20"));
            System.out.println("writer: apple -> 1.20, NOTIFY in the same statement");
            Thread.sleep(300);
            read(ex, "after the notification the entry was rebuilt");

            System.out.println("\nthe listener stops (a network blip, a restart...)");
            ex.camel.getRouteController().stopRoute("evictions");
            ex.store.updateAndNotify("apple", new BigDecimal("1.50"));
            System.out.println("writer: apple -> 1.50, NOTIFY sent, but nobody listens");
            long until = System.currentTimeMillis() + ttl + 1000;
            while (System.currentTimeMillis() < until) {
                BigDecimal cached = ex.cache.price("apple");
                BigDecimal truth = ex.store.price("apple");
                System.out.println("read apple: " + cached + (cached.equals(truth) ? "  (fresh: the time-to-live ran out)"
                        : "  STALE: the table says " + truth));
                Thread.sleep(1000);
            }
            System.out.println("\nthe listener is back: the cache is cleared, since any key may have changed");
            ex.camel.getRouteController().startRoute("evictions");
            read(ex, "next read rebuilds");
        }
    }

    private static void read(CacheInvalidationExample ex, String what) throws Exception {
        System.out.println("read apple: " + ex.cache.price("apple") + "  (" + what + ")");
    }
}
