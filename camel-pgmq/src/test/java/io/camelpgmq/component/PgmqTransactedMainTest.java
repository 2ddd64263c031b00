package io.camelpgmq.component;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * transacted=true in Camel Main, as README tells it: the DataSource and a DataSourceTransactionManager over it bound in
 * the registry, the component autowired to the DataSource, a transacted() route writing with JdbcTemplate.
 */
class PgmqTransactedMainTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();

    @Test
    void routeWorkAndArchiveCommitTogetherAndAFailureLeavesNoRow() throws Exception {
        PgmqClient client = new PgmqClient(DB.dataSource());
        String queue = PgmqTestDatabase.uniqueQueueName("main_tx");
        String dlq = PgmqTestDatabase.uniqueQueueName("main_tx_dlq");
        String table = "work_" + queue;
        client.createQueue(queue);
        client.createQueue(dlq);
        JdbcTemplate jdbc = new JdbcTemplate(DB.dataSource());
        jdbc.execute("CREATE TABLE " + table + " (body text NOT NULL)");
        Main main = new Main();
        main.bind("dataSource", DB.dataSource());
        main.bind("txManager", new DataSourceTransactionManager(DB.dataSource()));
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?transacted=true&maxRetries=1&retryDelay=100&pollInterval=200"
                     + "&deadLetterQueue=" + dlq)
                        .transacted()
                        .process(e -> jdbc.update("INSERT INTO " + table + " VALUES (?)",
                                e.getMessage().getBody(String.class)))
                        .filter(simple("${body} contains 'fail'"))
                        .throwException(new IllegalStateException("failed after the insert"));
            }
        });
        main.start();
        try {
            client.send(queue, "{\"n\":\"ok-1\"}");
            client.send(queue, "{\"n\":\"fail-1\"}");
            client.send(queue, "{\"n\":\"ok-2\"}");
            await(() -> client.metrics(dlq).queueLength() == 1 && client.metrics(queue).queueLength() == 0,
                    "two archived, one dead-lettered");
            assertEquals(2, DB.queryLong("SELECT count(*) FROM " + table), "the successes' rows only");
            assertEquals(0, DB.queryLong("SELECT count(*) FROM " + table + " WHERE body LIKE '%fail%'"));
            assertEquals(2, DB.queryLong("SELECT count(*) FROM pgmq.a_" + queue));
        } finally {
            main.stop();
            jdbc.execute("DROP TABLE " + table);
        }
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
