package io.camelpgmq.component;

import org.apache.camel.RuntimeCamelException;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;
import org.apache.camel.spi.UriPath;

/** The options of a {@code pgmq:queueName} endpoint. */
@UriParams
public class PgmqConfiguration implements Cloneable {

    @UriPath(description = "The pgmq queue: 1 to 47 characters, letters, digits and _ (prefer lower case; a queue"
                           + " another client made under a mixed-case name is used under that name).")
    @Metadata(required = true)
    private String queueName;

    // ---------------------------------------------------------------- common

    @UriParam(label = "common", description = "Create the queue (and the dead-letter queue) when it does not exist,"
                                              + " on start. Off by default: then a missing queue is an error on start.")
    private boolean autoCreateQueue;

    @UriParam(label = "common", description = "The LISTEN/NOTIFY channel that wakes consumers. By default pgmq's own"
                                              + " insert channel for the queue (pgmq.q_<queue>.INSERT), the one"
                                              + " pgmq.enable_notify_insert notifies, so that producers in any language"
                                              + " that use pgmq's notify trigger wake Camel too.")
    private String channel;

    @UriParam(label = "common", defaultValue = "30", description = "Visibility timeout in seconds: a message read by"
                                                                   + " the consumer (or the read operation) stays"
                                                                   + " hidden from other readers this long. A plain"
                                                                   + " number is seconds; a duration (30s, 2m, PT30S)"
                                                                   + " is converted to seconds, and one that is not"
                                                                   + " whole seconds (1500ms) is refused.")
    private int visibilityTimeout = 30;

    @UriParam(label = "common,advanced", description = "To filter headers to and from pgmq's headers with a custom"
                                                       + " HeaderFilterStrategy.")
    private HeaderFilterStrategy headerFilterStrategy;

    @UriParam(label = "common", description = "Topic patterns (comma-separated) to bind the queue to on start, for"
                                              + " a consumer fed by sendTopic: words separated by dots, * is one word,"
                                              + " # any characters. Binding is idempotent; bindings are never removed"
                                              + " on stop.")
    private String bindings;

    // ---------------------------------------------------------------- consumer

    @UriParam(label = "consumer", defaultValue = "10", description = "How many messages a consumer thread reads at"
                                                                     + " once (pgmq read qty).")
    private int maxMessagesPerPoll = 10;

    @UriParam(label = "consumer", defaultValue = "1", description = "How many readers this consumer runs at once"
                                                                    + " when woken (each reads a batch and processes"
                                                                    + " it); they run only while there is something"
                                                                    + " to read.")
    private int concurrentConsumers = 1;

    @UriParam(label = "consumer", defaultValue = "4", description = "The most readers this consumer runs at once"
                                                                    + " under load: beyond concurrentConsumers, a"
                                                                    + " reader is added each time a read comes back"
                                                                    + " full (a grouped read with the group index:"
                                                                    + " only while other groups were free), and it"
                                                                    + " ends when a read comes back"
                                                                    + " short. Set it to 1 (with concurrentConsumers"
                                                                    + " 1) to process strictly one message at a time;"
                                                                    + " a value below concurrentConsumers means"
                                                                    + " concurrentConsumers.")
    private int maxConcurrentConsumers = 4;

    @UriParam(label = "consumer", defaultValue = "true", description = "Wake the consumer by LISTEN on the channel"
                                                                      + " (milliseconds after the sender commits). When"
                                                                      + " false the consumer only polls.")
    private boolean listen = true;

    @UriParam(label = "consumer", defaultValue = "30000", javaType = "java.time.Duration",
              description = "Milliseconds between the fallback reads that catch whatever a listener missed (and all"
                            + " messages when listen=false).")
    private long pollInterval = 30000;

    @UriParam(label = "consumer", defaultValue = "archive", description = "What to do with a message whose exchange"
                                                                         + " completed: archive it (to a_<queue>),"
                                                                         + " delete it, or none (leave it until its"
                                                                         + " visibility timeout runs out).")
    private PgmqOnSuccess onSuccess = PgmqOnSuccess.archive;

