package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.PropertyElf;
import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqException;
import io.camelpgmq.client.PgmqSchema;
import io.camelpgmq.client.QueueNames;
import io.camelpgmq.client.Secrets;
import io.camelpgmq.component.consumer.PgmqConsumerMeters;
import io.camelpgmq.component.consumer.PgmqConsumerThreads;
import io.camelpgmq.component.producer.PgmqNotifyCoalescer;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;
import org.postgresql.ds.common.BaseDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code pgmq:} component. It owns what endpoints share: the DataSource (the user's, or a HikariCP pool it
 * creates from {@code url} and closes), the {@link PgmqClient}, and one {@link PgmqListener} whose single connection
 * LISTENs for every consumer of this component.
 */
@Component("pgmq")
public class PgmqComponent extends DefaultComponent {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqComponent.class);
    private static final long LISTENER_STOP_MILLIS = 1000;
    private static final long POOL_CLOSE_MILLIS = 1000;
    /** How soon a pooler check that could not reach the database is tried again. */
    private static final long POOLER_RECHECK_MILLIS = 5000;

    @Metadata(autowired = true, description = "The DataSource for every queue operation (a pgjdbc DataSource or a pool"
                                              + " over it). Autowired when the registry has exactly one. Use url instead"
                                              + " to let the component create and own a HikariCP pool.")
    private DataSource dataSource;
    @Metadata(description = "A JDBC URL (jdbc:postgresql://host:5432/db): the component creates a HikariCP pool"
                            + " for it, and opens its LISTEN connection with it. Ignored when dataSource is set.")
    private String url;
    @Metadata(description = "The database user for url and listenerUrl.")
    private String username;
    @Metadata(description = "The database password for url and listenerUrl.", secret = true)
    private String password;
    @Metadata(defaultValue = "10", description = "The maximum size of the HikariCP pool created for url.")
    private int maxPoolSize = 10;
    @Metadata(label = "advanced", description = "A JDBC URL for the LISTEN connection only: a direct connection to"
                                                + " PostgreSQL when queue operations go through PgBouncer in"
                                                + " transaction pooling (which does not carry LISTEN). By default the"
                                                + " listener opens its own connection with the settings of url, or of"
                                                + " the dataSource's HikariCP pool (URL, user, password and every"
                                                + " dataSourceProperty) or pgjdbc DataSource; only for another"
                                                + " DataSource does it keep one of its pooled connections.")
    private String listenerUrl;
    @Metadata(label = "advanced", description = "A DataSource for the LISTEN connection only (one long-lived"
                                                + " connection; use a non-pooling one such as PGSimpleDataSource, with"
                                                + " the TLS and login settings you need). Takes precedence over"
                                                + " listenerUrl.")
    private DataSource listenerDataSource;
    @Metadata(label = "advanced", defaultValue = "5000", javaType = "java.time.Duration",
              description = "Milliseconds without a notification after which the listener checks that its"
                            + " connection still works (a half-open connection shows no error until it is used).")
    private long listenerCheckInterval = 5000;
    @Metadata(label = "advanced", defaultValue = "30000", javaType = "java.time.Duration",
              description = "The longest wait in milliseconds between the listener's reconnection attempts (they"
                            + " start at 100 ms and double).")
    private long listenerMaxReconnectDelay = 30000;
    @Metadata(label = "advanced", defaultValue = "30000", javaType = "java.time.Duration",
              description = "The longest wait in milliseconds for the database to answer on a connection the"
                            + " component opens (its pool from url, and the listener's own connection): pgjdbc's"
                            + " socketTimeout, rounded up to whole seconds; 0 waits for ever. Without it a network"
                            + " path that silently drops packets hangs a statement until the OS gives up (about 15"
                            + " minutes). The statements the component runs are short; a socketTimeout in the url's"
                            + " query wins. Those connections also get TCP keepalive. Not applied to a dataSource you"
                            + " give: configure it there.")
    private long socketTimeout = 30000;
    @Metadata(label = "advanced", description = "Install camel-pgmq's pgmq-compatible SQL on start when the database"
                                                + " has neither the pgmq extension nor the compatible SQL (managed"
                                                + " services where the extension cannot be installed).")
    private boolean installSchema;
    @Metadata(label = "advanced", defaultValue = "true",
              description = "Behind a transaction pooler (PgBouncer, Supavisor; found by the component's check), where"
                            + " its connections do not prepare statements (pgjdbc prepareThreshold=0), prepare the"
                            + " consumers' reads and completions (archive or delete, a retry's visibility, a give-back)"
                            + " in the server session under names derived from their text, so that each is not parsed"
                            + " and planned again (a"
                            + " plain read 0.85 ms a call unprepared, 0.27 prepared; pgbench, PostgreSQL 15). Turn it"
                            + " off behind RDS Proxy, which pins a client connection to its server connection once it"
                            + " sees PREPARE.")
    private boolean sessionPreparedReads = true;
    @Metadata(label = "producer", defaultValue = "20", javaType = "java.time.Duration",
              description = "Coalesce the producers' NOTIFYs: per channel, the first send of a quiet period notifies at"
                            + " once and later sends within this many milliseconds skip theirs (NOTIFY takes a"
                            + " database-wide lock at commit). The notification carries the window"
                            + " ({\"coalesce_ms\":20}) and camel-pgmq consumers read once more when it ends, so no"
                            + " message waits for the poll. Sends in a joined transaction always notify. 0 turns it"
                            + " off (every send notifies, with the empty payload); at most 10000.")
    private long notifyCoalesceWindow = 20;

    @Metadata(label = "advanced", description = "A DataSource for producers only; consumers and the listener keep"
                                                + " using dataSource (or url). Give it a transaction-aware view of"
                                                + " dataSource, such as Spring's TransactionAwareDataSourceProxy, and"
                                                + " every send joins the caller's current transaction. The Spring Boot"
                                                + " starter sets it when the application has a transaction manager."
                                                + " By default producers use dataSource.")
    private DataSource producerDataSource;
    @Metadata(label = "advanced", defaultValue = "15000", javaType = "java.time.Duration",
              description = "How often the meters sample the depth, in-flight count and oldest message age of the"
                            + " queues this component consumes (and their dead-letter queues): one statement for all of"
                            + " them. 0 turns the sampling off. Meters are on when Micrometer is on the classpath and a"
                            + " MeterRegistry is found (see the README's Metrics section).")
    private long metricsInterval = 15000;
    @Metadata(label = "advanced", defaultValue = "60000", javaType = "java.time.Duration",
              description = "How often archive retention (the endpoints' archiveRetention) prunes the archives, on"
                            + " the component's housekeeping thread.")
    private long archivePruneInterval = 60000;
    // a Micrometer MeterRegistry, typed Object so that nothing here needs Micrometer on the classpath
    private Object meterRegistry;

    private PgmqOwnedPool ownedDataSource;
    private PgmqPoolerGuard poolerGuard;
    private ScheduledExecutorService poolerChecks;
    private final AtomicBoolean poolerCheckPending = new AtomicBoolean();
    private final AtomicLong listenerConnectionsOpened = new AtomicLong();
    private PgmqClient client;
    private PgmqClient producerClient;
    private PgmqListener listener;
    private PgmqConsumerThreads consumerThreads;
    private PgmqNotifyCoalescer notifyCoalescer;
    private ScheduledExecutorService housekeeping;
    private PgmqMeters meters = PgmqMeters.NONE;
    private PgmqArchivePruner archivePruner;
    private volatile boolean warnedPooledListener;
    // tests only: a clock that makes a send outlive its window without a slow database
    private LongSupplier coalescerClock;

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        PgmqConfiguration configuration = new PgmqConfiguration();
        configuration.setQueueName(remaining);
        PgmqEndpoint endpoint = new PgmqEndpoint(uri, this, configuration);
        // seconds-valued options given as durations, and enum values, are read from the raw text (see PgmqOptionText)
        PgmqOptionText.normalize(parameters);
        setProperties(endpoint, parameters);
        QueueNames.validate(remaining);
        if (configuration.getDeadLetterQueue() != null) {
            QueueNames.validate(configuration.getDeadLetterQueue());
        }
        if (configuration.getChannel() != null) {
            QueueNames.validateChannel(configuration.getChannel());
        }
        return endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (notifyCoalesceWindow < 0 || notifyCoalesceWindow > PgmqNotifyCoalescer.MAX_WINDOW_MILLIS) {
            throw new IllegalArgumentException("notifyCoalesceWindow must be 0 (off) to "
                                               + PgmqNotifyCoalescer.MAX_WINDOW_MILLIS + " ms, but was "
                                               + notifyCoalesceWindow + " ms.");
        }
        notifyCoalescer = notifyCoalesceWindow > 0
                ? new PgmqNotifyCoalescer(notifyCoalesceWindow, coalescerClock != null ? coalescerClock : System::nanoTime)
                : null;
        DataSource ds = getEffectiveDataSource();
        // before any statement could be prepared server-side: through a transaction pooler it would cross sessions
        poolerCheckPending.set(false);
        poolerGuard = new PgmqPoolerGuard(ds, dataSource == null ? ownedDataSource : null,
                producerDataSource != ds ? producerDataSource : null,
                listenerDataSource == null && listenerUrl == null, url);
        try {
            closeReplacedPool(poolerGuard.check(true));
        } catch (RuntimeException refused) {
            if (ownedDataSource != null) {
                ownedDataSource.pool().close();
                ownedDataSource = null;
            }
            throw refused;
        }
        if (!poolerGuard.isChecked()) {
            // the database cannot be reached now: check as soon as it can, before statements could pile up prepared
            schedulePoolerCheck(POOLER_RECHECK_MILLIS);
        }
        client = new PgmqClient(ds);
        useSessionPreparedReadsIfPooled();
        producerClient = producerDataSource != null ? new PgmqClient(producerDataSource) : client;
        if (installSchema) {
            PgmqSchema.install(ds);
        }
        meters = PgmqMeters.create(meterRegistry, getCamelContext(), client, metricsInterval, this::getHousekeeping);
        PgmqClient pinging = client;
        listenerConnectionsOpened.set(0);
        listener = new PgmqListener(this::openListenerConnectionAndRecheck, pinging::notify, listenerCheckInterval,
                listenerMaxReconnectDelay,
                () -> getCamelContext().getExecutorServiceManager().newSingleThreadExecutor(this, "PgmqListener"));
    }

    @Override
    protected void doStop() throws Exception {
        synchronized (this) {
            if (consumerThreads != null) {
                consumerThreads.close();
                consumerThreads = null;
            }
            stopHousekeeping();
        }
        if (listener != null) {
            listener.close();
            if (listener.getExecutor() != null) {
                // the listener ends within a quarter second, unless a dead connection holds it (then do not wait)
                getCamelContext().getExecutorServiceManager().shutdownGraceful(listener.getExecutor(),
                        LISTENER_STOP_MILLIS);
            }
            listener = null;
        }
        synchronized (this) {
            if (poolerChecks != null) {
                getCamelContext().getExecutorServiceManager().shutdownNow(poolerChecks);
                poolerChecks = null;
            }
        }
        if (ownedDataSource != null) {
            closePool(ownedDataSource.pool());
        }
        ownedDataSource = null;
        poolerGuard = null;
        client = null;
        producerClient = null;
        super.doStop();
    }

    /**
     * Closes the pool this component created. A connection stuck in a dead network path holds the pool's close until
     * its socket timeout; the stop must not wait for that, so the close gets a moment and then finishes on its own.
     */
    private void closePool(HikariDataSource hikari) {
        Thread closer = getCamelContext().getExecutorServiceManager().newThread("PgmqPoolClose", hikari::close);
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(POOL_CLOSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            LOG.warn("The pgmq component's connection pool is still closing: a connection is stuck in a dead network"
                     + " path. It finishes within socketTimeout ({} ms); the component has stopped.", socketTimeout);
        }
    }

    /** The DataSource for queue operations: the user's, or the pool this component created from {@code url}. */
    synchronized DataSource getEffectiveDataSource() {
        if (dataSource != null) {
            return dataSource;
        }
        if (ownedDataSource == null) {
            if (url == null) {
                throw new IllegalStateException(
                        "The pgmq component has no database: set its dataSource (or bind exactly one DataSource in the"
                                                + " registry), or its url, username and password, e.g."
                                                + " camel.component.pgmq.url=jdbc:postgresql://localhost:5432/postgres");
            }
            ownedDataSource = new PgmqOwnedPool(this::newPool);
        }
        return ownedDataSource;
    }

    /** A started HikariCP pool for {@code url}; {@code unprepared}: its connections never prepare server-side. */
    private HikariDataSource newPool(boolean unprepared) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(username);
        config.setPassword(password);
        config.setMaximumPoolSize(maxPoolSize);
        config.setPoolName("camel-pgmq");
        // a dead network path must end in an error, not a statement hanging until the kernel gives up
        config.addDataSourceProperty("tcpKeepAlive", "true");
        if (unprepared) {
            // behind a transaction pooler (PgmqPoolerGuard): a url's own prepareThreshold wins, and is checked
            config.addDataSourceProperty("prepareThreshold", "0");
        }
        if (socketTimeout > 0) {
            config.addDataSourceProperty("socketTimeout", Integer.toString(socketTimeoutSeconds()));
            // waiting for a pooled connection (or a new one that cannot log in) fails as soon as a statement would
            config.setConnectionTimeout(Math.max(1000, socketTimeout));
            config.setValidationTimeout(Math.max(250, Math.min(5000, socketTimeout / 2)));
        }
        // fail at start with the driver's reason (wrong password, unknown host) rather than at the first message
        config.setInitializationFailTimeout(1);
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new PgmqException(Secrets.mask("Cannot connect to PostgreSQL at " + url + ": " + cause.getMessage()
                                                 + " (check url, username, password and that the server is"
                                                 + " running)."),
                    e);
        }
    }

    /**
     * Closes the pool replaced by one with unprepared statements, in the background: its connections in use finish
     * their statements first.
     */
    private void closeReplacedPool(HikariDataSource replaced) {
        if (replaced != null) {
            Thread closer = getCamelContext().getExecutorServiceManager().newThread("PgmqPoolClose", replaced::close);
            closer.setDaemon(true);
            closer.start();
        }
    }

    /**
     * The listener's connection; every one after the first means the listener reconnected, and the database behind the
     * same address may have changed (a failover, a pooler put in front): check the component's path again, off the
     * listener's thread.
     */
    private Connection openListenerConnectionAndRecheck() throws SQLException {
        Connection c = openListenerConnection();
        if (listenerConnectionsOpened.getAndIncrement() > 0) {
            schedulePoolerCheck(0);
        }
        return c;
    }

    private synchronized void schedulePoolerCheck(long delayMillis) {
        if (!isRunAllowed() || !poolerCheckPending.compareAndSet(false, true)) {
            return;
        }
        if (poolerChecks == null) {
            poolerChecks = getCamelContext().getExecutorServiceManager().newSingleThreadScheduledExecutor(this,
                    "PgmqPoolerCheck");
        }
        try {
            poolerChecks.schedule(this::recheckPooler, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            poolerCheckPending.set(false);
        }
    }

    private void recheckPooler() {
        poolerCheckPending.set(false);
        PgmqPoolerGuard guard = poolerGuard;
        if (guard != null && isRunAllowed()) {
            closeReplacedPool(guard.check(false));
            useSessionPreparedReadsIfPooled();
            if (!guard.isChecked()) {
                schedulePoolerCheck(POOLER_RECHECK_MILLIS);
            }
        }
    }

    /**
     * Behind a transaction pooler, the consumers' reads and completions prepared in the server session
     * (sessionPreparedReads).
     */
    private void useSessionPreparedReadsIfPooled() {
        PgmqClient reading = client;
        if (reading != null) {
            reading.useSessionPreparedReads(sessionPreparedReads && isTransactionPooled());
        }
    }

    /** Why statements may cross server sessions now (found after start), or null. */
    String getPoolerProblem() {
        PgmqPoolerGuard guard = poolerGuard;
        return guard == null ? null : guard.getProblem();
    }

    /**
     * Whether the component's connections go through a transaction pooler (PgBouncer, Supavisor, RDS Proxy), as far as
     * its checks at start and since found: its statements then run unprepared, and its consumers' reads and
     * completions session-prepared ({@code sessionPreparedReads}).
     */
    public boolean isTransactionPooled() {
        PgmqPoolerGuard guard = poolerGuard;
        return guard != null && guard.isTransactionPooled();
    }

    private Connection openListenerConnection() throws SQLException {
        if (listenerDataSource != null) {
            return listenerDataSource.getConnection();
        }
        if (listenerUrl != null) {
            return directConnection(listenerUrl, new Properties(), username, password);
        }
        if (dataSource == null) {
            return directConnection(url, new Properties(), username, password);
        }
        // a pooled connection killed under the listener would go back to the pool looking healthy, and one held for
        // ever is one less for the pool: open the listener's own connection with the pool's full settings instead
        HikariDataSource hikari = unwrap(dataSource, HikariDataSource.class);
        if (hikari != null) {
            Connection own = connectLike(hikari);
            if (own != null) {
                return own;
            }
        }
        if (unwrap(dataSource, BaseDataSource.class) != null) {
            // pgjdbc's own DataSource does not pool: each connection is a session of its own
            return dataSource.getConnection();
        }
        if (!warnedPooledListener) {
            warnedPooledListener = true;
            LOG.warn("The pgmq listener keeps one connection of the DataSource ({}) for LISTEN, as it cannot open one of"
                     + " its own with the same settings. Set listenerDataSource or listenerUrl on the pgmq component"
                     + " to give it a direct connection.",
                    dataSource.getClass().getName());
        }
        return dataSource.getConnection();
    }

    /** A direct connection with a HikariCP pool's settings, or null when the pool's settings are not usable. */
    private Connection connectLike(HikariDataSource hikari) throws SQLException {
        if (hikari.getDataSource() != null) {
            DataSource inner = hikari.getDataSource();
            return hikari.getUsername() != null ? inner.getConnection(hikari.getUsername(), hikari.getPassword())
                    : inner.getConnection();
        }
        if (hikari.getDataSourceClassName() != null) {
            DataSource inner = newDataSource(hikari);
            return hikari.getUsername() != null ? inner.getConnection(hikari.getUsername(), hikari.getPassword())
                    : inner.getConnection();
        }
        if (hikari.getJdbcUrl() != null) {
            Properties props = new Properties();
            // pgjdbc reads properties as strings; HikariCP also takes other values
            hikari.getDataSourceProperties().forEach((k, v) -> props.setProperty(k.toString(), String.valueOf(v)));
            return directConnection(hikari.getJdbcUrl(), props, hikari.getUsername(), hikari.getPassword());
        }
        return null;
    }

    private static DataSource newDataSource(HikariDataSource hikari) throws SQLException {
        try {
            Object instance = Class.forName(hikari.getDataSourceClassName(), true,
                    Thread.currentThread().getContextClassLoader() != null
                            ? Thread.currentThread().getContextClassLoader() : PgmqComponent.class.getClassLoader())
                    .getDeclaredConstructor().newInstance();
            PropertyElf.setTargetFromProperties(instance, hikari.getDataSourceProperties());
            return (DataSource) instance;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new SQLException("Cannot create the pool's " + hikari.getDataSourceClassName()
                                   + " for the pgmq listener: " + e.getMessage(), e);
        }
    }

    private static <T> T unwrap(DataSource ds, Class<T> type) {
        if (type.isInstance(ds)) {
            return type.cast(ds);
        }
        try {
            return ds.isWrapperFor(type) ? ds.unwrap(type) : null;
        } catch (SQLException | RuntimeException e) {
            return null;
        }
    }

    /**
     * A connection of its own for the listener: the given properties (a pool's dataSourceProperties: sslmode,
     * sslrootcert, socketFactory, a password given as a property...), then user and password when given, and TCP
     * keepalive and the socket timeout unless the properties set them.
     */
    private Connection directConnection(String jdbcUrl, Properties given, String user, String secret)
            throws SQLException {
        Properties props = new Properties();
        props.putAll(given);
        if (user != null) {
            props.setProperty("user", user);
        }
        if (secret != null) {
            props.setProperty("password", secret);
        }
        // keepalive lets the OS notice a dead peer; the listener's own checks notice it sooner
        props.putIfAbsent("tcpKeepAlive", "true");
        if (socketTimeout > 0) {
            props.putIfAbsent("socketTimeout", Integer.toString(socketTimeoutSeconds()));
        }
        props.setProperty("ApplicationName", PgmqListener.APPLICATION_NAME);
        return DriverManager.getConnection(jdbcUrl, props);
    }

    /** pgjdbc counts socketTimeout in whole seconds: round up, so that a small timeout does not become none. */
    int socketTimeoutSeconds() {
        return socketTimeout <= 0 ? 0 : (int) Math.max(1, (socketTimeout + 999) / 1000);
    }

    PgmqClient getClient() {
        return client;
    }

    /** The threads this component's consumers share, created with the first consumer. */
    synchronized PgmqConsumerThreads getConsumerThreads() {
        if (consumerThreads == null) {
            consumerThreads = new PgmqConsumerThreads(getCamelContext().getExecutorServiceManager(), this);
        }
        return consumerThreads;
    }

    /**
     * What a starting consumer gets from its component: its meters, and its queue's sampling and archive retention
     * (with its dead-letter queue's when the endpoint says so).
     */
    synchronized PgmqConsumerMeters registerConsumer(PgmqConfiguration configuration) {
        if (configuration.getArchiveRetention() > 0) {
            if (archivePruner == null) {
                archivePruner = new PgmqArchivePruner(client, meters, getHousekeeping(), archivePruneInterval);
            }
            archivePruner.retain(configuration.getQueueName(), configuration.getArchiveRetention());
            if (configuration.isPruneDeadLetterArchive() && configuration.getDeadLetterQueue() != null) {
                archivePruner.retain(configuration.getDeadLetterQueue(), configuration.getArchiveRetention());
            }
        }
        return meters.consumer(configuration.getQueueName(), configuration.getDeadLetterQueue());
    }

    /** One thread per component for the meters' sampling and archive retention, off the consumers' threads. */
    synchronized ScheduledExecutorService getHousekeeping() {
        if (housekeeping == null) {
            housekeeping = getCamelContext().getExecutorServiceManager()
                    .newSingleThreadScheduledExecutor(this, "PgmqHousekeeping");
        }
        return housekeeping;
    }

    private void stopHousekeeping() {
        if (archivePruner != null) {
            archivePruner.close();
            archivePruner = null;
        }
        meters.close();
        meters = PgmqMeters.NONE;
        if (housekeeping != null) {
            getCamelContext().getExecutorServiceManager().shutdownNow(housekeeping);
            housekeeping = null;
        }
    }

    /** The client producers use: over producerDataSource when it is set, else the component's client. */
    PgmqClient getProducerClient() {
        return producerClient;
    }

    PgmqListener getListener() {
        return listener;
    }

    /** Tests only: the coalescer's nanosecond clock; set before the component starts. */
    void setCoalescerClock(LongSupplier nanoClock) {
        this.coalescerClock = nanoClock;
    }

    /** The producers' NOTIFY coalescer, or null when coalescing is off; available once the component started. */
    PgmqNotifyCoalescer getNotifyCoalescer() {
        return notifyCoalescer;
    }

    public DataSource getDataSource() {
        return dataSource;
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public int getMaxPoolSize() {
        return maxPoolSize;
    }

    public void setMaxPoolSize(int maxPoolSize) {
        this.maxPoolSize = maxPoolSize;
    }

    public String getListenerUrl() {
        return listenerUrl;
    }

    public void setListenerUrl(String listenerUrl) {
        this.listenerUrl = listenerUrl;
    }

    public long getListenerCheckInterval() {
        return listenerCheckInterval;
    }

    public void setListenerCheckInterval(long listenerCheckInterval) {
        this.listenerCheckInterval = listenerCheckInterval;
    }

    public long getListenerMaxReconnectDelay() {
        return listenerMaxReconnectDelay;
    }

    public void setListenerMaxReconnectDelay(long listenerMaxReconnectDelay) {
        this.listenerMaxReconnectDelay = listenerMaxReconnectDelay;
    }

    public long getNotifyCoalesceWindow() {
        return notifyCoalesceWindow;
    }

    public void setNotifyCoalesceWindow(long notifyCoalesceWindow) {
        this.notifyCoalesceWindow = notifyCoalesceWindow;
    }

    public DataSource getProducerDataSource() {
        return producerDataSource;
    }

    public void setProducerDataSource(DataSource producerDataSource) {
        this.producerDataSource = producerDataSource;
    }

    public long getSocketTimeout() {
        return socketTimeout;
    }

    public void setSocketTimeout(long socketTimeout) {
        this.socketTimeout = socketTimeout;
    }

    public DataSource getListenerDataSource() {
        return listenerDataSource;
    }

    public void setListenerDataSource(DataSource listenerDataSource) {
        this.listenerDataSource = listenerDataSource;
    }

    public long getMetricsInterval() {
        return metricsInterval;
    }

    public void setMetricsInterval(long metricsInterval) {
        this.metricsInterval = metricsInterval;
    }

    public long getArchivePruneInterval() {
        return archivePruneInterval;
    }

    public void setArchivePruneInterval(long archivePruneInterval) {
        this.archivePruneInterval = archivePruneInterval;
    }

    /** The Micrometer MeterRegistry for the component's meters, or null to look for one (see {@link PgmqMeters}). */
    public Object getMeterRegistry() {
        return meterRegistry;
    }

    /**
     * The Micrometer {@code MeterRegistry} for the component's meters. Typed Object so that the component loads
     * without Micrometer; anything but a MeterRegistry is refused on start. By default the only MeterRegistry in
     * Camel's registry is used (the Spring Boot starter sets Spring's).
     */
    public void setMeterRegistry(Object meterRegistry) {
        this.meterRegistry = meterRegistry;
    }

    public boolean isSessionPreparedReads() {
        return sessionPreparedReads;
    }

    public void setSessionPreparedReads(boolean sessionPreparedReads) {
        this.sessionPreparedReads = sessionPreparedReads;
    }

    public boolean isInstallSchema() {
        return installSchema;
    }

    public void setInstallSchema(boolean installSchema) {
        this.installSchema = installSchema;
    }
}
