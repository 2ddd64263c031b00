package io.camelpgmq.component.consumer;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

import org.apache.camel.spi.ExecutorServiceManager;

/**
 * The threads every consumer of one component shares: workers that read and process (created when there is work,
 * ended after a minute idle), and one timer for wake-ups, polls and visibility housekeeping. So the number of threads
 * follows the work, not the number of queues: two hundred idle consumers cost one timer thread.
 */
public final class PgmqConsumerThreads implements AutoCloseable {

    private final ExecutorServiceManager manager;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;

    /** The worker pool and the timer, made by Camel's {@code manager} for {@code owner}. */
    public PgmqConsumerThreads(ExecutorServiceManager manager, Object owner) {
        this.manager = manager;
        this.workers = manager.newCachedThreadPool(owner, "PgmqConsumer");
        this.timer = manager.newScheduledThreadPool(owner, "PgmqConsumerTimer", 1);
    }

    /** The workers that read and process. */
    public ExecutorService workers() {
        return workers;
    }

    /** The one timer for wake-ups, polls and visibility housekeeping. */
    public ScheduledExecutorService timer() {
        return timer;
    }

    /**
     * Ends the threads at once. Consumers stop before their component and each has waited, within Camel's shutdown
     * timeout, for its readers; a worker still running now is stuck in a database call (a dead connection), and
     * waiting for it would only hold up the stop (closing the pool aborts its connection).
     */
    @Override
    public void close() {
        manager.shutdownNow(timer);
        manager.shutdownNow(workers);
    }
}
