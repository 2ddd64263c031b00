package io.camelpgmq.component.consumer;

/**
 * What a consumer tells its meters. Free of Micrometer types: without Micrometer the consumer holds {@link #NONE}, and
 * the Micrometer classes are never loaded ({@link io.camelpgmq.component.PgmqMeters}, which makes these).
 */
public interface PgmqConsumerMeters {

    /** Meters that record nothing. */
    PgmqConsumerMeters NONE = new PgmqConsumerMeters() {
    };

    /** A read statement that took {@code nanos} and returned {@code messages} messages. */
    default void read(long nanos, int messages) {
    }

    /** One exchange through the route (one message, or one batch with batching=true). */
    default void processing(long nanos, boolean succeeded) {
    }

    /** Messages whose exchange succeeded, as they are completed. */
    default void succeeded(int messages) {
    }

    /** A message whose exchange failed. */
    default void failed() {
    }

    /** A failed message that comes back for another attempt. */
    default void retried() {
    }

    /** A message moved to the dead-letter queue (or archived, without one) after its last attempt. */
    default void deadLettered() {
    }

    /** Messages read but not started, given back. */
    default void givenBack(int messages) {
    }
}
