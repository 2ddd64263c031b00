package io.camelpgmq.component.springboot;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The starter's own setting, beside the component options of {@link PgmqComponentConfiguration} (which are all copied
 * onto the component, so this one cannot live there).
 */
@ConfigurationProperties(prefix = "camel.component.pgmq")
public class PgmqTransactionProperties {

    /**
     * Whether pgmq producers join the current Spring transaction (a @Transactional method, a transacted() route) when
     * the application has a PlatformTransactionManager: the starter then sets the component's producerDataSource to
     * a TransactionAwareDataSourceProxy over its DataSource. A rolled-back transaction then sends nothing and
     * notifies nobody. Consumers and the listener keep their own connections outside any transaction. Set false to
     * make every send commit on its own.
     */
    private boolean joinSpringTransactions = true;

    public boolean isJoinSpringTransactions() {
        return joinSpringTransactions;
    }

    public void setJoinSpringTransactions(boolean joinSpringTransactions) {
        this.joinSpringTransactions = joinSpringTransactions;
    }
}
