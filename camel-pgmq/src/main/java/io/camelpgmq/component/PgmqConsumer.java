package io.camelpgmq.component;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.client.PgmqRead;
import io.camelpgmq.client.QueueNames;
import io.camelpgmq.component.consumer.PgmqBatch;
import io.camelpgmq.component.consumer.PgmqCompletion;
import io.camelpgmq.component.consumer.PgmqConsumerMeters;
import io.camelpgmq.component.consumer.PgmqConsumerThreads;
import io.camelpgmq.component.consumer.PgmqGroupIndex;
import io.camelpgmq.component.consumer.PgmqReaders;
import io.camelpgmq.component.consumer.PgmqTransactedCompletion;
import io.camelpgmq.component.consumer.PgmqWakeups;
import io.camelpgmq.component.producer.PgmqNotifyCoalescer;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.ShutdownRunningTask;
import org.apache.camel.Suspendable;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spi.ShutdownAware;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a pgmq queue and hands each message to the route.
 * <p>
 * What makes it read: a NOTIFY on the channel (through the component's {@link PgmqListener}), a trailing read when a
 * throttled or coalesced notification's window ends, a wake-up when a waiting message becomes visible (a delay, a
 * retry, a visibility timeout that runs out), a reader that found a full batch (or any batch inside the throttle
 * window of pgmq's insert trigger, where sends announce nothing), and the fallback poll every
 * {@code pollInterval} (every second while the listener is down or does not hear). From {@code concurrentConsumers}
 * up to {@code maxConcurrentConsumers} readers (the extra ones while reads come back full) run on the component's
 * shared workers; none waits while there is nothing to read.
 * <p>
 * Each read commits at once: no transaction stays open while the route runs. A read's messages are started one by one
 * ({@link PgmqBatch}); successes are completed together in one statement, at the end of the batch or by the
 * housekeeping tick, before their visibility runs out; messages not started when the consumer stops or suspends, or
 * whose visibility would run out while they wait, are given back uncounted. Completion is {@link PgmqCompletion}.
 */
@ManagedResource(description = "Managed pgmq consumer")
public class PgmqConsumer extends DefaultConsumer implements ShutdownAware, Suspendable {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqConsumer.class);
    /** Pause before reading again after a failed read. */
    static final long READ_ERROR_PAUSE_MILLIS = 1000;
    /** How often a consumer polls while its listener is down. */
    static final long LISTENER_DOWN_POLL_MILLIS = 1000;
    /** A database call running longer than this makes the consumer's health DOWN. */
    static final long SLOW_CALL_MILLIS = 10_000;
    private static final long READ_ERROR_REPORT_MILLIS = 10_000;
    /**
     * How often, at most, a consumer looks up the throttle of pgmq's insert trigger again, when a notification comes:
     * an operator may raise it ({@code pgmq.update_notify_insert}) while the consumer runs, and sends inside a window
     * longer than the consumer knows announce nothing after the consumer's trailing read, so they would wait for the
     * poll. Idle queues hear no notification, so they cost no look-up.
     */
    private static final long THROTTLE_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(5);
    /**
     * How soon a consumer that found no insert trigger looks again when it hears the empty payload pgmq's trigger
     * sends: the trigger may have been enabled since. Producers that do not coalesce send the same payload, so this
     * bounds the look-ups on a queue without the trigger to one a second while they send.
     */
    private static final long TRIGGER_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Inside the throttle window of pgmq's insert trigger, how long after an empty read the consumer looks again when a
     * read found messages in the window: sends that come this close together are read as they come, not at the
     * window's end. Each empty look doubles the wait for the next (20, 40, 80 ms ...), and a look that finds messages
     * starts again from 20 ms; no look is planned past the window's end, where the trailing read comes anyway. So a
     * send that comes unannounced after a quiet spell waits about as long as the spell had lasted, and an empty window
     * costs a few looks (three in pgmq's default 250 ms) besides its trailing read.
     */
    static final long TRIGGER_FIRST_LOOK_MILLIS = 20;

    private final PgmqConfiguration configuration;
    private final String queueName;
    private final Set<PgmqBatch> held = ConcurrentHashMap.newKeySet();
    private final Map<Thread, PgmqDatabaseCall> calls = new ConcurrentHashMap<>();
    private final AtomicBoolean housekeeping = new AtomicBoolean();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong givenBack = new AtomicLong();

    private volatile boolean readingAllowed;
    private volatile String lastReadError;
    private volatile long lastReadErrorReportNanos;
    private volatile long lastPollNanos;
    private volatile int insertThrottleMillis;
    // when the throttle window of the last notification ends (System.nanoTime()): until then pgmq's trigger announces
    // no send
    private volatile long insertWindowEndNanos;
    private volatile long largestCoalesceWindowMillis;
    // the wait before the next look inside the trigger's window after an empty read (0: none planned): set to
    // TRIGGER_FIRST_LOOK_MILLIS by a read that found messages in the window, doubled by each look planned
    private volatile long windowLookMillis;
    private volatile long insertThrottleCheckedNanos;
    // whether the last look found pgmq's insert trigger on the queue (a throttle of 0 included)
    private volatile boolean insertTriggerFound;
    // when a notification with the trigger's empty payload last made a consumer that found no trigger look again
    private volatile long triggerRecheckNanos;
    private volatile boolean forcedShutdown;
    private PgmqClient client;
    private PgmqCompletion completion;
    // transacted=true only: the route and its messages' completion in one Spring transaction
    private PgmqTransactedCompletion transactedCompletion;
    private PgmqConsumerThreads threads;
    private PgmqReaders readers;
    private PgmqWakeups wakeups;
    private ScheduledFuture<?> tick;
    private PgmqListener.Registration registration;
    private PgmqConsumerMeters meters = PgmqConsumerMeters.NONE;

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
        PgmqGroupIndex.ensure(client, configuration, queueName);
        if (configuration.getDeadLetterQueue() != null) {
            endpoint.ensureQueue(configuration.getDeadLetterQueue());
        }
        completion = new PgmqCompletion(client, configuration, endpoint.getChannelFor(configuration.getDeadLetterQueue()));
        completion.useMeters(meters = endpoint.getComponent().registerConsumer(configuration));
        transactedCompletion = configuration.isTransacted() ? createTransactedCompletion() : null;
        threads = endpoint.getComponent().getConsumerThreads();
        readers = new PgmqReaders(Math.max(1, configuration.getConcurrentConsumers()),
                configuration.getMaxConcurrentConsumers(), threads.workers(), this::drain);
        wakeups = new PgmqWakeups(threads.timer(), readers::wake);
        forcedShutdown = false;
        readingAllowed = true;
        lastPollNanos = System.nanoTime();
        long period = tickMillis();
        tick = threads.timer().scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
        if (configuration.isListen()) {
            triggerRecheckNanos = 0;
            learnInsertThrottle(0);
            registration = endpoint.getComponent().getListener().register(endpoint.getChannel(), this::notified);
        }
        // read what is already there: it was sent before anyone listened
        readers.wake();
        registerHealthCheck();
        LOG.info("pgmq consumer started on queue '{}': {} to {} reader(s), batch {}, visibility timeout {} s, {}",
                queueName, configuration.getConcurrentConsumers(),
                Math.max(configuration.getConcurrentConsumers(), configuration.getMaxConcurrentConsumers()),
                configuration.getMaxMessagesPerPoll(),
                configuration.getVisibilityTimeout(),
                configuration.isListen()
                        ? "woken by LISTEN on \"" + endpoint.getChannel() + "\", polling every "
                          + configuration.getPollInterval() + " ms"
                        : "polling every " + configuration.getPollInterval() + " ms (listen=false)");
    }

    private PgmqTransactedCompletion createTransactedCompletion() {
        try {
            return PgmqTransactedCompletion.create(getEndpoint().getCamelContext(), configuration,
                    getEndpoint().getComponent().getEffectiveDataSource());
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("pgmq consumer of queue '" + queueName + "' has transacted=true, which"
                                            + " needs Spring's transactions on the classpath: add"
                                            + " org.springframework:spring-jdbc (it brings spring-tx), and a"
                                            + " PlatformTransactionManager over the pgmq component's DataSource.",
                    e);
        }
    }

    /** Housekeeping must run well within a visibility timeout; the poll and the listener-down poll need a second. */
    private long tickMillis() {
        long quarterVt = configuration.getVisibilityTimeout() * 1000L / 4;
        return Math.max(50, Math.min(Math.min(1000, quarterVt), Math.max(10, configuration.getPollInterval())));
    }

    @Override
    protected void doSuspend() throws Exception {
        // the readers give back what they read but did not start; exchanges in process finish (Camel waits for them)
        readingAllowed = false;
        super.doSuspend();
    }

    @Override
    protected void doResume() throws Exception {
        readingAllowed = true;
        readers.wake();
        super.doResume();
    }

    @Override
    protected void doStop() throws Exception {
        readingAllowed = false;
        if (registration != null) {
            registration.close();
            registration = null;
        }
        if (readers != null) {
            readers.close();
            wakeups.close();
            // Camel's shutdown strategy has waited for the exchanges in process (suspend first, then stop); this waits
            // for the readers to give back what they did not start. Housekeeping (visibility extension) runs meanwhile.
            long timeoutMillis = forcedShutdown ? 0 : shutdownTimeoutMillis();
            if (!readers.awaitIdle(timeoutMillis)) {
                LOG.warn("pgmq consumer of queue '{}' stopped while {} reader(s) were still busy (a database call or an"
                         + " exchange outlived the shutdown timeout); their messages come back when their visibility"
                         + " timeout runs out.",
                        queueName, readers.running());
            }
        }
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
        completeBeforeStop();
        super.doStop();
    }

    /** A last try for processed messages whose completion failed on a transient error; else they come back. */
    private void completeBeforeStop() {
        for (PgmqBatch batch : held) {
            complete(batch, batch.takeSucceeded(), true);
            completion.gaveUp(queueName, batch.takeSucceeded());
        }
        held.clear();
    }

    private long shutdownTimeoutMillis() {
        var strategy = getEndpoint().getCamelContext().getShutdownStrategy();
        return strategy.getTimeUnit().toMillis(strategy.getTimeout());
    }

    // ---------------------------------------------------------------- wake-ups

    /** A notification on the channel: read now, and once more when the sender's throttle window ends. */
    private void notified(String payload) {
        if (payload != PgmqListener.RECONNECTED && insertThrottleMillis > 0) {
            insertWindowEndNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(insertThrottleMillis);
            // a new window: looks inside it follow only a read that finds messages in it
            windowLookMillis = 0;
        }
        readers.wake();
        long trailing = payload == PgmqListener.RECONNECTED ? missedWindowMillis() : trailingReadDelayMillis(payload);
        if (trailing > 0) {
            wakeups.wakeAfter(trailing);
        }
    }

    /**
     * After the listener (re)connected: a coalescing producer's leading notification may have been missed, and sends
     * inside its window announce nothing, so read once more after the longest window this consumer knows of.
     */
    private long missedWindowMillis() {
        return Math.max(Math.max(largestCoalesceWindowMillis, getEndpoint().getComponent().getNotifyCoalesceWindow()),
                insertThrottleMillis);
    }

    private long trailingReadDelayMillis(String payload) {
        long coalesced = Math.max(0, PgmqNotifyCoalescer.trailingReadDelayMillis(payload));
        if (coalesced > largestCoalesceWindowMillis) {
            largestCoalesceWindowMillis = coalesced;
        }
        long now = System.nanoTime();
        boolean maybeNewTrigger = !insertTriggerFound && "".equals(payload)
                                  && (triggerRecheckNanos == 0 || now - triggerRecheckNanos > TRIGGER_RECHECK_NANOS);
        if (maybeNewTrigger) {
            triggerRecheckNanos = now;
        }
        if (now - insertThrottleCheckedNanos > THROTTLE_REFRESH_NANOS || maybeNewTrigger) {
            // the listener thread must not wait for the database
            insertThrottleCheckedNanos = now;
            threads.workers().execute(() -> learnInsertThrottle(now));
        }
        return Math.max(coalesced, insertThrottleMillis);
    }

    /**
     * Whether the throttle window of pgmq's insert trigger that the last notification opened is still open: sends in it
     * announce nothing, so messages may keep arriving unannounced until it ends.
     */
    private boolean insertWindowOpen() {
        return insertThrottleMillis > 0 && System.nanoTime() - insertWindowEndNanos < 0;
    }

    /**
     * pgmq's insert trigger notifies on the leading edge of its throttle window only: learn the window, so that a
     * trailing read picks up what was sent inside it. {@code notifiedAtNanos} is when the notification that made the
     * consumer look arrived (0 at start): if it found a window it did not know of, that notification opened it.
     */
    private void learnInsertThrottle(long notifiedAtNanos) {
        insertThrottleCheckedNanos = System.nanoTime();
        if (!getEndpoint().getChannel().equals(QueueNames.insertChannel(queueName))) {
            return;
        }
        try {
            Optional<Integer> throttle = client.notifyInsertThrottleMillis(queueName);
            int known = insertThrottleMillis;
            insertTriggerFound = throttle.isPresent();
            insertThrottleMillis = throttle.orElse(0);
            if (notifiedAtNanos != 0 && known != insertThrottleMillis && insertThrottleMillis > 0) {
                // enabled or changed since the consumer last looked: the notification opened a window of the new
                // length; read on inside it, and once more when it ends
                insertWindowEndNanos = notifiedAtNanos + TimeUnit.MILLISECONDS.toNanos(insertThrottleMillis);
                wakeups.wakeAfter(TimeUnit.NANOSECONDS.toMillis(insertWindowEndNanos - System.nanoTime()));
                LOG.info("pgmq consumer on queue '{}' now follows pgmq's insert trigger, throttled to one notification "
                         + "per {} ms (enabled or changed since it last looked)", queueName, insertThrottleMillis);
            }
        } catch (RuntimeException e) {
            LOG.debug("pgmq consumer could not read the notify throttle of queue '{}': {}", queueName, e.getMessage());
        }
    }

    /**
     * After an empty read inside the trigger's window, in which a read found messages: sends may only have paused, and
     * they announce nothing until the window ends, so look again, each time twice as late, while the window lasts.
     */
    private void lookAgainInWindow() {
        long wait = windowLookMillis;
        if (wait == 0 || !insertWindowOpen()) {
            return;
        }
        if (wait >= TimeUnit.NANOSECONDS.toMillis(insertWindowEndNanos - System.nanoTime())) {
            // the trailing read at the window's end comes first
            windowLookMillis = 0;
            return;
        }
        windowLookMillis = wait * 2;
        wakeups.wakeAfter(wait);
    }

    /** The poll, the listener-down poll, and housekeeping of held messages. */
    private void tick() {
        long now = System.nanoTime();
        long sincePoll = TimeUnit.NANOSECONDS.toMillis(now - lastPollNanos);
        // a listener that is connected but does not hear (behind a transaction pooler) wakes nobody either
        boolean listenerDown = configuration.isListen() && (!isListenerConnected() || !isListenerHearing());
        if (readingAllowed
                && (sincePoll >= configuration.getPollInterval()
                    || listenerDown && sincePoll >= LISTENER_DOWN_POLL_MILLIS)) {
            lastPollNanos = now;
            readers.wake();
        }
        if (!held.isEmpty() && housekeeping.compareAndSet(false, true)) {
            try {
                threads.workers().execute(this::keepHeldMessages);
            } catch (RuntimeException e) {
                housekeeping.set(false);
            }
        }
    }

    // ---------------------------------------------------------------- reading

    /** One reader's work; an unexpected error goes to the consumer's exception handler, and reading goes on. */
    private void drain() {
        try {
            readAndProcess();
        } catch (RuntimeException e) {
            getExceptionHandler().handleException("pgmq consumer of queue '" + queueName + "' failed", e);
            wakeups.wakeAfter(READ_ERROR_PAUSE_MILLIS);
        }
    }

    /**
     * Reads and processes batches while there may be more: while they come back full, and while they come back at all
     * in grouped mode or inside the throttle window of pgmq's insert trigger ({@link #insertWindowOpen}). The successes
     * of a batch followed by another read are completed in the round trip and transaction of that read (one commit per
     * batch while the queue is busy); the last batch's are completed at once.
     */
    private void readAndProcess() {
        int qty = Math.max(1, configuration.getMaxMessagesPerPoll());
        boolean grouped = configuration.getReadMode().isGrouped();
        PgmqBatch carried = null;
        try {
            while (readingAllowed) {
                List<PgmqMessage> settling = carried == null ? List.of() : carried.takeSucceeded();
                PgmqRead read;
                long readNanos = System.nanoTime();
                // a grouped read says whether other groups were free only when the answer can start a reader
                boolean lookForOtherGroups = grouped && readers.canHelp();
                try {
                    read = call("read", () -> settling.isEmpty()
                            ? client.readWithNextVisible(configuration.getReadMode().groupedRead(), queueName,
                                    configuration.getVisibilityTimeout(), qty, lookForOtherGroups)
                            : client.completeAndRead(configuration.getReadMode().groupedRead(), queueName,
                                    completion.archives(), settling, configuration.getVisibilityTimeout(), qty,
                                    lookForOtherGroups));
                    reads.incrementAndGet();
                    meters.read(System.nanoTime() - readNanos, read.messages().size());
                    lastReadError = null;
                } catch (RuntimeException e) {
                    // neither happened: complete them on their own (kept held if that fails on a transient error),
                    // then report the read
                    complete(carried, settling, false);
                    readFailed(e);
                    return;
                }
                meters.succeeded(settling.size());
                completion.completed(queueName, settling, read.completed(), false);
                if (carried != null) {
                    release(carried);
                    carried = null;
                }
                List<PgmqMessage> messages = read.messages();
                if (messages.size() < qty) {
                    wakeWhenNextVisible(read.untilNextVisible());
                }
                if (messages.isEmpty()) {
                    lookAgainInWindow();
                    return;
                }
                boolean full = messages.size() == qty;
                // grouped: completing a group's head lets its next message be read, and nobody announces that. Inside
                // the trigger's window the sends that arrive while this batch is processed announce nothing either:
                // without reading on, they would wait for the window's end (a burst's tail 250 ms by default)
                boolean inWindow = insertWindowOpen();
                if (inWindow) {
                    windowLookMillis = TRIGGER_FIRST_LOOK_MILLIS;
                }
                boolean readOn = full || grouped || inWindow;
                // there may be more: let another reader help while this one works. Not to a grouped queue whose
                // other groups were all taken (a strict FIFO queue): there a helper would only find them taken
                if (full && !Boolean.FALSE.equals(read.otherGroupsFree())) {
                    readers.help();
                }
                PgmqBatch batch = new PgmqBatch(messages, readNanos, visibleInNanos(read));
                // the successes of a batch that another read follows are carried to it. A transacted consumer
                // completes in the route's transaction: it never has successes to carry
                if (process(batch, readOn && completion.completesSuccesses() && transactedCompletion == null)) {
                    carried = batch;
                }
                if (!readOn) {
                    if (!insertWindowOpen()) {
                        return;
                    }
                    // a window learned while the batch was processed (a trigger enabled since the consumer looked)
                    windowLookMillis = TRIGGER_FIRST_LOOK_MILLIS;
                }
            }
        } finally {
            if (carried != null) {
                complete(carried, carried.takeSucceeded(), false);
                release(carried);
            }
        }
    }

    /** A batch whose every message is done leaves the held ones; else housekeeping keeps completing it. */
    private void release(PgmqBatch batch) {
        if (batch.isDone()) {
            held.remove(batch);
        }
    }

    private long visibleInNanos(PgmqRead read) {
        PgmqMessage first = read.messages().get(0);
        return Duration.between(read.databaseNow(), first.vt()).toNanos();
    }

    /** The queue has messages that are not visible yet: read again when the first becomes visible. */
    private void wakeWhenNextVisible(Duration untilNextVisible) {
        if (untilNextVisible != null) {
            wakeups.wakeAfter(untilNextVisible.toMillis());
        }
    }

    private void readFailed(RuntimeException e) {
        if (lastReadError == null) {
            LOG.warn("pgmq consumer cannot read queue '{}': {}. Retrying every {} ms.", queueName, e.getMessage(),
                    READ_ERROR_PAUSE_MILLIS);
        }
        lastReadError = e.getMessage();
        long now = System.nanoTime();
        if (now - lastReadErrorReportNanos > TimeUnit.MILLISECONDS.toNanos(READ_ERROR_REPORT_MILLIS)) {
            // Camel's error handling sees it (bridgeErrorHandler=true routes it), at most once per 10 s
            lastReadErrorReportNanos = now;
            getExceptionHandler().handleException("pgmq consumer cannot read queue '" + queueName + "'", e);
        }
        // no notification or poll may come for a long while: read again after the pause
        wakeups.wakeAfter(READ_ERROR_PAUSE_MILLIS);
    }

    /**
     * Hands the batch's messages to the route. With {@code carry}, its successes stay held for the next read to
     * complete (the housekeeping tick completes them if that read is late); else they are completed here.
     *
     * @return whether the successes were left for the next read
     */
    private boolean process(PgmqBatch batch, boolean carry) {
        held.add(batch);
        boolean kept = false;
        try {
            List<PgmqMessage> messages = batch.messages();
            for (int i = 0; i < messages.size(); i++) {
                PgmqMessage message = messages.get(i);
                if (completion.isExhausted(message) && batch.start(i)) {
                    // read more often than allowed without completing: the consumer died while processing it
                    completion.deadLetter(queueName, message, "read " + message.readCount()
                                                              + " times without completing (a consumer stopped or"
                                                              + " crashed while processing it)");
                    batch.done(i);
                }
            }
            if (configuration.isBatching()) {
                processAsOneExchange(batch);
            } else {
                processOneByOne(batch);
            }
            kept = carry && readingAllowed;
        } finally {
            giveBack(batch.takeWaiting());
            if (!kept) {
                complete(batch, batch.takeSucceeded(), false);
                // else housekeeping keeps trying to complete what failed on a transient error, and releases it then
                release(batch);
            }
        }
        return kept;
    }

    private void processOneByOne(PgmqBatch batch) {
        List<PgmqMessage> messages = batch.messages();
        for (int i = 0; i < messages.size() && readingAllowed; i++) {
            if (!batch.start(i)) {
                continue;
            }
            Exchange exchange = createExchange(messages.get(i));
            exchange.setProperty(Exchange.BATCH_INDEX, i);
            exchange.setProperty(Exchange.BATCH_SIZE, messages.size());
            exchange.setProperty(Exchange.BATCH_COMPLETE, i == messages.size() - 1);
            if (transactedCompletion != null) {
                runInTransaction(batch, List.of(i), exchange);
            } else if (runExchange(exchange)) {
                batch.succeeded(i);
            } else {
                failed(batch, i, exchange.getException());
            }
            releaseExchange(exchange, false);
        }
    }

    private void processAsOneExchange(PgmqBatch batch) {
        List<PgmqMessage> messages = batch.messages();
        List<Integer> started = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (batch.start(i)) {
                started.add(i);
            }
        }
        if (started.isEmpty()) {
            return;
        }
        Exchange exchange = createBatchExchange(started.stream().map(messages::get).toList());
        if (transactedCompletion != null) {
            runInTransaction(batch, started, exchange);
            releaseExchange(exchange, false);
            return;
        }
        boolean ok = runExchange(exchange);
        for (int i : started) {
            if (ok) {
                batch.succeeded(i);
            } else {
                failed(batch, i, exchange.getException());
            }
        }
        releaseExchange(exchange, false);
    }

    /**
     * Runs the route and tells whether it succeeded. The outcome is read when the route returns, not from a
     * synchronization that a fire-and-forget hop (seda, wireTap) could take away: every exchange ends in success or
     * failure for the component, and a message is complete when the route's own part of the work is.
     */
    private boolean runExchange(Exchange exchange) {
        long startNanos = System.nanoTime();
        try {
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        boolean ok = !exchange.isFailed() && !exchange.isRollbackOnly();
        meters.processing(System.nanoTime() - startNanos, ok);
        if (ok) {
            processed.incrementAndGet();
        } else {
            failed.incrementAndGet();
            // the route's error handler logged the failure already; completion decides retry or dead letter
            LOG.debug("pgmq message(s) of queue '{}' failed: {}", queueName,
                    exchange.getException() == null ? "rollback" : exchange.getException().getMessage());
        }
        return ok;
    }

    /**
     * transacted=true: runs the exchange in a transaction in which its messages are completed before it commits. A
     * failed route is handled as always (retry, dead letter), after the rollback; a message whose completion rolled
     * back comes back when its visibility runs out.
     */
    private void runInTransaction(PgmqBatch batch, List<Integer> indexes, Exchange exchange) {
        List<PgmqMessage> deliveries = indexes.stream().map(batch.messages()::get).toList();
        PgmqTransactedCompletion.Outcome outcome
                = transactedCompletion.run(queueName, deliveries, () -> runExchange(exchange));
        for (int i : indexes) {
            if (outcome == PgmqTransactedCompletion.Outcome.ROUTE_FAILED) {
                failed(batch, i, exchange.getException());
                continue;
            }
            batch.done(i);
            if (outcome == PgmqTransactedCompletion.Outcome.ROLLED_BACK
                    || outcome == PgmqTransactedCompletion.Outcome.COMMIT_FAILED) {
                wakeups.wakeAfter(Math.max(0, TimeUnit.NANOSECONDS.toMillis(batch.visibleUntilNanos(i)
                                                                            - System.nanoTime())));
            }
        }
    }

    private void failed(PgmqBatch batch, int index, Throwable cause) {
        PgmqMessage message = batch.messages().get(index);
        meters.failed();
        if (configuration.getReadMode().isGrouped()) {
            // before the failed message can be visible again (a retry delay of 0 makes it so at once): the rest of its
            // group goes back untouched, or another reader would take the retry while this one went on with the next;
            // and what succeeded is completed, so the group's retry waits for nothing but its delay
            giveBack(batch.takeWaitingOfGroup(batch.group(index)));
            complete(batch, batch.takeSucceeded(), false);
        }
        long retryIn;
        // the housekeeping's visibility extension must not overwrite the retry delay set here (same delivery)
        synchronized (batch.visibilityWrites()) {
            retryIn = call("retry", () -> completion.failed(queueName, message, cause));
            batch.done(index);
        }
        if (retryIn == PgmqCompletion.RETRY_WHEN_VISIBLE) {
            // it comes back when its visibility runs out: read it then, not at the next poll
            retryIn = Math.max(0, TimeUnit.NANOSECONDS.toMillis(batch.visibleUntilNanos(index) - System.nanoTime()));
        }
        if (retryIn >= 0) {
            // 0: visible again now, read it now
            wakeups.wakeAfter(retryIn);
        }
    }

    /**
     * Completes succeeded messages; those whose completion failed on a transient error go back to the batch, which
     * stays held so that housekeeping tries again before their visibility runs out.
     */
    private void complete(PgmqBatch batch, List<PgmqMessage> succeeded, boolean retry) {
        if (succeeded.isEmpty()) {
            return;
        }
        if (!retry) {
            meters.succeeded(succeeded.size());
        }
        List<PgmqMessage> again = call(String.valueOf(configuration.getOnSuccess()),
                () -> completion.succeeded(queueName, succeeded, retry));
        if (!again.isEmpty()) {
            batch.completionFailed(again);
            held.add(batch);
        }
    }

    /**
     * Gives back messages read but never handed to the route: visible at once, their read not counted as an attempt,
     * and announced on the channel so that another consumer takes them at once.
     */
    private void giveBack(List<PgmqMessage> unstarted) {
        if (unstarted.isEmpty()) {
            return;
        }
        try {
            List<Long> ids = call("give back", () -> client.giveBack(queueName, unstarted, getEndpoint().getChannel()));
            givenBack.addAndGet(ids.size());
            meters.givenBack(ids.size());
            LOG.debug("pgmq consumer gave back {} unstarted message(s) of queue '{}'", ids.size(), queueName);
        } catch (RuntimeException e) {
            LOG.warn("pgmq consumer could not give back messages {} of queue '{}' ({}); they come back when their"
                     + " visibility timeout runs out",
                    unstarted.stream().map(PgmqMessage::msgId).toList(), queueName, e.getMessage());
        }
    }

    /**
     * Keeps the promises about held messages whatever the reader is doing: finished messages are completed, waiting
     * ones whose visibility would run out before they start are given back, and with {@code extendVisibility} the
     * visibility of messages in process is pushed forward.
     */
    private void keepHeldMessages() {
        try {
            long vtNanos = TimeUnit.SECONDS.toNanos(configuration.getVisibilityTimeout());
            long soon = System.nanoTime() + vtNanos / 2;
            for (PgmqBatch batch : held) {
                completion.gaveUp(queueName, batch.takeSucceededVisibleBefore(System.nanoTime() - vtNanos));
                complete(batch, batch.takeSucceeded(), batch.hadCompletionFailure());
                giveBack(batch.takeWaitingVisibleBefore(soon));
                // a grouped head whose visibility ran out would unblock its group while still in process
                if (configuration.isExtendVisibility() || configuration.getReadMode().isGrouped()) {
                    // under the batch's lock: a failure's retry delay is not overwritten by an extension taken before
                    synchronized (batch.visibilityWrites()) {
                        extend(batch, batch.processingVisibleBefore(soon), vtNanos);
                    }
                }
                // processed, its completion still failing: coming back would process it twice
                extend(batch, batch.succeededVisibleBefore(soon), vtNanos);
                release(batch);
            }
        } catch (RuntimeException e) {
            LOG.warn("pgmq consumer housekeeping of queue '{}' failed: {}", queueName, e.getMessage());
        } finally {
            housekeeping.set(false);
        }
    }

    private void extend(PgmqBatch batch, List<PgmqMessage> inProcess, long vtNanos) {
        if (inProcess.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        try {
            List<Long> extended = call("extend visibility", () -> client.setVtDelivered(queueName, inProcess,
                    TimeUnit.NANOSECONDS.toMillis(vtNanos)));
            batch.extended(extended, now + vtNanos);
            LOG.debug("pgmq consumer extended the visibility of {} message(s) of queue '{}'", extended.size(),
                    queueName);
        } catch (RuntimeException e) {
            LOG.warn("pgmq consumer could not extend the visibility of messages {} of queue '{}': {}",
                    inProcess.stream().map(PgmqMessage::msgId).toList(), queueName, e.getMessage());
        }
    }

    /** Runs a database call, visible to the health check while it runs. */
    private <T> T call(String what, java.util.function.Supplier<T> work) {
        Thread thread = Thread.currentThread();
        PgmqDatabaseCall previous = calls.put(thread, new PgmqDatabaseCall(what, System.nanoTime()));
        try {
            return work.get();
        } finally {
            if (previous == null) {
                calls.remove(thread);
            } else {
                calls.put(thread, previous);
            }
        }
    }

    /** A database call in progress. */
    record PgmqDatabaseCall(String what, long startNanos) {
        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        }
    }

    // ---------------------------------------------------------------- exchanges

    private Exchange createExchange(PgmqMessage message) {
        Exchange exchange = createExchange(false);
        Message in = exchange.getMessage();
        in.setBody(message.message());
        // read once: the headers and the group come from the same JSON
        Map<String, Object> headers = PgmqJson.headersFromJson(message.headers());
        mapPgmqHeaders(message, headers, in, exchange);
        in.setHeader(PgmqConstants.MSG_ID, message.msgId());
        in.setHeader(PgmqConstants.READ_COUNT, message.readCount());
        in.setHeader(PgmqConstants.ENQUEUED_AT, message.enqueuedAt());
        in.setHeader(PgmqConstants.VISIBLE_AT, message.vt());
        in.setHeader(PgmqConstants.QUEUE_NAME, queueName);
        String group = PgmqJson.groupOf(headers);
        if (group != null) {
            in.setHeader(PgmqConstants.GROUP_ID, group);
        }
        return exchange;
    }

    private Exchange createBatchExchange(List<PgmqMessage> messages) {
        Exchange exchange = createExchange(false);
        Message in = exchange.getMessage();
        in.setBody(messages.stream().map(PgmqMessage::message).toList());
        in.setHeader(PgmqConstants.MSG_IDS, messages.stream().map(PgmqMessage::msgId).toList());
        in.setHeader(PgmqConstants.QUEUE_NAME, queueName);
        return exchange;
    }

    private void mapPgmqHeaders(PgmqMessage message, Map<String, Object> headers, Message in, Exchange exchange) {
        HeaderFilterStrategy filter = getEndpoint().getHeaderFilterStrategy();
        PgmqIncludedHeaders included = getEndpoint().getIncludedHeaders();
        List<String> unreadable = new ArrayList<>(0);
        headers.forEach((name, value) -> {
            if (!included.includes(name)) {
                return;
            }
            if (PgmqJson.isUnreadable(value)) {
                unreadable.add(name);
            } else if (!filter.applyFilterToExternalHeaders(name, value, exchange)) {
                in.setHeader(name, value);
            }
        });
        if (!unreadable.isEmpty()) {
            // the names only: a value is whatever the sender put there
            LOG.warn("pgmq message {} of queue '{}': header(s) {} are beyond Jackson's limits (nesting deeper than"
                     + " 1,000 or a number longer than 1,000 digits) and are left out of the exchange; its other"
                     + " headers are delivered, and a dead letter keeps them all.",
                    message.msgId(), queueName, unreadable);
        }
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

    /** Messages read but not started: Camel waits for them too, while the readers give them back. */
    @Override
    public int getPendingExchangesSize() {
        int waiting = 0;
        for (PgmqBatch batch : held) {
            waiting += batch.count(PgmqBatch.State.WAITING);
        }
        return waiting;
    }

    @Override
    public void prepareShutdown(boolean suspendOnly, boolean forced) {
        // stop taking new messages; the reader gives back the unstarted rest of its batch
        readingAllowed = false;
        forcedShutdown = forced;
    }

    // ---------------------------------------------------------------- state, for health and JMX

    /** Whether the consumer's listener is connected (always true when listen=false). */
    @ManagedAttribute(description = "Whether the LISTEN connection is up (true when listen=false)")
    public boolean isListenerConnected() {
        PgmqListener listener = getEndpoint().getComponent().getListener();
        return !configuration.isListen() || listener != null && listener.isConnected();
    }

    /** Whether the consumer's listener hears notifications (always true when listen=false). */
    boolean isListenerHearing() {
        PgmqListener listener = getEndpoint().getComponent().getListener();
        return !configuration.isListen() || listener == null || listener.isHearing();
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

    @ManagedAttribute(description = "Messages read but not started, given back uncounted")
    public long getGivenBackCount() {
        return givenBack.get();
    }

    @ManagedAttribute(description = "Messages read and not yet completed")
    public int getInFlightCount() {
        int n = 0;
        for (PgmqBatch batch : held) {
            n += batch.size() - batch.count(PgmqBatch.State.DONE);
        }
        return n;
    }

    @ManagedAttribute(description = "The throttle (ms) of pgmq's insert trigger on the queue as the consumer last found it,"
                                    + " or -1 when it found no trigger")
    public int getInsertTriggerThrottleMillis() {
        return insertTriggerFound ? insertThrottleMillis : -1;
    }

    @ManagedAttribute(description = "Reader tasks running now")
    public int getActiveReaders() {
        return readers == null ? 0 : readers.running();
    }

    /** The longest database call in progress, when it has run longer than {@link #SLOW_CALL_MILLIS}. */
    String getSlowDatabaseCall() {
        PgmqDatabaseCall slowest = null;
        for (PgmqDatabaseCall c : calls.values()) {
            if (slowest == null || c.startNanos() < slowest.startNanos()) {
                slowest = c;
            }
        }
        if (slowest == null || slowest.millis() < SLOW_CALL_MILLIS) {
            return null;
        }
        return "a database call (" + slowest.what() + ") has been running for " + slowest.millis() / 1000 + " s";
    }

    /** Wake-ups scheduled at known times (visibility, retries, trailing reads); for tests. */
    int getScheduledWakeups() {
        return wakeups == null ? 0 : wakeups.size();
    }

    String getListenerError() {
        PgmqListener listener = getEndpoint().getComponent().getListener();
        return configuration.isListen() && listener != null ? listener.getLastError() : null;
    }
}
