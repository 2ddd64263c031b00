package io.camelpgmq.examples.springboot;

import javax.sql.DataSource;

import io.camelpgmq.client.PgmqClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example drops, at shutdown, exactly the queue and table it created, and leaves others alone. */
class ExampleCleanupTest {

    @Test
    void dropsOnlyItsOwnQueueAndTable() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            DataSource ds = pg.getPostgresDatabase();
            JdbcTemplate jdbc = new JdbcTemplate(ds);
            // someone else's objects with the names the examples used to take
            jdbc.execute("CREATE TABLE orders (id text)");
            ConfigurableApplicationContext app = new SpringApplicationBuilder(OrdersApplication.class)
                    .run("--spring.datasource.url=" + pg.getJdbcUrl("postgres", "postgres"), "--server.port=0",
                            "--example.run-id=cleanup1");
            PgmqClient pgmq = new PgmqClient(ds);
            pgmq.createQueue("orders");
            assertTrue(pgmq.queueExists("boot_orders_cleanup1"));
            assertEquals(1L, jdbc.queryForObject("SELECT count(*) FROM pg_tables WHERE tablename = 'boot_orders_cleanup1'",
                    Long.class));
            app.close();
            assertFalse(pgmq.queueExists("boot_orders_cleanup1"));
            assertEquals(0L, jdbc.queryForObject("SELECT count(*) FROM pg_tables WHERE tablename = 'boot_orders_cleanup1'",
                    Long.class));
            assertTrue(pgmq.queueExists("orders"));
            assertEquals(1L, jdbc.queryForObject("SELECT count(*) FROM pg_tables WHERE tablename = 'orders'", Long.class));
        }
    }
}
