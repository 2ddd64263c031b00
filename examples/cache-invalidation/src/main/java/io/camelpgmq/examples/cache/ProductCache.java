package io.camelpgmq.examples.cache;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A read-through cache in front of the products table. A NOTIFY evicts a key at once; the time-to-live bounds how
 * long an entry can stay stale when a notification was missed.
 */
public class ProductCache {

    private record Entry(BigDecimal price, long loadedNanos) {
    }

    private final ProductStore store;
    private final long ttlNanos;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    final AtomicLong hits = new AtomicLong();
    final AtomicLong loads = new AtomicLong();

    public ProductCache(ProductStore store, long ttlMillis) {
        this.store = store;
        this.ttlNanos = TimeUnit.MILLISECONDS.toNanos(ttlMillis);
    }

    public BigDecimal price(String key) throws SQLException {
        Entry e = entries.get(key);
        if (e != null && System.nanoTime() - e.loadedNanos() < ttlNanos) {
            hits.incrementAndGet();
            return e.price();
        }
        BigDecimal price = store.price(key);
        loads.incrementAndGet();
        entries.put(key, new Entry(price, System.nanoTime()));
        return price;
    }

    public boolean isCached(String key) {
        return entries.containsKey(key);
    }

    public void evict(String key) {
        entries.remove(key);
    }

    public void clear() {
        entries.clear();
    }
}
