package io.camelpgmq.client;

/**
 * Statements of pgmq's topics: bindings of routing-key patterns to queues, and sends to every queue a key reaches.
 */
final class TopicSql {

    static final String BIND_TOPIC = "SELECT pgmq.bind_topic(?::text, ?::text)";
    static final String UNBIND_TOPIC = "SELECT pgmq.unbind_topic(?::text, ?::text)";
    static final String LIST_TOPIC_BINDINGS = "SELECT * FROM pgmq.list_topic_bindings()";
    static final String LIST_TOPIC_BINDINGS_OF = "SELECT * FROM pgmq.list_topic_bindings(?::text)";
    static final String TEST_ROUTING = "SELECT * FROM pgmq.test_routing(?::text)";
    static final String VALIDATE_ROUTING_KEY = "SELECT pgmq.validate_routing_key(?::text)";
    static final String VALIDATE_TOPIC_PATTERN = "SELECT pgmq.validate_topic_pattern(?::text)";
    static final String SEND_TOPIC = "SELECT pgmq.send_topic(?::text, ?::jsonb, ?::jsonb, ?::integer)";
    static final String SEND_BATCH_TOPIC_CALL
            = "pgmq.send_batch_topic(?::text, ?::text[]::jsonb[], ?::text[]::jsonb[], ?::integer) AS t";
    static final String SEND_BATCH_TOPIC = "SELECT t.queue_name, t.msg_id FROM " + SEND_BATCH_TOPIC_CALL;
    // send_topic notifies nobody: this form NOTIFYs each destination queue's insert channel (the name
    // QueueNames.insertChannel gives, built the way pgmq builds its table name) in the statement that sends, so the
    // wake-ups commit or roll back with the copies; PostgreSQL delivers one per channel and transaction
    static final String SEND_BATCH_TOPIC_NOTIFY = "SELECT t.queue_name, t.msg_id,"
                                                  + " pg_notify('pgmq.q_' || lower(t.queue_name) || '.INSERT', '')"
                                                  + " FROM " + SEND_BATCH_TOPIC_CALL;

    private TopicSql() {
    }
}
