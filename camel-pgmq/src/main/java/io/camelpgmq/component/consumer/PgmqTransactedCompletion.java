package io.camelpgmq.component.consumer;

import java.sql.Connection;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.component.PgmqConfiguration;
import io.camelpgmq.component.PgmqOnSuccess;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The completion of {@code transacted=true}: the route runs in a Spring transaction that the consumer begins, and the
 * archive (or delete) of its message runs on that transaction's connection just before it commits, so that the
 * route's database work and the completion commit or roll back together.
 * <p>
 * The completion is scoped to the delivery (message id and read count), as everywhere in the consumer: when the
 * visibility ran out mid-route and another consumer read the message meanwhile, the completion finds nothing of its
 * own and the transaction rolls back, so only the other consumer's work survives. The only class of camel-pgmq that
 * uses Spring: it is loaded only when {@code transacted=true}.
 */
public final class PgmqTransactedCompletion {

    /** What became of an exchange run in a transaction. */
    public enum Outcome {
        /** The route's work and the completion committed together. */
        COMMITTED,
        /** The route failed (or marked its transaction rollback-only): rolled back, the failure is to be handled. */
        ROUTE_FAILED,
        /** Another consumer read the message meanwhile: rolled back, that delivery decides. */
        NOT_OURS,
        /** Completing failed (a lost connection, a read-only database): rolled back, the message comes back. */
        ROLLED_BACK,
        /** The commit failed: it committed as a whole or not at all; if not, the message comes back. */
        COMMIT_FAILED
    }

    private static final Logger LOG = LoggerFactory.getLogger(PgmqTransactedCompletion.class);

    private final PlatformTransactionManager transactionManager;
    private final DataSource dataSource;
    private final PgmqConfiguration configuration;
    private final TransactionDefinition definition;

    private PgmqTransactedCompletion(PlatformTransactionManager transactionManager, DataSource dataSource,
                                     PgmqConfiguration configuration) {
        this.transactionManager = transactionManager;
        this.dataSource = dataSource;
        this.configuration = configuration;
        DefaultTransactionDefinition def = new DefaultTransactionDefinition(TransactionDefinition.PROPAGATION_REQUIRED);
        def.setName("pgmq:" + configuration.getQueueName());
        this.definition = def;
    }

    /**
     * The transacted completion of a consumer, over the configured transaction manager or the only one in the
     * registry; refuses one that does not manage the component's DataSource.
     */
    public static PgmqTransactedCompletion create(CamelContext context, PgmqConfiguration configuration,
                                           DataSource componentDataSource) {
        PlatformTransactionManager tm = transactionManager(context, configuration);
        // the outbox's TransactionAwareDataSourceProxy: Spring binds the transaction's connection to its target
        DataSource target = componentDataSource instanceof TransactionAwareDataSourceProxy proxy
                ? proxy.getTargetDataSource() : componentDataSource;
        PgmqTransactedCompletion completion = new PgmqTransactedCompletion(tm, target, configuration);
        completion.requireManagesDataSource();
        return completion;
    }

    private static PlatformTransactionManager transactionManager(CamelContext context,
                                                                 PgmqConfiguration configuration) {
        Object configured = configuration.getTransactionManager();
        if (configured instanceof PlatformTransactionManager tm) {
            return tm;
        }
        if (configured != null) {
            throw new IllegalArgumentException("The pgmq endpoint's transactionManager must be a Spring"
                                               + " PlatformTransactionManager, but is a "
                                               + configured.getClass().getName() + ".");
        }
        Set<PlatformTransactionManager> found = context.getRegistry().findByType(PlatformTransactionManager.class);
        if (found.size() == 1) {
            return found.iterator().next();
        }
        throw new IllegalStateException("pgmq consumer of queue '" + configuration.getQueueName() + "' has"
                                        + " transacted=true but the registry holds " + found.size()
                                        + " PlatformTransactionManager(s): set transactionManager=#<bean> on the"
                                        + " endpoint to the one that manages the pgmq component's DataSource (a"
                                        + " DataSourceTransactionManager or JpaTransactionManager over it).");
    }

