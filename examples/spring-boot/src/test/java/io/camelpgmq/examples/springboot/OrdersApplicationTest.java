package io.camelpgmq.examples.springboot;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.QueueNames;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.test.PgmqQueues;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.http.ResponseEntity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example as a client sees it, on the test kit's PostgreSQL (camel-pgmq-test: PGMQ_TEST_JDBC_URL, Docker or
 * embedded) as Spring Boot's DataSource, the way a Spring Boot user's test would: a committed order delivers its
 * message once; a refused one (rolled back after the send) leaves no row, no message and no notification; a
 * camel.component.pgmq.* property of application.properties is applied; Actuator's health shows the pgmq consumer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// the application drops its queue and table when it stops: it must stop while the kit's database runs, not in a
// shutdown hook that races the kit's (which stops the embedded PostgreSQL)
@DirtiesContext
class OrdersApplicationTest {

    @Autowired
    TestRestTemplate http;
    @Autowired
    DataSource dataSource;
    @Autowired
    CamelContext camel;
    @Autowired
    Shipping shipping;
    @Value("${example.queue}")
    String queue;

    private Connection listening;

    /** The application's DataSource is the kit's database (the example's embedded one backs off). */
    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        PgmqTestDatabase db = PgmqTestDatabase.get();
        registry.add("spring.datasource.url", db::jdbcUrl);
        if (db.username() != null) {
            registry.add("spring.datasource.username", db::username);
        }
        if (db.password() != null) {
            registry.add("spring.datasource.password", db::password);
        }
    }

    private PgmqQueues pgmq() {
        return PgmqQueues.on(dataSource);
    }

    @BeforeEach
    void listen() throws Exception {
        // a connection of the test's own, LISTENing on the queue's channel like any consumer would
        listening = dataSource.getConnection();
        try (Statement st = listening.createStatement()) {
            st.execute(PgmqClient.listenSql(QueueNames.insertChannel(queue)));
        }
    }

    @AfterEach
    void unlisten() throws Exception {
        try (Statement st = listening.createStatement()) {
            st.execute(PgmqClient.unlistenAllSql());
        }
        listening.close();
    }

    @Test
    void committedOrderIsShippedOnce() throws Exception {
        String id = UUID.randomUUID().toString();
        ResponseEntity<String> placed = http.postForEntity("/orders", Map.of("id", id, "item", "book", "quantity", 2),
                String.class);
        assertEquals(HttpStatus.CREATED, placed.getStatusCode());
        awaitStatus(id, "SHIPPED");
        // shipped means the route completed: the message is archived, so it cannot come again
        pgmq().awaitEmpty(queue, Duration.ofSeconds(15));
        assertEquals(1, pgmq().archive(queue).stream().filter(m -> m.message().contains(id)).count());
        assertEquals(1, shipping.deliveries(id));
        assertEquals(1, notificationsUntilFirst());
    }

    @Test
    void refusedOrderLeavesNoRowNoMessageAndNoNotification() throws Exception {
        String refused = UUID.randomUUID().toString();
        ResponseEntity<String> response = http.postForEntity("/orders",
                Map.of("id", refused, "item", "piano", "quantity", OrderService.MAX_QUANTITY + 1), String.class);
        assertEquals(HttpStatus.UNPROCESSABLE_ENTITY, response.getStatusCode());
        assertNull(status(refused), "GET /orders/{id} finds no refused order");
        assertEquals(List.of(), pgmq().messages(queue), "no message of the refused order");

        // notifications arrive in commit order: the next committed order's is the first and only one
        String next = UUID.randomUUID().toString();
        http.postForEntity("/orders", Map.of("id", next, "item", "book", "quantity", 1), String.class);
        assertEquals(1, notificationsUntilFirst());
        awaitStatus(next, "SHIPPED");
        assertEquals(0, shipping.deliveries(refused));
    }

    @Test
    void componentPropertyFromApplicationPropertiesIsApplied() {
        // application.properties: camel.component.pgmq.listener-check-interval=7s (the default is 5000 ms)
        assertEquals(7000, camel.getComponent("pgmq", PgmqComponent.class).getListenerCheckInterval());
    }

    @Test
    void actuatorHealthShowsThePgmqConsumer() throws Exception {
        ResponseEntity<String> health = http.getForEntity("/actuator/health", String.class);
        assertEquals(HttpStatus.OK, health.getStatusCode(), health.getBody());
        JsonNode camelHealth = new ObjectMapper().readTree(health.getBody()).path("components").path("camelHealth");
        // the route's consumer check is the pgmq one (its id, its queue): listener connected, last read fine
        JsonNode details = camelHealth.path("details");
        assertEquals("UP", details.path("consumer:ship-orders").asText(), "camelHealth: " + camelHealth);
        JsonNode data = details.path("consumer:ship-orders.data");
        assertEquals("consumer:pgmq-ship-orders", data.path("check.id").asText(), "camelHealth: " + camelHealth);
        assertEquals(queue, data.path("queue").asText());
    }

    /** The status as GET /orders/{id} tells it (null for 404). */
    private String status(String id) throws Exception {
        ResponseEntity<String> response = http.getForEntity("/orders/" + id, String.class);
        if (response.getStatusCode() == HttpStatus.NOT_FOUND) {
            return null;
        }
        assertEquals(HttpStatus.OK, response.getStatusCode(), response.getBody());
        return new ObjectMapper().readTree(response.getBody()).path("status").asText();
    }

    private void awaitStatus(String id, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!status.equals(status(id))) {
            assertTrue(System.nanoTime() < deadline, "order " + id + " never became " + status);
            Thread.sleep(20);
        }
    }

    /** Waits for the first notification on the queue's channel; returns how many had arrived by then. */
    private int notificationsUntilFirst() throws Exception {
        PGConnection pg = listening.unwrap(PGConnection.class);
        List<PGNotification> received = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.isEmpty() && System.nanoTime() < deadline) {
            PGNotification[] batch = pg.getNotifications(500);
            if (batch != null) {
                received.addAll(List.of(batch));
            }
        }
        return received.size();
    }
}
