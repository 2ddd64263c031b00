package io.camelpgmq.examples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The outbox pattern on Spring Boot with camel-pgmq-starter: {@code POST /orders} writes an order row and sends its
 * pgmq message in one {@code @Transactional} method ({@link OrderService}); the YAML route
 * {@code src/main/resources/camel/ship-orders.yaml} consumes the queue and ships the order ({@link Shipping}). Every
 * setting is in {@code application.properties}; the database is {@code PGMQ_JDBC_URL}, else an embedded PostgreSQL.
 */
@SpringBootApplication
public class OrdersApplication {

    public static void main(String[] args) {
        SpringApplication.run(OrdersApplication.class, args);
    }
}
