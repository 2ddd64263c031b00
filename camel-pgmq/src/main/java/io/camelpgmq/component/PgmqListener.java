package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.Secrets;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dedicated connection that LISTENs on the channels of every consumer of a component, and wakes them.
 * <p>
 * A notification is only a hint: the queue table is the truth. So the listener's one duty beyond passing hints on is
 * to notice, quickly, that it can no longer hear them: a terminated backend or a restart shows as an error, a
 * half-open connection only when used, so the connection is checked after {@code checkIntervalMillis} without a
 * notification. It then reconnects with exponential backoff, LISTENs again on one new session (the old one is
 * closed first, so there are never two), and wakes every consumer, because whatever was sent meanwhile notified
 * nobody.
 * <p>
 * A connection can also LISTEN "successfully" and hear nothing: behind PgBouncer in transaction pooling, LISTEN runs on
 * whichever server connection is free and notifications go to that one. So after each (re)connection, and after
 * {@link #HEARING_CHECK_MILLIS} without any notification, the listener NOTIFYs a private channel from another
 * session (the pool, through {@link Pinger}) and expects to hear it back within {@link #PING_TIMEOUT_MILLIS}. When it
 * does not, {@link #isHearing()} turns false, a WARN names {@code listenerUrl}, consumers read every second (as while
 * the listener is down), and the check is retried every {@link #PING_RETRY_MILLIS}. Each check is one commit (the
 * NOTIFY); a busy listener never sends one, as any notification it hears proves it hears.
 */
final class PgmqListener implements AutoCloseable {

    /** Opens the listener's connection. */
    @FunctionalInterface
    interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    /** Sends a notification from another session (the pool), for the hearing check. */
    @FunctionalInterface
    interface Pinger {
        void notify(String channel, String payload);
    }

    /** A consumer's subscription; closing it UNLISTENs when it was the channel's last one. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    static final String APPLICATION_NAME = "camel-pgmq listener";
    /**
     * The payload subscribers get after the listener (re)connected or began to LISTEN on their channel: notifications
     * sent meanwhile were missed, including a coalescing producer's leading one (a notification's payload is never
     * null).
     */
    static final String RECONNECTED = null;
    private static final Logger LOG = LoggerFactory.getLogger(PgmqListener.class);
    private static final int WAIT_MILLIS = 250;
    private static final int VALID_TIMEOUT_SECONDS = 5;
    private static final long FIRST_RECONNECT_DELAY_MILLIS = 100;
    static final long PING_TIMEOUT_MILLIS = 5_000;
    static final long HEARING_CHECK_MILLIS = 5 * 60_000;
    static final long PING_RETRY_MILLIS = 60_000;

    private final ConnectionFactory connectionFactory;
    private final Pinger pinger;
    private final String pingChannel = "camel_pgmq_ping_" + Long.toHexString(java.util.concurrent.ThreadLocalRandom
            .current().nextLong() & Long.MAX_VALUE);
    private final AtomicLong pingsHeard = new AtomicLong();
    private final long checkIntervalMillis;
    private final long maxReconnectDelayMillis;
    private final Supplier<ExecutorService> executorFactory;
    private final Map<String, List<Consumer<String>>> subscribers = new ConcurrentHashMap<>();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong notifications = new AtomicLong();

    private volatile Set<String> listeningSnapshot = Set.of();
    private volatile boolean running;
    private volatile boolean connected;
    private volatile String lastError;
    private volatile boolean hearing = true;
    private volatile String hearingProblem;
    private ExecutorService executor;

    // owned by the listener thread
    private Connection connection;
    private final Set<String> listening = new HashSet<>();
    private String pingPayload;
    private long pingSentAt;
    private long nextPingAt;
    private long pingCounter;

    PgmqListener(ConnectionFactory connectionFactory, Pinger pinger, long checkIntervalMillis,
                 long maxReconnectDelayMillis, Supplier<ExecutorService> executorFactory) {
        this.connectionFactory = connectionFactory;
        this.pinger = pinger;
        this.checkIntervalMillis = checkIntervalMillis;
        this.maxReconnectDelayMillis = maxReconnectDelayMillis;
        this.executorFactory = executorFactory;
    }

    /**
     * Calls {@code onWake} with the payload of every notification on {@code channel}, and with {@link #RECONNECTED}
     * after every (re)connection. It runs on the listener's thread: it must not block. Starts the listener thread on first
     * use.
     */
    synchronized Registration register(String channel, Consumer<String> onWake) {
        subscribers.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(onWake);
        if (!running) {
            running = true;
            executor = executorFactory.get();
            executor.submit(this::run);
        }
        return () -> unregister(channel, onWake);
    }

    private synchronized void unregister(String channel, Consumer<String> onWake) {
        subscribers.computeIfPresent(channel, (c, list) -> {
            list.remove(onWake);
            return list.isEmpty() ? null : list;
        });
    }

    boolean isConnected() {
        return connected;
    }

    String getLastError() {
        return lastError;
    }

    /**
     * False when the last hearing check sent a NOTIFY from another session and it did not come back: the connection
     * LISTENs but hears nothing (PgBouncer in transaction pooling). True until a check says otherwise.
     */
    boolean isHearing() {
        return hearing;
    }

    /** What the failed hearing check found, or null while the listener hears. */
    String getHearingProblem() {
        return hearing ? null : hearingProblem;
    }

    /** Hearing checks whose NOTIFY came back. */
    long getPingsHeard() {
        return pingsHeard.get();
    }

    /** Sessions opened so far: 1 after the first connection, one more per reconnection. */
    long getConnections() {
        return connections.get();
    }

    /** Whether the current session has executed LISTEN on the channel. */
    boolean isListening(String channel) {
        return connected && listeningSnapshot.contains(channel);
    }

    long getNotifications() {
        return notifications.get();
    }

    ExecutorService getExecutor() {
        return executor;
    }

    @Override
    public synchronized void close() {
        running = false;
    }

    private void run() {
        long reconnectDelay = FIRST_RECONNECT_DELAY_MILLIS;
        int failures = 0;
        while (running) {
            try {
                connect();
                if (failures > 0) {
                    LOG.info("pgmq listener reconnected after {} failed attempt(s); reading every queue now", failures);
                }
                failures = 0;
                reconnectDelay = FIRST_RECONNECT_DELAY_MILLIS;
                wakeAll();
                listen();
            } catch (SQLException | RuntimeException e) {
                connected = false;
                lastError = Secrets.mask(e.getMessage());
                closeConnection();
                if (!running) {
                    break;
                }
                if (failures++ == 0) {
                    LOG.warn("pgmq listener lost its connection ({}); reconnecting. Messages are not lost meanwhile:"
                             + " consumers read them at reconnection or at their next poll.",
                            lastError);
                } else {
                    LOG.debug("pgmq listener reconnection attempt {} failed: {}", failures, lastError);
                }
                sleep(jitter(reconnectDelay));
                reconnectDelay = Math.min(maxReconnectDelayMillis, reconnectDelay * 2);
            }
        }
        connected = false;
        releaseConnection();
        LOG.debug("pgmq listener stopped");
    }

    private void connect() throws SQLException {
        listening.clear();
        listeningSnapshot = Set.of();
        connection = connectionFactory.open();
        connection.setAutoCommit(true);
        connection.setClientInfo("ApplicationName", APPLICATION_NAME);
        syncChannels();
        try (Statement st = connection.createStatement()) {
            st.execute(PgmqClient.listenSql(pingChannel));
        }
        // a new session must prove it hears before anyone relies on it
        pingPayload = null;
        nextPingAt = 0;
        connected = true;
        lastError = null;
        if (connections.getAndIncrement() == 0) {
            LOG.info("pgmq listener connected; listening on {}", listening);
        }
    }

    /** Waits for notifications until the connection fails or the listener is closed. */
    private void listen() throws SQLException {
        PGConnection pg = connection.unwrap(PGConnection.class);
        long lastHeard = System.currentTimeMillis();
        while (running) {
            syncChannels();
            PGNotification[] received = pg.getNotifications(WAIT_MILLIS);
            long now = System.currentTimeMillis();
            if (received != null && received.length > 0) {
                lastHeard = now;
                for (PGNotification n : received) {
                    if (pingChannel.equals(n.getName())) {
                        if (n.getParameter().equals(pingPayload)) {
                            heard(now);
                        }
                        continue;
                    }
                    notifications.incrementAndGet();
                    // any notification proves the session hears: no need to send a NOTIFY of our own
                    if (pingPayload == null && hearing) {
                        nextPingAt = now + HEARING_CHECK_MILLIS;
                    }
                    wake(n.getName(), n.getParameter());
                }
            }
            checkHearing(now);
            if (now - lastHeard >= checkIntervalMillis) {
                // isValid sends an empty statement: a round trip and an empty transaction (no transaction id, no WAL),
                // which PostgreSQL adds to xact_commit only when this session next flushes its statistics (a session
                // that runs nothing else: when it ends); the hearing check's NOTIFY is a commit that writes
                if (!connection.isValid(VALID_TIMEOUT_SECONDS)) {
                    throw new SQLException("the LISTEN connection no longer answers");
                }
                lastHeard = now;
            }
        }
    }

    /** Sends the hearing check's NOTIFY when one is due, and judges the one outstanding. */
    private void checkHearing(long now) {
        if (pingPayload != null) {
            if (now - pingSentAt >= PING_TIMEOUT_MILLIS) {
                pingPayload = null;
                nextPingAt = now + PING_RETRY_MILLIS;
                hearingProblem = "the LISTEN connection does not hear its own NOTIFY (sent from another session, not"
                                 + " back within " + PING_TIMEOUT_MILLIS + " ms): it LISTENs but notifications do not"
                                 + " reach it, as behind PgBouncer in transaction pooling. Set listenerUrl (or"
                                 + " listenerDataSource) to a direct PostgreSQL connection; messages are still read"
                                 + " by the poll";
                if (hearing) {
                    hearing = false;
                    LOG.warn("pgmq listener: {}. Checking again every {} s.", hearingProblem, PING_RETRY_MILLIS / 1000);
                }
            }
            return;
        }
        if (now >= nextPingAt) {
            String payload = Long.toString(++pingCounter);
            try {
                pinger.notify(pingChannel, payload);
                pingPayload = payload;
                pingSentAt = now;
            } catch (RuntimeException e) {
                // the pool cannot reach the database: the connection checks decide what that means
                LOG.debug("pgmq listener: the hearing check's NOTIFY failed: {}", e.getMessage());
                nextPingAt = now + PING_RETRY_MILLIS;
            }
        }
    }

    private void heard(long now) {
        pingPayload = null;
        nextPingAt = now + HEARING_CHECK_MILLIS;
        pingsHeard.incrementAndGet();
        if (!hearing) {
            LOG.info("pgmq listener hears notifications again");
        }
        hearing = true;
    }

    /** Between half the delay and the delay: consumers of many JVMs do not all reconnect in the same instant. */
    private static long jitter(long delayMillis) {
        return delayMillis / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(delayMillis / 2 + 1);
    }

    /** LISTENs on new channels and UNLISTENs on abandoned ones; wakes the subscribers of a new channel. */
    private void syncChannels() throws SQLException {
        Set<String> wanted = subscribers.keySet();
        if (listening.equals(wanted)) {
            return;
        }
        listeningSnapshot = Set.of();
        try (Statement st = connection.createStatement()) {
            for (String channel : Set.copyOf(wanted)) {
                if (listening.add(channel)) {
                    st.execute(PgmqClient.listenSql(channel));
                    LOG.debug("pgmq listener: LISTEN {}", channel);
                    wake(channel, RECONNECTED);
                }
            }
            for (String channel : Set.copyOf(listening)) {
                if (!wanted.contains(channel)) {
                    st.execute(PgmqClient.unlistenSql(channel));
                    listening.remove(channel);
                    LOG.debug("pgmq listener: UNLISTEN {}", channel);
                }
            }
        }
        listeningSnapshot = Set.copyOf(listening);
    }

    private void wake(String channel, String payload) {
        List<Consumer<String>> list = subscribers.get(channel);
        if (list != null) {
            list.forEach(s -> safeRun(s, payload));
        }
    }

    private void wakeAll() {
        subscribers.values().forEach(list -> list.forEach(s -> safeRun(s, RECONNECTED)));
    }

    private static void safeRun(Consumer<String> subscriber, String payload) {
        try {
            subscriber.accept(payload);
        } catch (RuntimeException e) {
            LOG.warn("pgmq listener: waking a consumer failed", e);
        }
    }

    /**
     * Closes the connection at a normal stop. A connection taken from a pool goes back to it, so it must not keep
     * listening (its notifications would pile up in that session) nor keep the listener's name.
     */
    private void releaseConnection() {
        Connection c = connection;
        if (c != null) {
            try (Statement st = c.createStatement()) {
                st.execute(PgmqClient.unlistenAllSql());
                // notifications that arrived before the UNLISTEN wait in the driver: drop them, or the pool's next
                // borrower of this connection reads them as its own
                c.unwrap(PGConnection.class).getNotifications();
                c.setClientInfo("ApplicationName", "");
            } catch (SQLException e) {
                LOG.debug("Resetting the pgmq listener connection failed: {}", e.getMessage());
            }
        }
        closeConnection();
    }

    private void closeConnection() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                // after a failure the session is dead: abort it, so that a pool it came from does not lend it again
                if (running) {
                    c.abort(Runnable::run);
                }
                c.close();
            } catch (SQLException e) {
                LOG.debug("Closing the pgmq listener connection failed: {}", e.getMessage());
            }
        }
    }

    private void sleep(long millis) {
        long end = System.currentTimeMillis() + millis;
        while (running && System.currentTimeMillis() < end) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, end - System.currentTimeMillis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }
}
