package io.camelpgmq.component;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of a pgmq consumer: its listener is connected and hears notifications (when it listens), and its last
 * read succeeded. A listener that is down or deaf makes the consumer DOWN though the poll still delivers: messages
 * then wait up to pollInterval, which is not the service the route was configured for.
 */
final class PgmqConsumerHealthCheck extends AbstractHealthCheck {

    private final PgmqConsumer consumer;

    PgmqConsumerHealthCheck(PgmqConsumer consumer, String routeId) {
        super("camel", "consumer:pgmq-" + routeId);
        this.consumer = consumer;
    }

    @Override
    public boolean isLiveness() {
        // a database outage makes the consumer not ready, but restarting the JVM would not help
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("queue", consumer.getEndpoint().getConfiguration().getQueueName());
        builder.detail("processed", consumer.getProcessedCount());
        builder.detail("failed", consumer.getFailedCount());
        String slowCall = consumer.getSlowDatabaseCall();
        if (slowCall != null) {
            builder.message("The database does not answer: " + slowCall
                            + " (a dead connection, a lock or an overloaded server)").down();
            return;
        }
        String poolerProblem = consumer.getEndpoint().getComponent().getPoolerProblem();
        if (poolerProblem != null) {
            builder.message(poolerProblem).down();
            return;
        }
        String readError = consumer.getLastReadError();
        if (readError != null) {
            builder.message("The last read failed: " + readError).down();
            return;
        }
        if (!consumer.isListenerConnected()) {
            builder.message("The LISTEN connection is down (" + consumer.getListenerError()
                            + "); messages are still read by the poll").down();
            return;
        }
        PgmqListener listener = consumer.getEndpoint().getComponent().getListener();
        if (consumer.getEndpoint().getConfiguration().isListen() && listener != null) {
            builder.detail("listenerHearing", listener.isHearing());
            if (!listener.isHearing()) {
                // like a lost listener: delivery falls back to the poll, so the consumer is not what it should be
                builder.message("The pgmq listener " + listener.getHearingProblem()).down();
                return;
            }
        }
        builder.up();
    }
}
