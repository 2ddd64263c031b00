package io.camelpgmq.component;

/** What a pgmq producer does with a message. */
public enum PgmqOperations {
    /** Send the body as one message (JSON text, Map, List or POJO), with its NOTIFY, in one transaction. */
    send,
    /** Send every element of a List or array body, in one transaction with one NOTIFY. */
    sendBatch,
    /** Read messages (List of PgmqMessage), hiding them for the visibility timeout. */
    read,
    /** Read and delete messages at once (List of PgmqMessage). */
    pop,
    /** Move the message of header CamelPgmqMsgId (or the ids of CamelPgmqMsgIds) to the archive. */
    archive,
    /** Delete the message of header CamelPgmqMsgId (or the ids of CamelPgmqMsgIds). */
    delete,
    /** Set the visibility timeout of the message of header CamelPgmqMsgId to now + visibility timeout. */
    setVt,
    /** Delete every message of the queue; the body is how many there were. */
    purge,
    /** The queue's figures (PgmqMetrics). */
    metrics,
    /** Create the queue (does nothing when it exists). */
    createQueue,
    /** Drop the queue and its archive; the body is whether it existed. */
    dropQueue,
    /** Every queue of the database (List of PgmqQueue). */
    listQueues,
    /**
     * Send the body to every queue bound to a pattern the routing key matches; header CamelPgmqRoutedQueues tells how
     * many got it. With notify, each destination queue's channel is notified in the same transaction.
     */
    sendTopic,
    /** Send every element of a List or array body to every matching queue, in one transaction. */
    sendBatchTopic,
    /** Bind the endpoint's queue to the pattern of header CamelPgmqTopicPattern (binding twice is harmless). */
    bindTopic,
    /** Remove the binding of header CamelPgmqTopicPattern; the body is whether there was one. */
    unbindTopic,
    /** The topic bindings of the endpoint's queue (List of PgmqTopicBinding). */
    listTopicBindings,
    /** The bindings the routing key matches, without sending (List of PgmqTopicBinding). */
    testRouting
}
