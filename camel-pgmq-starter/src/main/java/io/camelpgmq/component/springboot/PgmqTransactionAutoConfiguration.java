package io.camelpgmq.component.springboot;

import java.util.Map;

import javax.sql.DataSource;

import io.camelpgmq.component.PgmqComponent;
import org.apache.camel.Component;
import org.apache.camel.Ordered;
import org.apache.camel.spi.ComponentCustomizer;
import org.apache.camel.spring.boot.CamelAutoConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Makes pgmq sends join Spring transactions by default: when the application has a {@link PlatformTransactionManager},
 * the pgmq component's producers get a {@link TransactionAwareDataSourceProxy} over the component's DataSource (Spring's
 * DataSource unless configured otherwise) as their {@code producerDataSource}. Inside a transaction a send then runs on
 * the transaction's connection: it commits with the business rows, and a rollback leaves no message and no
 * notification. Outside one, the proxy hands out ordinary auto-commit connections. Consumers and the listener keep
 * the plain DataSource and their own connections.
 *
 * <p>With several transaction managers, sends join the one of the component's DataSource (see
 * {@link PgmqTransactionManagerChoice}); the log says which, or warns when it cannot tell and sends commit on their own.
 *
 * <p>Nothing is wrapped as a bean, so Boot's DataSource auto-configuration is untouched (a second DataSource bean would
 * make it back off). It steps aside when the component has its own pool ({@code url}), when
 * {@code producerDataSource} is configured, or with {@code camel.component.pgmq.join-spring-transactions=false}.
 */
@AutoConfiguration(after = CamelAutoConfiguration.class)
@ConditionalOnClass({ TransactionAwareDataSourceProxy.class, PlatformTransactionManager.class })
@ConditionalOnProperty(prefix = "camel.component.pgmq", name = "join-spring-transactions", matchIfMissing = true)
@EnableConfigurationProperties(PgmqTransactionProperties.class)
public class PgmqTransactionAutoConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqTransactionAutoConfiguration.class);

    @Bean
    public ComponentCustomizer pgmqJoinSpringTransactions(ObjectProvider<PlatformTransactionManager> transactionManagers,
                                                          ObjectProvider<DataSource> dataSources,
                                                          ListableBeanFactory beans) {
        return new ComponentCustomizer() {
            @Override
            public void configure(String name, Component target) {
                PgmqComponent pgmq = (PgmqComponent) target;
                // several managers are normal (JDBC and JPA, JDBC and Kafka): never ask for "the" one
                Map<String, PlatformTransactionManager> managers = beans.getBeansOfType(PlatformTransactionManager.class);
                if (pgmq.getProducerDataSource() != null || pgmq.getUrl() != null || managers.isEmpty()) {
                    return;
                }
                DataSource dataSource = pgmq.getDataSource() != null ? pgmq.getDataSource() : dataSources.getIfUnique();
                if (dataSource == null) {
                    return;
                }
                PgmqTransactionManagerChoice choice
                        = PgmqTransactionManagerChoice.choose(managers, transactionManagers.getIfUnique(), dataSource);
                if (choice.dataSource() == null) {
                    LOG.warn("pgmq component '{}': sends do not join Spring transactions and commit on their own:"
                             + " {}.", name, choice.description());
                    return;
                }
                // the DataSource Camel would autowire anyway; set here so that both views are of the same pool
                pgmq.setDataSource(dataSource);
                pgmq.setProducerDataSource(new TransactionAwareDataSourceProxy(choice.dataSource()));
                LOG.info("pgmq component '{}': sends join the current Spring transaction of {}"
                         + " (camel.component.pgmq.join-spring-transactions=false turns this off)", name,
                        choice.description());
            }

            @Override
            public boolean isEnabled(String name, Component target) {
                return target instanceof PgmqComponent;
            }

            @Override
            public int getOrder() {
                // after the customizer that copies camel.component.pgmq.* (order 0), so that it sees them
                return Ordered.LOWEST;
            }
        };
    }
}