    @UriParam(label = "consumer", defaultValue = "-1", description = "How many times a failed message is retried"
                                                                     + " before it goes to the dead-letter queue; -1"
                                                                     + " retries for ever. A message is handed to the"
                                                                     + " route at most maxRetries + 1 times.")
    private int maxRetries = -1;

    @UriParam(label = "consumer", description = "The queue that receives a message that failed maxRetries + 1 times,"
                                                + " with its pgmq headers and the failure (x-pgmq-dlq-*). Without one,"
                                                + " such a message is archived and logged. Requires maxRetries: with"
                                                + " the default -1 no message would ever get there, so the endpoint"
                                                + " refuses to start.")
    private String deadLetterQueue;

    @UriParam(label = "consumer", javaType = "java.time.Duration", description = "Milliseconds before a failed message"
                                                                                 + " is read again. Unset: it comes"
                                                                                 + " back when its visibility timeout"
                                                                                 + " runs out.")
    private Long retryDelay;

    @UriParam(label = "consumer", defaultValue = "1.0", description = "Multiplies retryDelay at each further retry"
                                                                      + " (2.0 doubles it), up to maxRetryDelay.")
    private double retryBackoffMultiplier = 1.0;

    @UriParam(label = "consumer", defaultValue = "300000", javaType = "java.time.Duration",
              description = "The longest retry delay in milliseconds.")
    private long maxRetryDelay = 300000;

    @UriParam(label = "consumer", defaultValue = "false", description = "Push the visibility timeout of in-flight"
                                                                       + " messages forward (every half timeout), so"
                                                                       + " that work longer than the timeout is not"
                                                                       + " read twice.")
    private boolean extendVisibility;

    @UriParam(label = "consumer", defaultValue = "plain",
              description = "How the consumer reads: plain (oldest first, groups ignored), or in FIFO groups (pgmq"
                            + " header x-pgmq-group): grouped (fills a batch from one group, then the next, like SQS"
                            + " FIFO), groupedRoundRobin (one message per group per round), groupedHead (one message"
                            + " per group); the groups take turns. Grouped: a group's messages reach the route in"
                            + " msg_id order, never two at once across threads and JVMs; a failure holds its group"
                            + " until its retry succeeds or it is dead-lettered; the visibility of a message in process"
                            + " is extended.")
    private PgmqReadMode readMode = PgmqReadMode.plain;

    @UriParam(label = "consumer", defaultValue = "0", javaType = "java.time.Duration",
              description = "Archive retention: messages archived longer ago than this are deleted from the queue's"
                            + " archive (pgmq.a_<queue>), in small batches on the component's housekeeping thread,"
                            + " every archivePruneInterval (a component option); one JVM at a time prunes an archive."
                            + " 0 keeps archives for ever.")
    private long archiveRetention;

    @UriParam(label = "consumer", defaultValue = "false", description = "Apply archiveRetention to the dead-letter"
                                                                       + " queue's archive too.")
    private boolean pruneDeadLetterArchive;

    @UriParam(label = "consumer", defaultValue = "false", description = "One exchange per read batch: the body is a"
                                                                       + " List of the messages' JSON texts, and header"
                                                                       + " CamelPgmqMsgIds their ids. The batch"
                                                                       + " succeeds or fails as a whole.")
    private boolean batching;

    @UriParam(label = "consumer,security", description = "The pgmq headers that become exchange headers:"
                                                         + " comma-separated names, or prefixes ending in *, matched"
                                                         + " ignoring case (e.g. tenant,orderId,trace*). Every other"
                                                         + " pgmq header is left out, so that a sender cannot set a"
                                                         + " header a later producer obeys (to for smtp:,"
                                                         + " kafka.OVERRIDE_TOPIC, Authorization for http:). By default"
                                                         + " every pgmq header but Camel's own. The component's"
                                                         + " CamelPgmq* headers, CamelPgmqGroupId among them, are set"
                                                         + " either way.")
    private String includeHeaders;

    @UriParam(label = "consumer,transaction", defaultValue = "false",
              description = "Complete each message in the transaction of its route: the consumer begins a Spring"
                            + " transaction (PlatformTransactionManager over the component's DataSource) around the"
                            + " route, the route's JDBC/JPA work and a transacted() in the route join it, and the"
                            + " archive (or delete) runs on the transaction's connection just before it commits: both"
                            + " commit or roll back together (an exactly-once effect for work in the same database)."
                            + " The read stays in its own transaction, so a failed attempt still counts toward"
                            + " maxRetries. When the message was read again by another consumer meanwhile, the"
                            + " transaction rolls back. With batching=true, a batch's messages share one transaction."
                            + " Needs spring-tx and spring-jdbc on the classpath.")
    private boolean transacted;

