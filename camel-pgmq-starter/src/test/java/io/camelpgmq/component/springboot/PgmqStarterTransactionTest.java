package io.camelpgmq.component.springboot;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.QueueNames;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionTemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * With Spring Boot's DataSource and transaction manager, a pgmq send joins the Spring transaction by default, in a
 * transaction template (what @Transactional runs) and in a transacted() route: rollback leaves no message and sends
 * no notification, commit delivers. join-spring-transactions=false gives the old, independent sends back.
 */
class PgmqStarterTransactionTest {

    @SpringBootApplication
    static class App {
    }

    private final PgmqTestDatabase db = PgmqTestDatabase.get();
    private final String queue = PgmqTestDatabase.uniqueQueueName("boot_tx");
    private final String table = PgmqTestDatabase.uniqueQueueName("boot_tx_rows");
    private Connection listening;

    @BeforeEach
    void setUp() throws Exception {
        new PgmqClient(db.dataSource()).createQueue(queue);
        db.execute("CREATE TABLE " + table + " (id text PRIMARY KEY)");
        listening = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
        try (Statement st = listening.createStatement()) {
            st.execute(PgmqClient.listenSql(QueueNames.insertChannel(queue)));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        listening.close();
        new PgmqClient(db.dataSource()).dropQueue(queue);
        db.execute("DROP TABLE " + table);
    }

    private ConfigurableApplicationContext start(boolean join) {
        return new SpringApplicationBuilder(App.class).properties(Map.of(
                "spring.main.web-application-type", "none",
                "spring.datasource.url", db.jdbcUrl(),
                "spring.datasource.username", db.username(),
                "spring.datasource.password", db.password() == null ? "" : db.password(),
                "camel.component.pgmq.join-spring-transactions", Boolean.toString(join))).run();
    }

    @Test
    void rolledBackTransactionSendsNothingAndNotifiesNobody() throws Exception {
        try (ConfigurableApplicationContext spring = start(true)) {
            assertInstanceOf(TransactionAwareDataSourceProxy.class, spring.getBean(CamelContext.class)
                    .getComponent("pgmq", PgmqComponent.class).getProducerDataSource());
            assertThrows(IllegalStateException.class, () -> writeAndSend(spring, "rolled-back", true));
            assertEquals(0, rows());
            assertEquals(0, queueLength());

            writeAndSend(spring, "committed", false);
            assertEquals(1, rows());
            assertEquals(1, queueLength());
            // notifications arrive in commit order: the committed send's is the first and only one
            assertEquals(1, notificationsUntilFirst());
        }
    }

    @Test
    void transactedRouteJoinsTheSpringTransaction() throws Exception {
        try (ConfigurableApplicationContext spring = start(true)) {
            CamelContext camel = spring.getBean(CamelContext.class);
            JdbcTemplate jdbc = spring.getBean(JdbcTemplate.class);
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:order").transacted()
                            .process(e -> jdbc.update("INSERT INTO " + table + " VALUES (?)", e.getMessage().getBody()))
                            .to("pgmq:" + queue)
                            .filter(simple("${body} contains 'fail'"))
                            .throwException(new IllegalStateException("failed after the send"));
                }
            });
            ProducerTemplate producer = camel.createProducerTemplate();
            assertThrows(Exception.class, () -> producer.sendBody("direct:order", "\"fail-1\""));
            assertEquals(0, rows());
            assertEquals(0, queueLength());

            producer.sendBody("direct:order", "\"ok-1\"");
            assertEquals(1, rows());
            assertEquals(1, queueLength());
            assertEquals(1, notificationsUntilFirst());
        }
    }

    @Test
    void sendBatchJoinsTheTransactionToo() throws Exception {
        try (ConfigurableApplicationContext spring = start(true)) {
            ProducerTemplate producer = spring.getBean(CamelContext.class).createProducerTemplate();
            TransactionTemplate tx = new TransactionTemplate(
                    spring.getBean(org.springframework.transaction.PlatformTransactionManager.class));
            String uri = "pgmq:" + queue + "?operation=sendBatch";
            assertThrows(IllegalStateException.class, () -> tx.executeWithoutResult(status -> {
                producer.sendBody(uri, List.of("{\"n\":1}", "{\"n\":2}"));
                throw new IllegalStateException("rolled back after the batch");
            }));
            assertEquals(0, queueLength());
            tx.executeWithoutResult(status -> producer.sendBody(uri, List.of("{\"n\":3}", "{\"n\":4}")));
            assertEquals(2, queueLength());
            assertEquals(1, notificationsUntilFirst(), "one NOTIFY for the committed batch, none for the other");
        }
    }

    @Test
    void joiningCanBeTurnedOff() throws Exception {
        try (ConfigurableApplicationContext spring = start(false)) {
            assertNull(spring.getBean(CamelContext.class).getComponent("pgmq", PgmqComponent.class)
                    .getProducerDataSource());
            assertThrows(IllegalStateException.class, () -> writeAndSend(spring, "rolled-back", true));
            assertEquals(0, rows());
            assertEquals(1, queueLength(), "without joining, the send commits on its own");
        }
    }

    private void writeAndSend(ConfigurableApplicationContext spring, String id, boolean fail) {
        JdbcTemplate jdbc = spring.getBean(JdbcTemplate.class);
        ProducerTemplate producer = spring.getBean(CamelContext.class).createProducerTemplate();
        new TransactionTemplate(spring.getBean(org.springframework.transaction.PlatformTransactionManager.class))
                .executeWithoutResult(status -> {
                    jdbc.update("INSERT INTO " + table + " VALUES (?)", id);
                    producer.sendBody("pgmq:" + queue, "{\"id\":\"" + id + "\"}");
                    if (fail) {
                        throw new IllegalStateException("the business logic failed after the send");
                    }
                });
    }

    private long rows() {
        return db.queryLong("SELECT count(*) FROM " + table);
    }

    private long queueLength() {
        return new PgmqClient(db.dataSource()).metrics(queue).queueLength();
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
