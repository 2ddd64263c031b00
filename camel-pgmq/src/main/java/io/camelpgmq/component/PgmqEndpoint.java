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
    private PgmqIncludedHeaders includedHeaders = PgmqIncludedHeaders.ALL;

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
        includedHeaders = PgmqIncludedHeaders.of(configuration.getIncludeHeaders());
        if (configuration.getVisibilityTimeout() < 1) {
            throw new IllegalArgumentException("visibilityTimeout must be at least 1 second, but was "
                                               + configuration.getVisibilityTimeout() + " (on " + getEndpointUri() + ").");
        }
        if (configuration.getDeadLetterQueue() != null && configuration.getMaxRetries() < 0) {
            // with maxRetries=-1 (retry for ever) no message would ever reach the dead-letter queue
            throw new IllegalArgumentException("deadLetterQueue=" + configuration.getDeadLetterQueue() + " needs"
                                               + " maxRetries (e.g. maxRetries=3): without it a failing message is"
                                               + " retried for ever and never reaches the dead-letter queue (on "
                                               + getEndpointUri() + ").");
        }
        if (configuration.getDelay() < 0) {
            throw new IllegalArgumentException("delay must be 0 or more seconds, but was " + configuration.getDelay()
                                               + " (on " + getEndpointUri() + ").");
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
        if (configuration.getMaxConcurrentConsumers() < 1) {
            throw new IllegalArgumentException("maxConcurrentConsumers must be at least 1, but was "
                                               + configuration.getMaxConcurrentConsumers() + " (on "
                                               + getEndpointUri() + ").");
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

    /** The pgmq headers the consumer turns into exchange headers (option includeHeaders). */
    PgmqIncludedHeaders getIncludedHeaders() {
        return includedHeaders;
    }

    /** The component's client; available once the component has started. */
    public PgmqClient getClient() {
        return getComponent().getClient();
    }

    /** The client producers use (over the component's producerDataSource when set); once the component started. */
    PgmqClient getProducerClient() {
        return getComponent().getProducerClient();
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
     * At consumer start, for its queue and its dead-letter queue: makes sure pgmq is installed with every function
     * the consumer calls, the queue exists (creating it when {@code autoCreateQueue} is set), and the role has the
     * privileges the consumer needs.
     * For the endpoint's own queue, also binds it to the {@code bindings} patterns.
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
        PgmqAccessCheck check = PgmqAccessCheck.forConsumer(configuration, getEndpointUri());
        if (!check.checkSchemaAndFunctions(client)) {
            throw notInstalled();
        }
        createIfWanted(client, queueName);
        check.checkPrivileges(client);
    }

    /**
     * At producer start: the checks of the configured operation (functions, privileges). The database being
     * unreachable does not stop a producer from starting (it fails at its first send instead), a missing privilege or
     * function does.
     */
    void checkProducer() {
        PgmqClient client = getClient();
        PgmqAccessCheck check = PgmqAccessCheck.forProducer(configuration, getEndpointUri());
        try {
            if (!check.checkSchemaAndFunctions(client)) {
                if (configuration.isAutoCreateQueue()) {
                    throw notInstalled();
                }
                return;
            }
            if (configuration.isAutoCreateQueue()) {
                createIfWanted(client, configuration.getQueueName());
            }
            check.checkPrivileges(client);
        } catch (PgmqException.AccessDenied | PgmqException.Incompatible | PgmqException.NotInstalled e) {
            throw e;
        } catch (PgmqException e) {
            if (configuration.isAutoCreateQueue()) {
                throw e;
            }
            LOG.warn("pgmq producer of {} could not check its privileges at start ({}); it starts anyway and reports"
                     + " any problem at its first send.",
                    getEndpointUri(), e.getMessage());
        }
    }

    private void createIfWanted(PgmqClient client, String queueName) {
        if (!client.isInstalled()) {
            throw notInstalled();
        }
        String registered = client.registeredName(queueName);
        if (queueName.equals(registered)) {
            return;
        }
        if (registered != null) {
            // its tables exist under another spelling: neither use a second name nor let autoCreateQueue register it
            throw new PgmqException.QueueNameConflict(queueName, registered);
        }
        if (!configuration.isAutoCreateQueue()) {
            throw new PgmqException.QueueNotFound(queueName, null);
        }
        client.createQueue(queueName);
        LOG.info("Created pgmq queue '{}'", queueName);
    }

    private PgmqException notInstalled() {
        return new PgmqException.NotInstalled(
                "pgmq is not installed in the database of " + getEndpointUri() + ". Install it with CREATE"
                                              + " EXTENSION pgmq where the extension is available, or set"
                                              + " installSchema=true on the pgmq component to apply camel-pgmq's"
                                              + " compatible SQL.",
                null);
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
