package io.camelpgmq.component;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqException;
import io.camelpgmq.client.PgmqMetrics;
import io.camelpgmq.client.QueueNames;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.MultipleConsumersSupport;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spi.HeaderFilterStrategyAware;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.support.DefaultEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Send and receive messages through a pgmq queue in PostgreSQL: durable like a table, woken in milliseconds by
 * LISTEN/NOTIFY, with a poll as the fallback.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "pgmq", title = "PGMQ", syntax = "pgmq:queueName",
             category = { Category.MESSAGING, Category.DATABASE }, headersClass = PgmqConstants.class)
@ManagedResource(description = "Managed pgmq endpoint")
public class PgmqEndpoint extends DefaultEndpoint implements HeaderFilterStrategyAware, MultipleConsumersSupport {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqEndpoint.class);

    @UriParam
    private PgmqConfiguration configuration;

    public PgmqEndpoint(String uri, PgmqComponent component, PgmqConfiguration configuration) {
        super(uri, component);
        this.configuration = configuration;
    }

    @Override
    public PgmqComponent getComponent() {
        return (PgmqComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        return new PgmqProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        PgmqConsumer consumer = new PgmqConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    /** Several consumers on one queue compete for its messages, as consumers in other JVMs do. */
    @Override
    public boolean isMultipleConsumersSupported() {
        return true;
    }

    @Override
    protected void doInit() throws Exception {
        super.doInit();
        if (configuration.getHeaderFilterStrategy() == null) {
            configuration.setHeaderFilterStrategy(new PgmqHeaderFilterStrategy());
        }
        if (configuration.getVisibilityTimeout() < 1) {
            throw new IllegalArgumentException("visibilityTimeout must be at least 1 second, but was "
                                               + configuration.getVisibilityTimeout() + " (on " + getEndpointUri() + ").");
        }
        if (configuration.getMaxMessagesPerPoll() < 1) {
            throw new IllegalArgumentException("maxMessagesPerPoll must be at least 1, but was "
                                               + configuration.getMaxMessagesPerPoll() + " (on " + getEndpointUri()
                                               + ").");
        }
        if (configuration.getConcurrentConsumers() < 1) {
            throw new IllegalArgumentException("concurrentConsumers must be at least 1, but was "
                                               + configuration.getConcurrentConsumers() + " (on " + getEndpointUri()
                                               + ").");
        }
        if (configuration.getPollInterval() < 1) {
            throw new IllegalArgumentException("pollInterval must be at least 1 ms, but was "
                                               + configuration.getPollInterval() + " (on " + getEndpointUri() + ").");
        }
    }

    public PgmqConfiguration getConfiguration() {
        return configuration;
    }

    public void setConfiguration(PgmqConfiguration configuration) {
        this.configuration = configuration;
    }

    @Override
    public HeaderFilterStrategy getHeaderFilterStrategy() {
        return configuration.getHeaderFilterStrategy();
    }

    @Override
    public void setHeaderFilterStrategy(HeaderFilterStrategy strategy) {
        configuration.setHeaderFilterStrategy(strategy);
    }

    /** The component's client; available once the component has started. */
    public PgmqClient getClient() {
        return getComponent().getClient();
    }

    /** The channel consumers of this endpoint LISTEN on and its producer NOTIFYs. */
    public String getChannel() {
        return configuration.getChannel() != null ? configuration.getChannel()
                : QueueNames.insertChannel(configuration.getQueueName());
    }

    /** The channel to notify for a send to another queue (the dead-letter queue), or null for none. */
    String getChannelFor(String otherQueue) {
        return otherQueue == null ? null : QueueNames.insertChannel(otherQueue);
    }

    /**
     * Makes sure pgmq is installed and the queue exists, creating it when {@code autoCreateQueue} is set; for the
     * endpoint's own queue, also binds it to the {@code bindings} patterns.
     */
    void ensureQueue(String queueName) {
        ensureQueueExists(queueName);
        if (queueName.equals(configuration.getQueueName())) {
            for (String pattern : configuration.bindingPatterns()) {
                getClient().bindTopic(pattern, queueName);
                LOG.info("Bound pgmq queue '{}' to topic pattern '{}'", queueName, pattern);
            }
        }
    }

    private void ensureQueueExists(String queueName) {
        PgmqClient client = getClient();
        if (!client.isInstalled()) {
            throw new PgmqException.NotInstalled(
                    "pgmq is not installed in the database of " + getEndpointUri() + ". Install it with CREATE"
                                                 + " EXTENSION pgmq where the extension is available, or set"
                                                 + " installSchema=true on the pgmq component to apply camel-pgmq's"
                                                 + " compatible SQL.",
                    null);
        }
        if (client.queueExists(queueName)) {
            return;
        }
        if (!configuration.isAutoCreateQueue()) {
            throw new PgmqException.QueueNotFound(queueName, null);
        }
        client.createQueue(queueName);
        LOG.info("Created pgmq queue '{}'", queueName);
    }

    @ManagedAttribute(description = "Messages in the queue now, visible or not")
    public long getQueueLength() {
        return metrics().queueLength();
    }

    @ManagedAttribute(description = "Messages that can be read now")
    public Long getQueueVisibleLength() {
        return metrics().queueVisibleLength();
    }

    @ManagedAttribute(description = "Age in seconds of the oldest message, or null when the queue is empty")
    public Integer getOldestMessageAgeSeconds() {
        return metrics().oldestMsgAgeSec();
    }

    @ManagedAttribute(description = "Messages ever sent to the queue")
    public long getTotalMessages() {
        return metrics().totalMessages();
    }

    private PgmqMetrics metrics() {
        return getClient().metrics(configuration.getQueueName());
    }
}
