package io.camelpgmq.component;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.camelpgmq.client.QueueNames;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The listener's connection has the settings of the pool (not just its URL), never holds a pooled connection it can
 * open itself, uses listenerDataSource when given, and notices when it LISTENs but hears nothing.
 */
class PgmqListenerSettingsTest extends PgmqTestSupport {

    private final String queue = newQueue("lsettings");
    private final String role = "pgmq_l_" + Long.toString(System.nanoTime(), 36);
    private CamelContext other;
    private HikariDataSource pool;

    @AfterEach
    void cleanUp() throws Exception {
        if (other != null) {
            other.stop();
        }
        if (pool != null) {
            pool.close();
        }
        if (queryLong("SELECT count(*) FROM pg_roles WHERE rolname = '" + role + "'") > 0) {
            execute("DROP OWNED BY " + role);
            execute("DROP ROLE " + role);
        }
    }

    /** A role that may consume the queue: the listener's session is recognisable by its user name. */
    private void createRole() {
        execute("CREATE ROLE " + role + " LOGIN PASSWORD 'pw'");
        execute("GRANT USAGE ON SCHEMA pgmq TO " + role);
        execute("GRANT SELECT ON pgmq.meta TO " + role);
        execute("GRANT SELECT, INSERT, UPDATE, DELETE ON pgmq.q_" + queue + " TO " + role);
        execute("GRANT SELECT, INSERT ON pgmq.a_" + queue + " TO " + role);
    }

    private static String plainUrl() {
        return DB.jdbcUrlWithoutCredentials();
    }

    /** A HikariCP pool of ONE connection whose user and password are dataSourceProperties only. */
    private HikariDataSource poolWithPropertiesOnly() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(plainUrl());
        config.addDataSourceProperty("user", role);
        config.addDataSourceProperty("password", "pw");
        config.setMaximumPoolSize(1);
        config.setConnectionTimeout(3000);
        pool = new HikariDataSource(config);
        return pool;
    }

    private PgmqComponent start(PgmqComponent component, String fromUri) throws Exception {
        other = new DefaultCamelContext();
        other.addComponent("pgmq", component);
        other.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(fromUri).routeId("consumer").to("mock:done");
            }
        });
        other.start();
        await(Duration.ofSeconds(10), () -> component.getListener().isListening(QueueNames.insertChannel(queue)),
                "the listener LISTENs");
        return component;
    }

    private long listenerSessionsOf(String user) {
        return queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'camel-pgmq listener'"
                         + " AND usename = '" + user + "' AND datname = current_database()");
    }

    private void assertDelivered(String body) throws Exception {
        MockEndpoint done = other.getEndpoint("mock:done", MockEndpoint.class);
        done.expectedBodiesReceived(body);
        client.send(queue, body, null, 0, QueueNames.insertChannel(queue));
        done.assertIsSatisfied(10_000);
    }

    @Test
    void theListenerConnectsWithThePoolsDataSourcePropertiesAndHoldsNoPooledConnection() throws Exception {
        createRole();
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(poolWithPropertiesOnly());
        start(component, "pgmq:" + queue + "?pollInterval=60000");
        // only the pool's dataSourceProperties say who to log in as
        await(Duration.ofSeconds(10), () -> listenerSessionsOf(role) == 1, "a listener session as " + role);
        // the pool has one connection: a listener holding it would starve every read
        assertDelivered("{\"n\": 1}");
    }

    @Test
    void aPoolBehindAWrapperIsFoundByUnwrap() throws Exception {
        createRole();
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(new WrappingDataSource(poolWithPropertiesOnly()));
        start(component, "pgmq:" + queue + "?pollInterval=60000");
        await(Duration.ofSeconds(10), () -> listenerSessionsOf(role) == 1, "a listener session as " + role);
        assertDelivered("{\"n\": 2}");
    }

    @Test
    void listenerDataSourceIsUsedForTheListenerOnly() throws Exception {
        createRole();
        PGSimpleDataSource listenerDs = new PGSimpleDataSource();
        listenerDs.setUrl(plainUrl());
        listenerDs.setUser(role);
        listenerDs.setPassword("pw");
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(DB.dataSource());
        component.setListenerDataSource(listenerDs);
        start(component, "pgmq:" + queue + "?pollInterval=60000");
        await(Duration.ofSeconds(10), () -> listenerSessionsOf(role) == 1, "the listener session as " + role);
        assertDelivered("{\"n\": 3}");
    }

    @Test
    void aListenerThatHearsPassesItsHearingCheck() throws Exception {
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(DB.dataSource());
        start(component, "pgmq:" + queue + "?pollInterval=60000");
        await(Duration.ofSeconds(10), () -> component.getListener().getPingsHeard() >= 1, "the hearing check passes");
        assertTrue(component.getListener().isHearing());
        PgmqConsumer consumer = (PgmqConsumer) other.getRoute("consumer").getConsumer();
        assertEquals(HealthCheck.State.UP, consumer.getHealthCheck().call().getState());
    }

    /**
     * A session that LISTENs and hears nothing, as behind PgBouncer in transaction pooling: here the listener's
     * connection never leaves its transaction (it ignores setAutoCommit(true)), and PostgreSQL only starts listening,
     * and only delivers notifications, when a transaction ends. LISTEN "succeeds"; nothing arrives.
     */
    @Test
    void aListenerThatHearsNothingIsReportedAndThePollStillDelivers() throws Exception {
        PGSimpleDataSource direct = new PGSimpleDataSource();
        direct.setUrl(DB.jdbcUrl());
        if (DB.username() != null) { // else the URL's user: setUser(null) would drop it
            direct.setUser(DB.username());
        }
        if (DB.password() != null) {
            direct.setPassword(DB.password());
        }
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(DB.dataSource());
        component.setListenerDataSource(new StuckInTransactionDataSource(direct));
        start(component, "pgmq:" + queue + "?pollInterval=500");
        await(Duration.ofSeconds(15), () -> !component.getListener().isHearing(), "the deaf listener is noticed");
        assertTrue(component.getListener().isConnected(), "the connection itself works");
        PgmqConsumer consumer = (PgmqConsumer) other.getRoute("consumer").getConsumer();
        HealthCheck.Result health = consumer.getHealthCheck().call();
        assertEquals(HealthCheck.State.DOWN, health.getState());
        assertTrue(health.getMessage().orElse("").contains("listenerUrl"), health.getMessage().toString());
        assertEquals(false, health.getDetails().get("listenerHearing"));
        assertDelivered("{\"polled\": true}");
    }

    /** Delegates everything, and unwraps to its target, as Spring's TransactionAwareDataSourceProxy does. */
    static class WrappingDataSource extends ForwardingDataSource {
        WrappingDataSource(DataSource target) {
            super(target, true);
        }
    }

    /** Connections that stay in a transaction: setAutoCommit(true) is ignored. Not a wrapper of a pool. */
    static final class StuckInTransactionDataSource extends WrappingDataSource {
        StuckInTransactionDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection real = super.getConnection();
            real.setAutoCommit(false);
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] { Connection.class }, (proxy, method, args) -> {
                        if (method.getName().equals("setAutoCommit")) {
                            return null;
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }
}
