package io.camelpgmq.component;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqQueueStats;
import io.camelpgmq.component.consumer.PgmqConsumerMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The component's meters in a Micrometer {@link MeterRegistry}. The queue gauges read the last sample, taken for all
 * the component's queues in one statement every {@code metricsInterval} on the component's housekeeping thread: a
 * scrape never queries the database, and no message does.
 */
final class PgmqMicrometerMeters implements PgmqMeters {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqMicrometerMeters.class);
    /** camel-micrometer's name for its registry in Camel's registry. */
    static final String CAMEL_MICROMETER_REGISTRY_NAME = "metricsRegistry";

    static final String CONSUMER_MESSAGES = "pgmq.consumer.messages";
    static final String CONSUMER_PROCESSING = "pgmq.consumer.processing";
    static final String CONSUMER_READ = "pgmq.consumer.read";
    static final String QUEUE_DEPTH = "pgmq.queue.depth";
    static final String QUEUE_IN_FLIGHT = "pgmq.queue.in.flight";
    static final String QUEUE_OLDEST_AGE = "pgmq.queue.oldest.age";
    static final String ARCHIVE_PRUNED = "pgmq.archive.pruned";

    private final MeterRegistry registry;
    private final PgmqClient client;
    private final Set<String> sampled = ConcurrentHashMap.newKeySet();
    private final Map<String, PgmqQueueStats> samples = new ConcurrentHashMap<>();
    private final List<Meter> gauges = new ArrayList<>();
    private final ScheduledExecutorService housekeeping;
    private final ScheduledFuture<?> sampler;
    private volatile String lastSampleError;

    private PgmqMicrometerMeters(MeterRegistry registry, PgmqClient client, long sampleMillis,
                                 Supplier<ScheduledExecutorService> housekeeping) {
        this.registry = registry;
        this.client = client;
        this.housekeeping = sampleMillis > 0 ? housekeeping.get() : null;
        this.sampler = sampleMillis > 0
                ? this.housekeeping.scheduleWithFixedDelay(this::sample, sampleMillis, sampleMillis,
                        TimeUnit.MILLISECONDS)
                : null;
    }

    static PgmqMeters create(Object given, CamelContext context, PgmqClient client, long sampleMillis,
                             Supplier<ScheduledExecutorService> housekeeping) {
        MeterRegistry registry;
        if (given != null) {
            if (!(given instanceof MeterRegistry r)) {
                throw new IllegalArgumentException("The pgmq component's meterRegistry must be a " + MICROMETER_REGISTRY
                                                   + ", but is a " + given.getClass().getName() + ".");
            }
            registry = r;
        } else {
            registry = context.getRegistry().findSingleByType(MeterRegistry.class);
            if (registry == null) {
                registry = context.getRegistry().lookupByNameAndType(CAMEL_MICROMETER_REGISTRY_NAME, MeterRegistry.class);
            }
        }
        if (registry == null) {
            LOG.debug("pgmq meters off: no MeterRegistry given (meterRegistry) or found in the registry");
            return NONE;
        }
        LOG.info("pgmq meters on, in {}{}", registry.getClass().getSimpleName(),
                sampleMillis > 0 ? "; queues sampled every " + sampleMillis + " ms" : "; queues not sampled");
        return new PgmqMicrometerMeters(registry, client, sampleMillis, housekeeping);
    }

    @Override
    public PgmqConsumerMeters consumer(String queueName, String deadLetterQueue) {
        sample(queueName);
        if (deadLetterQueue != null) {
            sample(deadLetterQueue);
        }
        return new ConsumerMeters(queueName);
    }

    @Override
    public void pruned(String queueName, int rows) {
        Counter.builder(ARCHIVE_PRUNED).description("Archived messages deleted by archive retention")
                .baseUnit("messages").tag("queue", queueName).register(registry).increment(rows);
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.cancel(false);
        }
        synchronized (gauges) {
            gauges.forEach(registry::remove);
            gauges.clear();
        }
    }

    /** Adds the queue to the sampled ones, with its gauges. */
    private void sample(String queueName) {
        if (sampler == null || !sampled.add(queueName)) {
            return;
        }
        synchronized (gauges) {
            gauges.add(gauge(QUEUE_DEPTH, "Messages in the queue, visible or not", "messages", queueName,
                    PgmqQueueStats::depth));
            gauges.add(gauge(QUEUE_IN_FLIGHT, "Messages read and not yet visible again: in process, or waiting"
                                              + " for their retry", "messages", queueName, PgmqQueueStats::inFlight));
            gauges.add(gauge(QUEUE_OLDEST_AGE, "Age of the oldest message in the queue", "seconds", queueName,
                    PgmqQueueStats::oldestAgeSecs));
        }
        // a first figure now, not one interval later
        housekeeping.execute(this::sample);
    }

    private Gauge gauge(String name, String description, String unit, String queueName,
                        ToDoubleFunction<PgmqQueueStats> value) {
        return Gauge.builder(name, samples, s -> {
            PgmqQueueStats stats = s.get(queueName);
            return stats == null ? Double.NaN : value.applyAsDouble(stats);
        }).description(description).baseUnit(unit).tag("queue", queueName).register(registry);
    }

    /** One statement for every sampled queue; a failure keeps the last figures and is logged once until it clears. */
    private void sample() {
        if (sampled.isEmpty()) {
            return;
        }
        try {
            for (PgmqQueueStats stats : client.queueStats(List.copyOf(sampled))) {
                samples.put(stats.queueName(), stats);
            }
            lastSampleError = null;
        } catch (RuntimeException e) {
            if (lastSampleError == null) {
                LOG.warn("pgmq meters could not sample queues {}: {}", sampled, e.getMessage());
            }
            lastSampleError = e.getMessage();
        }
    }

    /** One consumer's meters; Micrometer hands back the same meter for the same name and tags. */
    private final class ConsumerMeters implements PgmqConsumerMeters {

        private final Counter received;
        private final Counter succeeded;
        private final Counter failed;
        private final Counter retried;
        private final Counter deadLettered;
        private final Counter givenBack;
        private final Timer read;
        private final Timer processingSucceeded;
        private final Timer processingFailed;

        ConsumerMeters(String queueName) {
            received = messages(queueName, "received");
            succeeded = messages(queueName, "succeeded");
            failed = messages(queueName, "failed");
            retried = messages(queueName, "retried");
            deadLettered = messages(queueName, "dead_lettered");
            givenBack = messages(queueName, "given_back");
            read = Timer.builder(CONSUMER_READ).description("Read statements of the consumer")
                    .tag("queue", queueName).register(registry);
            processingSucceeded = processing(queueName, "succeeded");
            processingFailed = processing(queueName, "failed");
        }

        private Counter messages(String queueName, String outcome) {
            return Counter.builder(CONSUMER_MESSAGES).description("Messages the consumer received, by what became of"
                                                                  + " them").baseUnit("messages")
                    .tag("queue", queueName).tag("outcome", outcome).register(registry);
        }

        private Timer processing(String queueName, String outcome) {
            return Timer.builder(CONSUMER_PROCESSING).description("Exchanges of the consumer through the route")
                    .tag("queue", queueName).tag("outcome", outcome).register(registry);
        }

        @Override
        public void read(long nanos, int messages) {
            read.record(nanos, TimeUnit.NANOSECONDS);
            received.increment(messages);
        }

        @Override
        public void processing(long nanos, boolean ok) {
            (ok ? processingSucceeded : processingFailed).record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void succeeded(int messages) {
            succeeded.increment(messages);
        }

        @Override
        public void failed() {
            failed.increment();
        }

        @Override
        public void retried() {
            retried.increment();
        }

        @Override
        public void deadLettered() {
            deadLettered.increment();
        }

        @Override
        public void givenBack(int messages) {
            givenBack.increment(messages);
        }
    }
}
