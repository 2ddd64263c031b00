package io.camelpgmq.component;

import java.util.concurrent.ScheduledExecutorService;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.component.consumer.PgmqConsumerMeters;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A component's meters: the consumers' counters and timers, the queues' sampled depth, in-flight count and oldest
 * message age, and what archive retention pruned. Micrometer is an optional dependency: this interface and
 * {@link PgmqConsumerMeters} name none of its types, and {@link PgmqMicrometerMeters} is loaded only when Micrometer is
 * on the classpath and a {@code MeterRegistry} is found.
 */
interface PgmqMeters {

    /** Meters that record nothing. */
    PgmqMeters NONE = new PgmqMeters() {
        @Override
        public PgmqConsumerMeters consumer(String queueName, String deadLetterQueue) {
            return PgmqConsumerMeters.NONE;
        }

        @Override
        public void pruned(String queueName, int rows) {
        }

        @Override
        public void close() {
        }
    };

    String MICROMETER_REGISTRY = "io.micrometer.core.instrument.MeterRegistry";

    /** A consumer's meters; its queue (and dead-letter queue, when not null) join the sampled queues. */
    PgmqConsumerMeters consumer(String queueName, String deadLetterQueue);

    /** Rows archive retention deleted from the queue's archive. */
    void pruned(String queueName, int rows);

    /** Stops sampling and removes the queue gauges (counters and timers stay, as Micrometer's do). */
    void close();

    /**
     * The component's meters: Micrometer's when it is on the classpath and a registry is given or found (the
     * component's meterRegistry, else the only MeterRegistry in Camel's registry, else camel-micrometer's
     * {@code metricsRegistry}), else {@link #NONE}.
     *
     * @param registry        the component's meterRegistry option, or null
     * @param sampleMillis    how often the queues are sampled; 0 samples none
     * @param housekeeping    the component's housekeeping thread, where the sampler runs
     */
    static PgmqMeters create(Object registry, CamelContext context, PgmqClient client, long sampleMillis,
                             java.util.function.Supplier<ScheduledExecutorService> housekeeping) {
        Logger log = LoggerFactory.getLogger(PgmqMeters.class);
        if (!micrometerPresent()) {
            if (registry != null) {
                throw new IllegalArgumentException("The pgmq component's meterRegistry is set, but Micrometer"
                                                   + " (io.micrometer:micrometer-core) is not on the classpath.");
            }
            log.debug("pgmq meters off: Micrometer is not on the classpath");
            return NONE;
        }
        return PgmqMicrometerMeters.create(registry, context, client, sampleMillis, housekeeping);
    }

    private static boolean micrometerPresent() {
        try {
            Class.forName(MICROMETER_REGISTRY, false, PgmqMeters.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
