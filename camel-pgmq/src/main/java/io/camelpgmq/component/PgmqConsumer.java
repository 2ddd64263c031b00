package io.camelpgmq.component;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqMessage;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.ShutdownRunningTask;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spi.ShutdownAware;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a pgmq queue and hands each message to the route.
 * <p>
 * {@code concurrentConsumers} reader threads wait for a wake-up: a NOTIFY on the channel (through the component's
 * {@link PgmqListener}), the fallback poll every {@code pollInterval}, or a fellow reader that found a full batch.
 * A woken reader reads a batch with the visibility timeout, processes it, and reads again while batches come back
 * full. Each read commits at once: no transaction stays open while the route runs. Completion is a new short
 * statement ({@link PgmqCompletion}).
 */
@ManagedResource(description = "Managed pgmq consumer")
public class PgmqConsumer extends DefaultConsumer implements ShutdownAware {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqConsumer.class);
    private static final long READ_ERROR_PAUSE_MILLIS = 1000;
    // the retry's vt is set by the database clock; a few ms later it is surely visible
    private static final long RETRY_WAKEUP_MARGIN_MILLIS = 20;

    private final PgmqConfiguration configuration;
    private final String queueName;
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicInteger pendingInBatches = new AtomicInteger();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();

    private volatile boolean readingAllowed;
    private volatile String lastReadError;
    private PgmqClient client;
    private PgmqCompletion completion;
    private PgmqWakeup wakeup;
    private ExecutorService readers;
    private ScheduledExecutorService timer;
    private PgmqListener.Registration registration;

    public PgmqConsumer(PgmqEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.configuration = endpoint.getConfiguration();
        this.queueName = configuration.getQueueName();
    }

    @Override
    public PgmqEndpoint getEndpoint() {
        return (PgmqEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        PgmqEndpoint endpoint = getEndpoint();
        client = endpoint.getClient();
        endpoint.ensureQueue(queueName);
        if (configuration.getDeadLetterQueue() != null) {
            endpoint.ensureQueue(configuration.getDeadLetterQueue());
        }
        completion = new PgmqCompletion(client, configuration, endpoint.getChannelFor(configuration.getDeadLetterQueue()));
        int threads = Math.max(1, configuration.getConcurrentConsumers());
        wakeup = new PgmqWakeup(threads);
        readingAllowed = true;

        ExecutorServiceManager ecm = getEndpoint().getCamelContext().getExecutorServiceManager();
        readers = ecm.newFixedThreadPool(this, "PgmqConsumer[" + queueName + "]", threads);
        for (int i = 0; i < threads; i++) {
            readers.submit(this::readLoop);
        }
        timer = ecm.newSingleThreadScheduledExecutor(this, "PgmqConsumerTimer[" + queueName + "]");
        long poll = Math.max(10, configuration.getPollInterval());
        timer.scheduleWithFixedDelay(wakeup::wakeOne, poll, poll, TimeUnit.MILLISECONDS);
        if (configuration.isExtendVisibility()) {
            long every = Math.max(500, configuration.getVisibilityTimeout() * 1000L / 2);
            timer.scheduleWithFixedDelay(this::extendVisibility, every, every, TimeUnit.MILLISECONDS);
        }
        if (configuration.isListen()) {
            registration = getEndpoint().getComponent().getListener().register(endpoint.getChannel(), wakeup::wakeOne);
        }
        // read what is already there: it was sent before anyone listened
        wakeup.wakeOne();
        registerHealthCheck();
        LOG.info("pgmq consumer started on queue '{}': {} thread(s), batch {}, visibility timeout {} s, {}",
                queueName, threads, configuration.getMaxMessagesPerPoll(), configuration.getVisibilityTimeout(),
                configuration.isListen()
                        ? "woken by LISTEN on \"" + endpoint.getChannel() + "\", polling every "
                          + configuration.getPollInterval() + " ms"
                        : "polling every " + configuration.getPollInterval() + " ms (listen=false)");
    }

    @Override
    protected void doStop() throws Exception {
        readingAllowed = false;
        if (registration != null) {
            registration.close();
            registration = null;
        }
        if (wakeup != null) {
            wakeup.close();
        }
        ExecutorServiceManager ecm = getEndpoint().getCamelContext().getExecutorServiceManager();
        if (timer != null) {
            ecm.shutdownNow(timer);
            timer = null;
        }
        if (readers != null) {
            // lets the exchanges in progress finish; the readers give back what they read but did not start
            ecm.shutdownGraceful(readers);
            readers = null;
        }
        super.doStop();
    }

    @Override
    protected void doSuspend() throws Exception {
        readingAllowed = false;
        super.doSuspend();
    }

    @Override
    protected void doResume() throws Exception {
        readingAllowed = true;
        wakeup.wakeOne();
        super.doResume();
    }

    private void readLoop() {
        while (isRunAllowed() && !Thread.currentThread().isInterrupted()) {
            try {
                if (wakeup.await(1000) && readingAllowed) {
                    drain();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                getExceptionHandler().handleException("pgmq consumer of queue '" + queueName + "' failed", e);
            }
        }
    }

    /** Reads and processes batches while they come back full. */
    private void drain() throws InterruptedException {
        int qty = Math.max(1, configuration.getMaxMessagesPerPoll());
        while (readingAllowed) {
            List<PgmqMessage> batch;
            try {
                batch = client.read(queueName, configuration.getVisibilityTimeout(), qty);
                reads.incrementAndGet();
                lastReadError = null;
            } catch (RuntimeException e) {
                if (lastReadError == null) {
                    LOG.warn("pgmq consumer cannot read queue '{}': {}. Retrying.", queueName, e.getMessage());
                }
                lastReadError = e.getMessage();
                Thread.sleep(READ_ERROR_PAUSE_MILLIS);
                // try again after the pause: no notification or poll may come for a long while
                wakeup.wakeOne();
                return;
            }
            if (batch.isEmpty()) {
                return;
            }
            if (batch.size() == qty) {
                // there may be more: let another reader help while this one works
                wakeup.wakeOne();
            }
            process(batch);
            if (batch.size() < qty) {
                return;
            }
        }
    }

    private void process(List<PgmqMessage> batch) {
        batch.forEach(m -> inFlight.add(m.msgId()));
        pendingInBatches.addAndGet(batch.size());
        List<PgmqMessage> toProcess = new ArrayList<>(batch.size());
        for (PgmqMessage message : batch) {
            if (completion.isExhausted(message)) {
                // read more often than allowed without completing: the consumer died while processing it
                completion.deadLetter(queueName, message, "read " + message.readCount()
                                                          + " times without completing (the consumer stopped or"
                                                          + " crashed while processing it)");
                finished(message.msgId());
            } else {
                toProcess.add(message);
            }
        }
        SuccessBatch successes = new SuccessBatch();
        if (configuration.isBatching()) {
            if (!toProcess.isEmpty()) {
                processExchange(createBatchExchange(toProcess), toProcess, successes);
            }
            successes.flush();
            return;
        }
        for (int i = 0; i < toProcess.size(); i++) {
            if (!readingAllowed) {
                giveBack(toProcess.subList(i, toProcess.size()));
                break;
            }
            PgmqMessage message = toProcess.get(i);
            Exchange exchange = createExchange(message);
            exchange.setProperty(Exchange.BATCH_INDEX, i);
            exchange.setProperty(Exchange.BATCH_SIZE, toProcess.size());
            exchange.setProperty(Exchange.BATCH_COMPLETE, i == toProcess.size() - 1);
            processExchange(exchange, List.of(message), successes);
        }
        successes.flush();
    }

    /**
     * Collects the messages of one read whose exchanges completed, to archive (or delete) them in one statement
     * when the read's loop ends. An exchange that completes later (an asynchronous route) is completed on its own.
     */
    private final class SuccessBatch {
        private final List<PgmqMessage> collected = new ArrayList<>();
        // completed messages must not wait in the queue until their visibility timeout runs out
        private final long holdNanos = TimeUnit.SECONDS.toNanos(configuration.getVisibilityTimeout()) / 2;
        private long since = System.nanoTime();
        private boolean flushed;

        void add(List<PgmqMessage> messages) {
            List<PgmqMessage> toComplete;
            synchronized (this) {
                if (flushed) {
                    toComplete = messages;
                } else {
                    collected.addAll(messages);
                    if (System.nanoTime() - since < holdNanos) {
                        return;
                    }
                    toComplete = List.copyOf(collected);
                    collected.clear();
                    since = System.nanoTime();
                }
            }
            complete(toComplete);
        }

        void flush() {
            List<PgmqMessage> toComplete;
            synchronized (this) {
                flushed = true;
                toComplete = List.copyOf(collected);
                collected.clear();
            }
            complete(toComplete);
        }

        private void complete(List<PgmqMessage> messages) {
            if (!messages.isEmpty()) {
                completion.succeeded(queueName, messages);
                messages.forEach(m -> finished(m.msgId()));
            }
        }
    }

    private void processExchange(Exchange exchange, List<PgmqMessage> messages, SuccessBatch successes) {
        exchange.getExchangeExtension().addOnCompletion(new Synchronization() {
            @Override
            public void onComplete(Exchange done) {
                processed.addAndGet(messages.size());
                successes.add(messages);
            }

            @Override
            public void onFailure(Exchange done) {
                failed.addAndGet(messages.size());
                Throwable cause = done.getException();
                long retryIn = -1;
                for (PgmqMessage m : messages) {
                    retryIn = Math.max(retryIn, completion.failed(queueName, m, cause));
                    finished(m.msgId());
                }
                if (retryIn >= 0) {
                    // no notification announces a retry: wake a reader when it is due rather than at the next poll
                    scheduleWakeup(retryIn + RETRY_WAKEUP_MARGIN_MILLIS);
                }
            }
        });
        try {
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        // a failure was logged by the route's error handler already; completion decides retry or dead letter
        if (exchange.getException() != null) {
            LOG.debug("pgmq message(s) {} of queue '{}' failed: {}", ids(messages), queueName,
                    exchange.getException().getMessage());
        }
    }

    private void scheduleWakeup(long delayMillis) {
        ScheduledExecutorService t = timer;
        if (t != null && delayMillis < configuration.getPollInterval()) {
            try {
                t.schedule(wakeup::wakeOne, delayMillis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping: the message comes back to the next consumer anyway
            }
        }
    }

    private void finished(long msgId) {
        inFlight.remove(msgId);
        pendingInBatches.decrementAndGet();
    }

    /** Makes messages that were read but not started visible again at once, so another consumer takes them. */
    private void giveBack(List<PgmqMessage> unstarted) {
        List<Long> ids = unstarted.stream().map(PgmqMessage::msgId).toList();
        try {
            client.setVt(queueName, ids, 0);
            LOG.info("pgmq consumer stopping: gave back {} unstarted message(s) of queue '{}'", ids.size(), queueName);
        } catch (RuntimeException e) {
            LOG.warn("pgmq consumer stopping: could not give back messages {} of queue '{}' ({}); they come back when"
                     + " their visibility timeout runs out",
                    ids, queueName, e.getMessage());
        }
        ids.forEach(this::finished);
    }

    private void extendVisibility() {
        if (inFlight.isEmpty()) {
            return;
        }
        List<Long> ids = List.copyOf(inFlight);
        try {
            client.setVt(queueName, ids, configuration.getVisibilityTimeout());
            LOG.debug("pgmq consumer extended the visibility of {} in-flight message(s) of queue '{}'", ids.size(),
                    queueName);
        } catch (RuntimeException e) {
            LOG.warn("pgmq consumer could not extend the visibility of messages {} of queue '{}': {}", ids, queueName,
                    e.getMessage());
        }
    }

    private Exchange createExchange(PgmqMessage message) {
        Exchange exchange = createExchange(true);
        Message in = exchange.getMessage();
        in.setBody(message.message());
        mapPgmqHeaders(message, in, exchange);
        in.setHeader(PgmqConstants.MSG_ID, message.msgId());
        in.setHeader(PgmqConstants.READ_COUNT, message.readCount());
        in.setHeader(PgmqConstants.ENQUEUED_AT, message.enqueuedAt());
        in.setHeader(PgmqConstants.VISIBLE_AT, message.vt());
        in.setHeader(PgmqConstants.QUEUE_NAME, queueName);
        return exchange;
    }

    private Exchange createBatchExchange(List<PgmqMessage> messages) {
        Exchange exchange = createExchange(true);
        Message in = exchange.getMessage();
        in.setBody(messages.stream().map(PgmqMessage::message).toList());
        in.setHeader(PgmqConstants.MSG_IDS, messages.stream().map(PgmqMessage::msgId).toList());
        in.setHeader(PgmqConstants.QUEUE_NAME, queueName);
        return exchange;
    }

    private void mapPgmqHeaders(PgmqMessage message, Message in, Exchange exchange) {
        Map<String, Object> headers = PgmqJson.headersFromJson(message.headers());
        HeaderFilterStrategy filter = getEndpoint().getHeaderFilterStrategy();
        headers.forEach((name, value) -> {
            if (!filter.applyFilterToExternalHeaders(name, value, exchange)) {
                in.setHeader(name, value);
            }
        });
    }

    private static String ids(List<PgmqMessage> messages) {
        return messages.stream().map(m -> String.valueOf(m.msgId())).toList().toString();
    }

    private void registerHealthCheck() {
        // Camel's consumers health repository asks each route's consumer for its check
        PgmqConsumerHealthCheck check = new PgmqConsumerHealthCheck(this, getRouteId());
        check.setCamelContext(getEndpoint().getCamelContext());
        setHealthCheck(check);
    }

    // ---------------------------------------------------------------- ShutdownAware

    @Override
    public boolean deferShutdown(ShutdownRunningTask shutdownRunningTask) {
        return false;
    }

    @Override
    public int getPendingExchangesSize() {
        return readingAllowed ? pendingInBatches.get() : 0;
    }

    @Override
    public void prepareShutdown(boolean suspendOnly, boolean forced) {
        // stop taking new messages; the reader gives back the unstarted rest of its batch
        readingAllowed = false;
    }

    // ---------------------------------------------------------------- state, for health and JMX

    /** Whether the consumer's listener is connected (always true when listen=false). */
    @ManagedAttribute(description = "Whether the LISTEN connection is up (true when listen=false)")
    public boolean isListenerConnected() {
        return !configuration.isListen() || getEndpoint().getComponent().getListener().isConnected();
    }

    @ManagedAttribute(description = "The error of the last failed read, or null when the last read succeeded")
    public String getLastReadError() {
        return lastReadError;
    }

    @ManagedAttribute(description = "Messages whose exchange completed")
    public long getProcessedCount() {
        return processed.get();
    }

    @ManagedAttribute(description = "Messages whose exchange failed")
    public long getFailedCount() {
        return failed.get();
    }

    @ManagedAttribute(description = "Reads made from the queue")
    public long getReadCount() {
        return reads.get();
    }

    @ManagedAttribute(description = "Messages read and not yet completed")
    public int getInFlightCount() {
        return inFlight.size();
    }

    String getListenerError() {
        return configuration.isListen() ? getEndpoint().getComponent().getListener().getLastError() : null;
    }
}
