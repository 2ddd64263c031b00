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