    /** A transaction of the manager must hold a connection of the component's DataSource, else nothing joins. */
    private void requireManagesDataSource() {
        TransactionStatus status = transactionManager.getTransaction(definition);
        boolean bound;
        try {
            bound = TransactionSynchronizationManager.hasResource(dataSource);
        } finally {
            transactionManager.rollback(status);
        }
        if (!bound) {
            throw new IllegalStateException("pgmq consumer of queue '" + configuration.getQueueName() + "' has"
                                            + " transacted=true, but its transaction manager ("
                                            + transactionManager.getClass().getName() + ") does not manage the"
                                            + " pgmq component's DataSource: the completion could not join its"
                                            + " transactions. Give the component the DataSource of the transaction"
                                            + " manager (or set transactionManager to one over the component's"
                                            + " DataSource).");
        }
    }

    /**
     * Runs the route in a transaction and, when it succeeded, completes the deliveries in it before committing.
     *
     * @param route runs the exchange and tells whether it succeeded (it does not throw)
     */
    public Outcome run(String queueName, List<PgmqMessage> deliveries, BooleanSupplier route) {
        TransactionStatus status = transactionManager.getTransaction(definition);
        boolean succeeded;
        try {
            succeeded = route.getAsBoolean();
        } catch (RuntimeException | Error e) {
            rollback(status, queueName, deliveries);
            throw e;
        }
        if (!succeeded || status.isRollbackOnly()) {
            rollback(status, queueName, deliveries);
            return Outcome.ROUTE_FAILED;
        }
        List<Long> done;
        try {
            done = complete(queueName, deliveries);
        } catch (RuntimeException e) {
            rollback(status, queueName, deliveries);
            LOG.warn("pgmq messages {} of queue '{}' were processed, but completing them ({}) in the route's"
                     + " transaction failed: {}. The transaction rolled back with the route's work; the messages"
                     + " come back when their visibility timeout runs out.",
                    ids(deliveries), queueName, configuration.getOnSuccess(), e.getMessage());
            return Outcome.ROLLED_BACK;
        }
        if (done.size() < deliveries.size()) {
            rollback(status, queueName, deliveries);
            LOG.warn("pgmq messages {} of queue '{}' were processed, but their visibility timeout ({} s) ran out first"
                     + " and another consumer read them again: the route's transaction rolled back, so only that"
                     + " consumer's work counts. Raise visibilityTimeout or set extendVisibility=true.",
                    ids(deliveries), queueName, configuration.getVisibilityTimeout());
            return Outcome.NOT_OURS;
        }
        try {
            transactionManager.commit(status);
            return Outcome.COMMITTED;
        } catch (RuntimeException e) {
            LOG.warn("pgmq messages {} of queue '{}' were processed, but the commit of the route's transaction failed:"
                     + " {}. The route's work and the completion committed together or not at all; if not, the"
                     + " messages come back when their visibility timeout runs out.",
                    ids(deliveries), queueName, e.getMessage());
            return Outcome.COMMIT_FAILED;
        }
    }

    /** Archives or deletes the deliveries on the transaction's connection; the ids done. */
    private List<Long> complete(String queueName, List<PgmqMessage> deliveries) {
        if (configuration.getOnSuccess() == PgmqOnSuccess.none) {
            return ids(deliveries);
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            PgmqClient tx = PgmqClient.onConnection(connection);
            return configuration.getOnSuccess() == PgmqOnSuccess.archive
                    ? tx.archiveDelivered(queueName, deliveries) : tx.deleteDelivered(queueName, deliveries);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    private void rollback(TransactionStatus status, String queueName, List<PgmqMessage> deliveries) {
        if (status.isCompleted()) {
            return;
        }
        try {
            transactionManager.rollback(status);
        } catch (RuntimeException e) {
            // a lost connection: the server rolled it back anyway
            LOG.debug("pgmq rollback of the transaction of messages {} of queue '{}' failed: {}", ids(deliveries),
                    queueName, e.getMessage());
        }
    }

    private static List<Long> ids(List<PgmqMessage> deliveries) {
        return deliveries.stream().map(PgmqMessage::msgId).toList();
    }
}
