package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongSupplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqException;
import io.camelpgmq.client.PgmqSchema;
import io.camelpgmq.client.QueueNames;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;
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
                                                + " listener uses url, or else takes one connection from the"
                                                + " dataSource and keeps it.")
    private String listenerUrl;
    @Metadata(label = "advanced", defaultValue = "5000", javaType = "java.time.Duration",
              description = "Milliseconds without a notification after which the listener checks that its"
                            + " connection still works (a half-open connection shows no error until it is used).")
    private long listenerCheckInterval = 5000;
    @Metadata(label = "advanced", defaultValue = "30000", javaType = "java.time.Duration",
              description = "The longest wait in milliseconds between the listener's reconnection attempts (they"
                            + " start at 100 ms and double).")
    private long listenerMaxReconnectDelay = 30000;
    @Metadata(label = "advanced", description = "Install camel-pgmq's pgmq-compatible SQL on start when the database"
                                                + " has neither the pgmq extension nor the compatible SQL (managed"
                                                + " services where the extension cannot be installed).")
    private boolean installSchema;
    @Metadata(label = "producer", defaultValue = "20", javaType = "java.time.Duration",
              description = "Coalesce the producers' NOTIFYs: per channel, the first send of a quiet period notifies at"
                            + " once and later sends within this many milliseconds skip theirs (NOTIFY takes a"
                            + " database-wide lock at commit). The notification carries the window"
                            + " ({\"coalesce_ms\":20}) and camel-pgmq consumers read once more when it ends, so no"
                            + " message waits for the poll. Sends in a joined transaction always notify. 0 turns it"
                            + " off (every send notifies, with the empty payload); at most 10000.")
    private long notifyCoalesceWindow = 20;

    private DataSource ownedDataSource;
    private PgmqClient client;
    private PgmqListener listener;
    private PgmqNotifyCoalescer notifyCoalescer;
    // tests only: a clock that makes a send outlive its window without a slow database
    private LongSupplier coalescerClock;

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        PgmqConfiguration configuration = new PgmqConfiguration();
        configuration.setQueueName(remaining);
        PgmqEndpoint endpoint = new PgmqEndpoint(uri, this, configuration);
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
        client = new PgmqClient(ds);
        if (installSchema) {
            PgmqSchema.install(ds);
        }
        listener = new PgmqListener(this::openListenerConnection, listenerCheckInterval, listenerMaxReconnectDelay,
                () -> getCamelContext().getExecutorServiceManager().newSingleThreadExecutor(this, "PgmqListener"));
    }

    @Override
    protected void doStop() throws Exception {
        if (listener != null) {
            listener.close();
            if (listener.getExecutor() != null) {
                getCamelContext().getExecutorServiceManager().shutdownGraceful(listener.getExecutor());
            }
            listener = null;
        }
        if (ownedDataSource instanceof HikariDataSource hikari) {
            hikari.close();
        }
        ownedDataSource = null;
        client = null;
        super.doStop();
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
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setUsername(username);
            config.setPassword(password);
            config.setMaximumPoolSize(maxPoolSize);
            config.setPoolName("camel-pgmq");
            // fail at start with the driver's reason (wrong password, unknown host) rather than at the first message
            config.setInitializationFailTimeout(1);
            try {
                ownedDataSource = new HikariDataSource(config);
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new PgmqException("Cannot connect to PostgreSQL at " + url + ": " + cause.getMessage()
                                        + " (check url, username, password and that the server is running).",
                        e);
            }
        }
        return ownedDataSource;
    }

    private Connection openListenerConnection() throws SQLException {
        if (listenerUrl != null) {
            return directConnection(listenerUrl, username, password);
        }
        if (dataSource == null) {
            return directConnection(url, username, password);
        }
        // a pooled connection killed under the listener would go back to the pool looking healthy: with a HikariCP
        // pool, open the listener's own connection with the pool's settings instead
        if (dataSource instanceof HikariDataSource hikari && hikari.getJdbcUrl() != null) {
            return directConnection(hikari.getJdbcUrl(), hikari.getUsername(), hikari.getPassword());
        }
        LOG.debug("The pgmq listener takes its connection from the DataSource and keeps it");
        return dataSource.getConnection();
    }

    private static Connection directConnection(String jdbcUrl, String user, String secret) throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (secret != null) {
            props.setProperty("password", secret);
        }
        // keepalive lets the OS notice a dead peer; the listener's own checks notice it sooner
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", PgmqListener.APPLICATION_NAME);
        return DriverManager.getConnection(jdbcUrl, props);
    }

    PgmqClient getClient() {
        return client;
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

    public boolean isInstallSchema() {
        return installSchema;
    }

    public void setInstallSchema(boolean installSchema) {
        this.installSchema = installSchema;
    }
}