    @UriParam(label = "consumer,transaction", javaType = "org.springframework.transaction.PlatformTransactionManager",
              description = "The transaction manager of transacted=true; by default the only"
                            + " PlatformTransactionManager in the registry. It must manage the component's DataSource"
                            + " (a DataSourceTransactionManager or JpaTransactionManager over it).")
    private Object transactionManager;

    // ---------------------------------------------------------------- producer

    @UriParam(label = "producer", defaultValue = "send", description = "The operation the producer performs.")
    private PgmqOperations operation = PgmqOperations.send;

    @UriParam(label = "producer", defaultValue = "true", description = "Send a NOTIFY on the channel in the sending"
                                                                      + " transaction. Turn off for high-volume senders"
                                                                      + " whose consumers rely on the poll: NOTIFY"
                                                                      + " takes a database-wide lock at commit.")
    private boolean notify = true;

    @UriParam(label = "producer", defaultValue = "0", description = "Seconds before a sent message becomes visible. A"
                                                                  + " plain number is seconds; a duration (30s, 2m,"
                                                                  + " PT30S) is converted to seconds, and one that is"
                                                                  + " not whole seconds is refused.")
    private int delay;

    @UriParam(label = "producer", description = "The FIFO group of sent messages, written to pgmq's x-pgmq-group"
                                                + " header: a constant, or a simple expression evaluated per exchange"
                                                + " such as ${header.customerId}. Header CamelPgmqGroupId overrides it.")
    private String messageGroupId;

    @UriParam(label = "producer", description = "The routing key of sendTopic, sendBatchTopic and testRouting: words"
                                                + " of letters, digits, - and _ separated by dots. Header"
                                                + " CamelPgmqRoutingKey overrides it.")
    private String routingKey;

    public String getQueueName() {
        return queueName;
    }

    public void setQueueName(String queueName) {
        this.queueName = queueName;
    }

    public boolean isAutoCreateQueue() {
        return autoCreateQueue;
    }

    public void setAutoCreateQueue(boolean autoCreateQueue) {
        this.autoCreateQueue = autoCreateQueue;
    }

    public String getChannel() {
        return channel;
    }

    public void setChannel(String channel) {
        this.channel = channel;
    }

    public int getVisibilityTimeout() {
        return visibilityTimeout;
    }

    public void setVisibilityTimeout(int visibilityTimeout) {
        this.visibilityTimeout = visibilityTimeout;
    }

    public HeaderFilterStrategy getHeaderFilterStrategy() {
        return headerFilterStrategy;
    }

    public void setHeaderFilterStrategy(HeaderFilterStrategy headerFilterStrategy) {
        this.headerFilterStrategy = headerFilterStrategy;
    }

    public int getMaxMessagesPerPoll() {
        return maxMessagesPerPoll;
    }

    public void setMaxMessagesPerPoll(int maxMessagesPerPoll) {
        this.maxMessagesPerPoll = maxMessagesPerPoll;
    }

    public int getConcurrentConsumers() {
        return concurrentConsumers;
    }

    public void setConcurrentConsumers(int concurrentConsumers) {
        this.concurrentConsumers = concurrentConsumers;
    }

    public int getMaxConcurrentConsumers() {
        return maxConcurrentConsumers;
    }

    public void setMaxConcurrentConsumers(int maxConcurrentConsumers) {
        this.maxConcurrentConsumers = maxConcurrentConsumers;
    }

    public boolean isListen() {
        return listen;
    }

    public void setListen(boolean listen) {
        this.listen = listen;
    }

    public long getPollInterval() {
        return pollInterval;
    }

    public void setPollInterval(long pollInterval) {
        this.pollInterval = pollInterval;
    }

    public PgmqOnSuccess getOnSuccess() {
        return onSuccess;
    }

    public void setOnSuccess(PgmqOnSuccess onSuccess) {
        this.onSuccess = onSuccess;
    }

