package io.camelpgmq.component;

import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionTemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The outbox pattern in Spring: with the component on a TransactionAwareDataSourceProxy, a send inside a Spring
 * transaction commits or rolls back with the business row.
 */
class PgmqOutboxTest extends PgmqTestSupport {

    private final String queue = newQueue("outbox");
    private final String table = "orders_" + queue;
    private final JdbcTemplate jdbc = new JdbcTemplate(DB.dataSource());
    private final TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(DB.dataSource()));

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        context.getComponent("pgmq", PgmqComponent.class)
                .setDataSource(new TransactionAwareDataSourceProxy(DB.dataSource()));
        jdbc.execute("CREATE TABLE " + table + " (id int PRIMARY KEY)");
        return context;
    }

    @Test
    void sendCommitsAndRollsBackWithTheBusinessRow() {
        tx.executeWithoutResult(s -> {
            jdbc.update("INSERT INTO " + table + " VALUES (1)");
            template.sendBody("pgmq:" + queue, "{\"order\":1}");
        });
        assertThrows(IllegalStateException.class, () -> tx.executeWithoutResult(s -> {
            jdbc.update("INSERT INTO " + table + " VALUES (2)");
            template.sendBody("pgmq:" + queue, "{\"order\":2}");
            throw new IllegalStateException("business rule failed");
        }));
        assertEquals(1, queryLong("SELECT count(*) FROM " + table));
        assertEquals(1, client.metrics(queue).queueLength(), "only the committed order's message exists");
        assertEquals("{\"order\": 1}", client.read(queue, 30, 10).get(0).message());
    }
}
