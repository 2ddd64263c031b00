package io.camelpgmq.examples.springboot;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** The consumer's work, called by the YAML route for each order message: mark the order shipped. */
@Component("shipping")
public class Shipping {

    private static final Logger LOG = LoggerFactory.getLogger(Shipping.class);

    private final JdbcTemplate jdbc;
    private final String table;
    private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();

    public Shipping(JdbcTemplate jdbc, @Value("${example.table}") String table) {
        this.jdbc = jdbc;
        this.table = ExampleSchema.identifier(table);
    }

    public void ship(@Header("orderId") String orderId, String body) {
        deliveries.computeIfAbsent(orderId, id -> new AtomicInteger()).incrementAndGet();
        jdbc.update("UPDATE " + table + " SET status = 'SHIPPED' WHERE id = ?", orderId);
        LOG.info("Shipped order {}: {}", orderId, body);
    }

    /** How many times the message of an order reached this bean. */
    public int deliveries(String orderId) {
        AtomicInteger n = deliveries.get(orderId);
        return n == null ? 0 : n.get();
    }
}
