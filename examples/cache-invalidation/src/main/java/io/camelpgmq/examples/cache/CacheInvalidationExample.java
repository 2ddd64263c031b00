package io.camelpgmq.examples.cache;

import java.math.BigDecimal;
import java.sql.SQLException;

import io.camelpgmq.examples.ExampleDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.RoutePolicySupport;

/**
 * Pattern 3, NOTIFY only. A read-through cache sits in front of the products table; a writer changes a price and
 * NOTIFYs the key in the same transaction; a {@code pgevent:} route evicts that key, so the next read rebuilds it from
 * the table. There is no durable record of a notification: while the listener is down, reads are stale until the
 * entry's time-to-live runs out, and when the listener comes back the whole cache is cleared, since any key may have
 * changed meanwhile.
 * <p>
 * Options (system properties): {@code ttl} milliseconds (default 4000), {@code down} seconds the listener stays
 * stopped (default 5); {@code PGMQ_JDBC_URL} (+ {@code PGMQ_JDBC_USER}, {@code PGMQ_JDBC_PASSWORD}) for your own
 * PostgreSQL.
 */
public final class CacheInvalidationExample implements AutoCloseable {

    /** The route that evicts on NOTIFY. */
    public static final String LISTENER = "evictions";

    private final ProductStore store;
    private final ProductCache cache;
    private final CamelContext camel = new DefaultCamelContext();

    /** Creates the products table and starts the listener; the cache keeps an entry at most {@code ttlMillis}. */
    public CacheInvalidationExample(ExampleDatabase db, long ttlMillis) throws Exception {
        store = new ProductStore(db);
        store.create();
        cache = new ProductCache(store, ttlMillis);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(db.pgeventUri(store.channel())).routeId(LISTENER).routePolicy(new ClearOnStart())
                        .process(e -> {
                            String key = e.getMessage().getBody(String.class);
                            cache.evict(key);
                            System.out.println("   listener: NOTIFY " + store.channel() + " '" + key
                                               + "' -> evicted '" + key + "' from the cache");
                        });
            }
        });
        camel.start(); // the pgevent consumer has run LISTEN when this returns
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

    /** Stops the listener and drops this run's table. */
    @Override
    public void close() throws SQLException {
        camel.stop();
        store.drop();
    }

    public static void main(String[] args) throws Exception {
        long ttl = Long.getLong("ttl", 4000);
        int down = Integer.getInteger("down", 5);
        try (ExampleDatabase db = ExampleDatabase.start();
             CacheInvalidationExample ex = new CacheInvalidationExample(db, ttl)) {
            System.out.println("A read-through cache of product prices (time-to-live " + ttl + " ms), evicted by NOTIFY\n");
            ex.read("apple");
            ex.read("apple");
            ex.write("apple", "1.20");
            Thread.sleep(300);
            ex.read("apple");

            System.out.println("\nThe listener stops for " + down + " s (a network blip, a restart...): notifications"
                               + " sent now reach nobody and are not kept anywhere.");
            ex.camel.getRouteController().stopRoute(LISTENER);
            ex.write("apple", "1.50");
            long until = System.currentTimeMillis() + down * 1000L;
            while (System.currentTimeMillis() < until) {
                Thread.sleep(1000);
                ex.read("apple");
            }

            System.out.println("\nThe listener is back. It clears the cache, since any key may have changed while"
                               + " nobody listened:");
            ex.camel.getRouteController().startRoute(LISTENER);
            ex.read("apple");
            ex.write("apple", "1.10");
            Thread.sleep(300);
            ex.read("apple");

            System.out.println("""

                    So: with NOTIFY only, a missed notification leaves a stale entry until its time-to-live runs out
                    or the next eviction (a later NOTIFY for that key, or the clear when the listener restarts).
                    Choose the time-to-live as the longest staleness you can accept; the next read after an
                    eviction always rebuilds the entry from the table.""");
        }
    }

    private void write(String key, String price) throws Exception {
        store.updateAndNotify(key, new BigDecimal(price));
        System.out.println("writer: " + key + " -> " + price + "  (UPDATE and NOTIFY " + store.channel() + " '"
                           + key + "' in one transaction)");
    }

    private boolean lastReadStale;

    private void read(String key) throws Exception {
        boolean wasCached = cache.isCached(key);
        long loadsBefore = cache.loads.get();
        BigDecimal cached = cache.price(key);
        BigDecimal truth = store.price(key);
        String source = cache.loads.get() == loadsBefore ? "from the cache"
                : wasCached ? "loaded from the table: the entry's time-to-live ran out"
                : "loaded from the table";
        boolean stale = !cached.equals(truth);
        System.out.println("read " + key + ": " + cached + "  (" + source + ")"
                           + (stale ? "  STALE: the table says " + truth : lastReadStale ? "  fresh again" : ""));
        lastReadStale = stale;
    }
}
