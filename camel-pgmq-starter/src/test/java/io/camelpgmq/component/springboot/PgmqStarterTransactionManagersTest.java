package io.camelpgmq.component.springboot;

import java.util.Map;

import javax.sql.DataSource;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Applications with several transaction managers and none {@code @Primary} (JDBC and JPA, JDBC and Kafka) start, and
 * sends join the transactions of the manager of the component's DataSource, found through proxies; the log says which
 * was chosen, or warns when none can be told.
 * <p>
 * The application classes are not {@code @Configuration}s, so that the other tests' component scans do not find them.
 */
@ExtendWith(OutputCaptureExtension.class)
class PgmqStarterTransactionManagersTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();

    /**
     * A transaction manager of another resource, without a DataSource: stands for Kafka's or a message broker's (the
     * starter tells managers apart by their DataSource alone, so which resource does not matter).
     */
    static class OtherResourceTransactionManager extends AbstractPlatformTransactionManager {
        @Override
        protected Object doGetTransaction() {
            return new Object();
        }

        @Override
        protected void doBegin(Object transaction, TransactionDefinition definition) {
        }

        @Override
        protected void doCommit(DefaultTransactionStatus status) {
        }

        @Override
        protected void doRollback(DefaultTransactionStatus status) {
        }
    }

    @EnableAutoConfiguration
    static class JdbcAndKafka {
        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        PlatformTransactionManager kafkaTransactionManager() {
            return new OtherResourceTransactionManager();
        }
    }

    /** One manager over the component's DataSource behind a proxy, another over a second database connection. */
    @EnableAutoConfiguration
    static class ProxiedAndOtherDataSource {
        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(new LazyConnectionDataSourceProxy(dataSource));
        }

        @Bean
        PlatformTransactionManager reportingTransactionManager() {
            return new DataSourceTransactionManager(new DriverManagerDataSource(DB.jdbcUrl(), DB.username(),
                    DB.password() == null ? "" : DB.password()));
        }
    }

    @EnableAutoConfiguration
    static class TwoOtherResources {
        @Bean
        PlatformTransactionManager kafkaTransactionManager() {
            return new OtherResourceTransactionManager();
        }

        @Bean
        PlatformTransactionManager jmsTransactionManager() {
            return new OtherResourceTransactionManager();
        }
    }

    @EnableAutoConfiguration
    static class PrimaryOfTwo {
        @Bean
        @Primary
        PlatformTransactionManager chainedTransactionManager() {
            return new OtherResourceTransactionManager();
        }

        @Bean
        PlatformTransactionManager kafkaTransactionManager() {
            return new OtherResourceTransactionManager();
        }
    }

    private final String queue = PgmqTestDatabase.uniqueQueueName("boot_tms");

    @BeforeEach
    void createQueue() {
        new PgmqClient(DB.dataSource()).createQueue(queue);
    }

    @AfterEach
    void dropQueue() {
        new PgmqClient(DB.dataSource()).dropQueue(queue);
    }

    private static ConfigurableApplicationContext start(Class<?> application) {
        return new SpringApplicationBuilder(application).properties(Map.of(
                "spring.main.web-application-type", "none",
                "spring.datasource.url", DB.jdbcUrl(),
                "spring.datasource.username", DB.username(),
                "spring.datasource.password", DB.password() == null ? "" : DB.password())).run();
    }

    @Test
    void jdbcAndKafkaManagersStartAndSendsJoinTheJdbcOne(CapturedOutput output) {
        try (ConfigurableApplicationContext spring = start(JdbcAndKafka.class)) {
            assertInstanceOf(TransactionAwareDataSourceProxy.class, component(spring).getProducerDataSource());
            assertTrue(output.getOut().contains("sends join the current Spring transaction of transaction manager"
                                                + " 'transactionManager', the one of the component's DataSource"),
                    "the INFO says which manager was chosen");
            assertSendsJoin(spring, "transactionManager");
        }
    }

    @Test
    void aSendInARequiresNewTransactionCommitsWithTheInnerTransaction() {
        try (ConfigurableApplicationContext spring = start(JdbcAndKafka.class)) {
            ProducerTemplate producer = spring.getBean(CamelContext.class).createProducerTemplate();
            PlatformTransactionManager manager = spring.getBean("transactionManager", PlatformTransactionManager.class);
            TransactionTemplate outer = new TransactionTemplate(manager);
            TransactionTemplate inner = new TransactionTemplate(manager);
            inner.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
            assertThrows(IllegalStateException.class, () -> outer.executeWithoutResult(status -> {
                inner.executeWithoutResult(s -> producer.sendBody("pgmq:" + queue, "{\"inner\": true}"));
                assertEquals(1, queueLength(), "committed with the inner transaction, before the outer ends");
                producer.sendBody("pgmq:" + queue, "{\"outer\": true}");
                throw new IllegalStateException("the outer transaction rolls back");
            }));
            assertEquals(1, queueLength(), "the inner send stays, the outer one is rolled back");
        }
    }

    @Test
    void theManagerOfTheComponentsDataSourceIsFoundBehindAProxy(CapturedOutput output) {
        try (ConfigurableApplicationContext spring = start(ProxiedAndOtherDataSource.class)) {
            assertInstanceOf(TransactionAwareDataSourceProxy.class, component(spring).getProducerDataSource());
            assertTrue(output.getOut().contains("'transactionManager', the one of the component's DataSource"),
                    "the INFO says which manager was chosen");
            // the manager binds its connection under the proxy: sends must look it up there to join
            assertSendsJoin(spring, "transactionManager");
        }
    }

    @Test
    void noManagerOfTheComponentsDataSourceAndNonePrimaryStartsWithAWarning(CapturedOutput output) {
        try (ConfigurableApplicationContext spring = start(TwoOtherResources.class)) {
            assertNull(component(spring).getProducerDataSource(), "sends commit on their own");
            assertTrue(output.getOut().contains("WARN") && output.getOut().contains("sends do not join Spring"
                                                                                    + " transactions"),
                    "a WARN says that sends do not join");
        }
    }

    @Test
    void aPrimaryManagerIsJoinedWhenItsDataSourceCannotBeTold(CapturedOutput output) {
        try (ConfigurableApplicationContext spring = start(PrimaryOfTwo.class)) {
            assertInstanceOf(TransactionAwareDataSourceProxy.class, component(spring).getProducerDataSource());
            assertTrue(output.getOut().contains("transaction manager 'chainedTransactionManager' (@Primary"),
                    "the INFO names the @Primary manager");
        }
    }

    private static PgmqComponent component(ConfigurableApplicationContext spring) {
        return spring.getBean(CamelContext.class).getComponent("pgmq", PgmqComponent.class);
    }

    /** A send in a rolled-back transaction of the manager leaves nothing; in a committed one it is delivered. */
    private void assertSendsJoin(ConfigurableApplicationContext spring, String manager) {
        ProducerTemplate producer = spring.getBean(CamelContext.class).createProducerTemplate();
        TransactionTemplate tx = new TransactionTemplate(spring.getBean(manager, PlatformTransactionManager.class));
        assertThrows(IllegalStateException.class, () -> tx.executeWithoutResult(status -> {
            producer.sendBody("pgmq:" + queue, "{\"n\": 1}");
            throw new IllegalStateException("rolled back after the send");
        }));
        assertEquals(0, queueLength(), "the send of a rolled-back transaction was kept");
        tx.executeWithoutResult(status -> producer.sendBody("pgmq:" + queue, "{\"n\": 2}"));
        assertEquals(1, queueLength());
    }

    private long queueLength() {
        return new PgmqClient(DB.dataSource()).metrics(queue).queueLength();
    }
}
