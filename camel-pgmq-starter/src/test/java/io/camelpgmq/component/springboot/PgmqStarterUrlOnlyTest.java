package io.camelpgmq.component.springboot;

import java.util.Map;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The failing start: an application without a DataSource bean, only camel.component.pgmq.url (and user and
 * password) set. Without the starter the properties were ignored and start failed asking for that very url.
 */
class PgmqStarterUrlOnlyTest {

    @SpringBootApplication
    static class App {
    }

    @Test
    void urlPropertiesAloneGiveAWorkingComponent() {
        PgmqTestDatabase db = PgmqTestDatabase.get();
        String queue = PgmqTestDatabase.uniqueQueueName("boot_url");
        new PgmqClient(db.dataSource()).createQueue(queue);
        try (ConfigurableApplicationContext spring = new SpringApplicationBuilder(App.class).properties(Map.of(
                "spring.main.web-application-type", "none",
                // no Spring DataSource in this application
                "spring.autoconfigure.exclude",
                "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
                "camel.component.pgmq.url", db.jdbcUrl(),
                "camel.component.pgmq.username", db.username(),
                "camel.component.pgmq.password", db.password() == null ? "unused" : db.password())).run()) {
            CamelContext camel = spring.getBean(CamelContext.class);
            PgmqComponent pgmq = camel.getComponent("pgmq", PgmqComponent.class);
            assertNull(pgmq.getDataSource());
            assertNull(pgmq.getProducerDataSource(), "no Spring transactions to join on the component's own pool");
            camel.createProducerTemplate().sendBody("pgmq:" + queue, "{\"via\":\"url\"}");
            assertEquals(1, new PgmqClient(db.dataSource()).metrics(queue).queueLength());
        } finally {
            new PgmqClient(db.dataSource()).dropQueue(queue);
        }
    }
}
