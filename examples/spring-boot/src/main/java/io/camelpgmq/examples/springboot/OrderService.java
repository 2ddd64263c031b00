package io.camelpgmq.examples.springboot;

import org.apache.camel.ProducerTemplate;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Places an order: the row and its message commit together, or neither exists. */
@Service
public class OrderService {

    /** Refused after the message was sent, to show that the rollback takes the message with it. */
    public static final int MAX_QUANTITY = 10;

    private final JdbcTemplate jdbc;
    private final ProducerTemplate producer;
    private final String table;
    private final String queue;

    public OrderService(JdbcTemplate jdbc, ProducerTemplate producer, @Value("${example.table}") String table,
                        @Value("${example.queue}") String queue) {
        this.jdbc = jdbc;
        this.producer = producer;
        this.table = ExampleSchema.identifier(table);
        this.queue = queue;
    }

    /**
     * The outbox: the INSERT and the pgmq send run on the transaction's connection (the starter gives pgmq producers
     * a transaction-aware DataSource), so the consumer is woken at commit, and a rollback leaves neither the row nor
     * the message nor a notification.
     */
    @Transactional
    public void place(Order order) {
        jdbc.update("INSERT INTO " + table + " (id, item, quantity, status) VALUES (?, ?, ?, 'PLACED')",
                order.id(), order.item(), order.quantity());
        producer.sendBodyAndHeader("pgmq:" + queue, order, "orderId", order.id());
        if (order.quantity() > MAX_QUANTITY) {
            throw new OrderRefusedException("At most " + MAX_QUANTITY + " per order, not " + order.quantity());
        }
    }

    public String status(String id) {
        return jdbc.query("SELECT status FROM " + table + " WHERE id = ?", rs -> rs.next() ? rs.getString(1) : null,
                id);
    }

    /** An order as the REST endpoint takes it and the queue carries it (as JSON). */
    public record Order(String id, String item, int quantity) {
    }

    /** A business rule refused the order; the transaction rolls back. */
    public static class OrderRefusedException extends RuntimeException {
        public OrderRefusedException(String message) {
            super(message);
        }
    }
}
