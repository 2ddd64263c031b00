package io.camelpgmq.examples.springboot;

import javax.sql.DataSource;

import io.camelpgmq.client.PgmqClient;
import org.apache.camel.CamelContext;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The example's own objects, named per run ({@code example.run-id}) so that it never touches anything in your
 * database it did not create: the orders table, made here at start; the queue, made by the route's
 * {@code autoCreateQueue}. Both are dropped once Camel has stopped (its consumers no longer read the queue).
 */
@Configuration(proxyBeanMethods = false)
public class ExampleSchema {

    private static final Logger LOG = LoggerFactory.getLogger(ExampleSchema.class);

    /** The table name goes into SQL text: only a plain lower-case identifier is accepted. */
    static String identifier(String name) {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("Not a plain identifier: " + name);
        }
        return name;
    }

    @Bean
    LifecycleStrategySupport exampleObjects(DataSource dataSource, @Value("${example.table}") String table,
                                            @Value("${example.queue}") String queue) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        jdbc.execute("CREATE TABLE " + identifier(table)
                     + " (id text PRIMARY KEY, item text NOT NULL, quantity integer NOT NULL, status text NOT NULL)");
        LOG.info("Created table {}; queue {} is created by the route", table, queue);
        return new LifecycleStrategySupport() {
            @Override
            public void onContextStopped(CamelContext context) {
                new PgmqClient(dataSource).dropQueue(queue);
                jdbc.execute("DROP TABLE " + identifier(table));
                LOG.info("Dropped this run's queue {} and table {}", queue, table);
            }
        };
    }
}
