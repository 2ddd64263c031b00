package io.camelpgmq.component.springboot;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.component.PgmqConstants;
import io.camelpgmq.test.PgmqTestDatabase;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.transaction.PlatformTransactionManager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * transacted=true on Spring Boot with JPA beside JDBC (one JpaTransactionManager, as Boot makes it): a route's JPA
 * entity, its JdbcTemplate row and the archive of its message commit or roll back together.
 */
class PgmqStarterTransactedConsumerTest {

    @SpringBootApplication
    static class App {
    }

    /** The JPA half of a message's work. */
    @Entity
    @Table(name = "boot_tx_jpa_work")
    public static class Work {
        @Id
        @GeneratedValue(strategy = GenerationType.IDENTITY)
        Long id;
        String queue;
        long msgId;

        public Work() {
        }

        Work(String queue, long msgId) {
            this.queue = queue;
            this.msgId = msgId;
        }
    }

    private final PgmqTestDatabase db = PgmqTestDatabase.get();
    private final PgmqClient client = new PgmqClient(db.dataSource());
    private final String queue = PgmqTestDatabase.uniqueQueueName("boot_txc");
    private final String dlq = PgmqTestDatabase.uniqueQueueName("boot_txc_dlq");
    private final String table = PgmqTestDatabase.uniqueQueueName("boot_txc_rows");
    private final Map<Long, AtomicInteger> attempts = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() {
        client.createQueue(queue);
        client.createQueue(dlq);
        db.execute("CREATE TABLE " + table + " (msg_id bigint NOT NULL, consumer text NOT NULL)");
    }

    @AfterEach
    void tearDown() {
        client.dropQueue(queue);
        client.dropQueue(dlq);
        db.execute("DROP TABLE " + table);
    }

    private ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(App.class).properties(Map.of(
                "spring.main.web-application-type", "none",
                "spring.datasource.url", db.jdbcUrl(),
                "spring.datasource.username", db.username(),
                "spring.datasource.password", db.password() == null ? "" : db.password(),
                "spring.jpa.hibernate.ddl-auto", "update")).run();
    }

    /** A transacted() route writing the message's entity (JPA) and row (JDBC), then running {@code after}. */
    private RouteBuilder route(ConfigurableApplicationContext spring, String consumer, String options,
                               AfterWrites after) {
        EntityManager em = SharedEntityManagerCreator.createSharedEntityManager(
                spring.getBean(EntityManagerFactory.class));
        JdbcTemplate jdbc = spring.getBean(JdbcTemplate.class);
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?" + options).routeId(consumer)
                        .transacted()
                        .process(e -> {
                            long id = e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class);
                            attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                            em.persist(new Work(queue, id));
                            jdbc.update("INSERT INTO " + table + " VALUES (?, ?)", id, consumer);
                            after.run(e.getMessage().getBody(String.class),
                                    e.getMessage().getHeader(PgmqConstants.READ_COUNT, Integer.class));
                        });
            }
        };
    }

    @FunctionalInterface
    private interface AfterWrites {
        void run(String body, int readCount) throws Exception;
    }

    @Test
    void jpaAndJdbcWorkCommitWithTheArchiveAndRollBackWithAFailure() throws Exception {
        try (ConfigurableApplicationContext spring = start()) {
            assertInstanceOf(JpaTransactionManager.class, spring.getBean(PlatformTransactionManager.class));
            spring.getBean(CamelContext.class).addRoutes(route(spring, "boot",
                    "transacted=true&maxRetries=1&retryDelay=100&deadLetterQueue=" + dlq + "&pollInterval=200",
                    (body, readCount) -> {
                        if (body.contains("fail")) {
                            throw new IllegalStateException("business rule failed after the writes");
                        }
                    }));
            client.send(queue, "{\"n\":\"ok-1\"}");
            long failing = client.send(queue, "{\"n\":\"fail-1\"}");
            client.send(queue, "{\"n\":\"ok-2\"}");
            await(() -> client.metrics(dlq).queueLength() == 1 && client.metrics(queue).queueLength() == 0,
                    "two archived, one dead-lettered");
            assertEquals(2, jdbcRows(), "the JDBC rows of the two successes only");
            assertEquals(2, jpaRows(), "the JPA entities of the two successes only");
            assertEquals(2, archived());
            assertEquals(2, attempts.get(failing).get(), "maxRetries + 1 attempts, each counted");
        }
    }

    @Test
    void aMessageTakenAgainAfterItsVisibilityRanOutKeepsOnlyTheSecondRunsWork() throws Exception {
        try (ConfigurableApplicationContext spring = start()) {
            CamelContext camel = spring.getBean(CamelContext.class);
            String options = "transacted=true&maxMessagesPerPoll=1&maxConcurrentConsumers=1&visibilityTimeout=1"
                             + "&pollInterval=100";
            camel.addRoutes(route(spring, "slow", options, (body, readCount) -> {
                if (readCount == 1) {
                    Thread.sleep(3000);
                }
            }));
            camel.addRoutes(route(spring, "fast", options, (body, readCount) -> {
            }));
            for (int i = 0; i < 4; i++) {
                client.send(queue, "{\"n\":" + i + "}");
            }
            await(() -> client.metrics(queue).queueLength() == 0, "the queue drained");
            Thread.sleep(3500);
            assertTrue(attempts.values().stream().anyMatch(a -> a.get() > 1), "a message was taken again: " + attempts);
            assertEquals(4, jdbcRows(), "each message's JDBC row exactly once");
            assertEquals(4, db.queryLong("SELECT count(DISTINCT msg_id) FROM " + table));
            assertEquals(4, jpaRows(), "each message's JPA entity exactly once");
            assertEquals(4, archived());
        }
    }

    private long jdbcRows() {
        return db.queryLong("SELECT count(*) FROM " + table);
    }

    private long jpaRows() {
        return db.queryLong("SELECT count(*) FROM boot_tx_jpa_work WHERE queue = '" + queue + "'");
    }

    private long archived() {
        return db.queryLong("SELECT count(*) FROM pgmq.a_" + queue);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(25);
        }
        fail("Timed out: " + what);
    }
}
