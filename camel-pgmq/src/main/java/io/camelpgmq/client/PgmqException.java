package io.camelpgmq.client;

/**
 * A pgmq operation failed. The message says what went wrong and, where there is one, the fix; the cause is the
 * driver's exception.
 */
public class PgmqException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PgmqException(String message, Throwable cause) {
        super(message, cause);
    }

    public PgmqException(String message) {
        super(message);
    }

    /** The database has no {@code pgmq} schema: neither the extension nor the compatible SQL is installed. */
    public static class NotInstalled extends PgmqException {
        private static final long serialVersionUID = 1L;

        public NotInstalled(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The queue does not exist. */
    public static class QueueNotFound extends PgmqException {
        private static final long serialVersionUID = 1L;
        private final String queueName;

        public QueueNotFound(String queueName, Throwable cause) {
            super("The pgmq queue '" + queueName + "' does not exist. Create it first: pgmq.create('" + queueName
                  + "'), the producer's operation=createQueue, or autoCreateQueue=true on the endpoint.",
                  cause);
            this.queueName = queueName;
        }

        public String getQueueName() {
            return queueName;
        }
    }

    /**
     * The queue name is another spelling of an existing queue's name: pgmq lower-cases a name for its tables, so both
     * names would be the same tables under two {@code pgmq.meta} rows.
     */
    public static class QueueNameConflict extends PgmqException {
        private static final long serialVersionUID = 1L;

        public QueueNameConflict(String queueName, String registeredName) {
            super("The pgmq queue name '" + queueName + "' is another spelling of the existing queue '" + registeredName
                  + "': pgmq lower-cases a queue name for its tables (pgmq." + QueueNames.queueTable(queueName)
                  + "), and pgmq.meta knows them as '" + registeredName + "'. Registering '" + queueName
                  + "' too would give the same tables two names, and dropping either queue would drop both's"
                  + " messages. Use the queue name '" + registeredName + "'.");
        }
    }

    /** The database role lacks a privilege pgmq needs; the message names it and the GRANT that gives it. */
    public static class AccessDenied extends PgmqException {
        private static final long serialVersionUID = 1L;

        public AccessDenied(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The installed pgmq lacks a function camel-pgmq calls (an older pgmq, or a damaged installation). */
    public static class Incompatible extends PgmqException {
        private static final long serialVersionUID = 1L;

        public Incompatible(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
