package io.camelpgmq.component;

import org.apache.camel.spi.Metadata;

/** The Camel header names of the pgmq component, in one place. */
public final class PgmqConstants {

    @Metadata(label = "consumer,producer",
              description = "The pgmq message id. Set by the consumer; read by the producer's archive, delete and setVt"
                            + " operations; set by send.",
              javaType = "Long")
    public static final String MSG_ID = "CamelPgmqMsgId";
    @Metadata(label = "producer", description = "The ids of the messages a sendBatch sent, or the ids for a batch"
                                                + " archive, delete or setVt.",
              javaType = "java.util.List<Long>")
    public static final String MSG_IDS = "CamelPgmqMsgIds";
    @Metadata(label = "consumer", description = "How many times the message was read; more than 1 is a redelivery.",
              javaType = "Integer")
    public static final String READ_COUNT = "CamelPgmqReadCount";
    @Metadata(label = "consumer", description = "When the message was sent.", javaType = "java.time.OffsetDateTime")
    public static final String ENQUEUED_AT = "CamelPgmqEnqueuedAt";
    @Metadata(label = "consumer", description = "When the message becomes visible again (its visibility timeout).",
              javaType = "java.time.OffsetDateTime")
    public static final String VISIBLE_AT = "CamelPgmqVisibleAt";
    @Metadata(label = "consumer", description = "The queue the message was read from.", javaType = "String")
    public static final String QUEUE_NAME = "CamelPgmqQueueName";
    @Metadata(label = "consumer,producer",
              description = "The message's FIFO group. Consumer: the text of pgmq header x-pgmq-group, or null when it"
                            + " has none. Producer: the group written to x-pgmq-group, overriding the endpoint's"
                            + " messageGroupId; for sendBatch and sendBatchTopic a List gives one group per element.",
              javaType = "Object")
    public static final String GROUP_ID = "CamelPgmqGroupId";
    @Metadata(label = "producer", description = "The operation to perform, overriding the endpoint's operation.",
              javaType = "io.camelpgmq.component.PgmqOperations")
    public static final String OPERATION = "CamelPgmqOperation";
    @Metadata(label = "producer", description = "Seconds before a sent message becomes visible (pgmq's send delay),"
                                                + " overriding the endpoint's delay.",
              javaType = "Integer")
    public static final String DELAY = "CamelPgmqDelay";
    @Metadata(label = "producer", description = "Visibility timeout in seconds for the read and setVt operations,"
                                                + " overriding the endpoint's visibilityTimeout.",
              javaType = "Integer")
    public static final String VISIBILITY_TIMEOUT = "CamelPgmqVisibilityTimeout";
    @Metadata(label = "producer", description = "How many messages the read and pop operations take, overriding"
                                                + " maxMessagesPerPoll.",
              javaType = "Integer")
    public static final String QUANTITY = "CamelPgmqQuantity";
    @Metadata(label = "producer", description = "The pgmq headers to send, as a JSON object text or a Map, instead of"
                                                + " the headers mapped from the Camel message.",
              javaType = "Object")
    public static final String PGMQ_HEADERS = "CamelPgmqHeaders";
    @Metadata(label = "producer", description = "A java.sql.Connection on which the producer runs, joining the"
                                                + " caller's transaction (outbox pattern). The producer never commits or"
                                                + " closes it.",
              javaType = "java.sql.Connection")
    public static final String CONNECTION = "CamelPgmqConnection";

    @Metadata(label = "producer", description = "The routing key of sendTopic, sendBatchTopic and testRouting,"
                                                + " overriding the endpoint's routingKey.",
              javaType = "String")
    public static final String ROUTING_KEY = "CamelPgmqRoutingKey";
    @Metadata(label = "producer", description = "The pattern that bindTopic binds and unbindTopic removes for the"
                                                + " endpoint's queue.",
              javaType = "String")
    public static final String TOPIC_PATTERN = "CamelPgmqTopicPattern";
    @Metadata(label = "producer", description = "Set by sendTopic and sendBatchTopic: how many queues got the"
                                                + " message(s); 0 when no binding matched.",
              javaType = "Integer")
    public static final String ROUTED_QUEUES = "CamelPgmqRoutedQueues";
    @Metadata(label = "producer", description = "Set by sendBatchTopic: one PgmqRoutedMessage (queue, msg id) per copy.",
              javaType = "java.util.List<io.camelpgmq.client.PgmqRoutedMessage>")
    public static final String ROUTED_MESSAGES = "CamelPgmqRoutedMessages";

    /** pgmq's FIFO group header: messages with the same value are read in order, one reader at a time. */
    public static final String PGMQ_GROUP = "x-pgmq-group";

    /** pgmq headers written on a message moved to the dead-letter queue. */
    public static final String DLQ_SOURCE_QUEUE = "x-pgmq-dlq-source-queue";
    public static final String DLQ_SOURCE_MSG_ID = "x-pgmq-dlq-source-msg-id";
    public static final String DLQ_READ_COUNT = "x-pgmq-dlq-read-count";
    public static final String DLQ_REASON = "x-pgmq-dlq-reason";
    public static final String DLQ_FAILED_AT = "x-pgmq-dlq-failed-at";

    private PgmqConstants() {
    }
}