    public int getMaxRetries() {
        return maxRetries;
    }

    public void setMaxRetries(int maxRetries) {
        this.maxRetries = maxRetries;
    }

    public String getDeadLetterQueue() {
        return deadLetterQueue;
    }

    public void setDeadLetterQueue(String deadLetterQueue) {
        this.deadLetterQueue = deadLetterQueue;
    }

    public Long getRetryDelay() {
        return retryDelay;
    }

    public void setRetryDelay(Long retryDelay) {
        this.retryDelay = retryDelay;
    }

    public double getRetryBackoffMultiplier() {
        return retryBackoffMultiplier;
    }

    public void setRetryBackoffMultiplier(double retryBackoffMultiplier) {
        this.retryBackoffMultiplier = retryBackoffMultiplier;
    }

    public long getMaxRetryDelay() {
        return maxRetryDelay;
    }

    public void setMaxRetryDelay(long maxRetryDelay) {
        this.maxRetryDelay = maxRetryDelay;
    }

    public boolean isExtendVisibility() {
        return extendVisibility;
    }

    public void setExtendVisibility(boolean extendVisibility) {
        this.extendVisibility = extendVisibility;
    }

    public PgmqReadMode getReadMode() {
        return readMode;
    }

    public void setReadMode(PgmqReadMode readMode) {
        this.readMode = readMode;
    }

    public boolean isTransacted() {
        return transacted;
    }

    public void setTransacted(boolean transacted) {
        this.transacted = transacted;
    }

    public Object getTransactionManager() {
        return transactionManager;
    }

    public void setTransactionManager(Object transactionManager) {
        this.transactionManager = transactionManager;
    }

    public boolean isBatching() {
        return batching;
    }

    public void setBatching(boolean batching) {
        this.batching = batching;
    }

    public PgmqOperations getOperation() {
        return operation;
    }

    public void setOperation(PgmqOperations operation) {
        this.operation = operation;
    }

    public boolean isNotify() {
        return notify;
    }

    public void setNotify(boolean notify) {
        this.notify = notify;
    }

    public int getDelay() {
        return delay;
    }

    public void setDelay(int delay) {
        this.delay = delay;
    }

    public String getIncludeHeaders() {
        return includeHeaders;
    }

    public void setIncludeHeaders(String includeHeaders) {
        this.includeHeaders = includeHeaders;
    }

    public String getBindings() {
        return bindings;
    }

    public void setBindings(String bindings) {
        this.bindings = bindings;
    }

    /** The patterns of {@link #getBindings()}, trimmed, without empty entries. */
    public java.util.List<String> bindingPatterns() {
        if (bindings == null) {
            return java.util.List.of();
        }
        return java.util.Arrays.stream(bindings.split(",")).map(String::trim).filter(p -> !p.isEmpty()).toList();
    }

    public String getMessageGroupId() {
        return messageGroupId;
    }

    public void setMessageGroupId(String messageGroupId) {
        this.messageGroupId = messageGroupId;
    }

    public String getRoutingKey() {
        return routingKey;
    }

    public void setRoutingKey(String routingKey) {
        this.routingKey = routingKey;
    }

    /** The retry delay in milliseconds before the given attempt is read again, or -1 to leave the vt as it is. */
    public long retryDelayFor(int readCount) {
        if (retryDelay == null) {
            return -1;
        }
        double delayMs = retryDelay * Math.pow(retryBackoffMultiplier, Math.max(0, readCount - 1));
        return (long) Math.min(delayMs, maxRetryDelay);
    }

    public PgmqConfiguration copy() {
        try {
            return (PgmqConfiguration) clone();
        } catch (CloneNotSupportedException e) {
            throw new RuntimeCamelException(e);
        }
    }

    public long getArchiveRetention() {
        return archiveRetention;
    }

    public void setArchiveRetention(long archiveRetention) {
        this.archiveRetention = archiveRetention;
    }

    public boolean isPruneDeadLetterArchive() {
        return pruneDeadLetterArchive;
    }

    public void setPruneDeadLetterArchive(boolean pruneDeadLetterArchive) {
        this.pruneDeadLetterArchive = pruneDeadLetterArchive;
    }
}
