package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.camelpgmq.client.PgmqSessions;
import io.camelpgmq.test.PgBouncer;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The pooler check after start: when the path behind the component's DataSource becomes transaction-pooled (a failover,
 * a pooler put in front), the component's own pool is replaced by an unprepared one, and a user's DataSource that
 * prepares server-side is reported (ERROR, consumer health DOWN).
 */
class PgmqPoolerRecheckTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private static PgBouncer pgbouncer;

    @BeforeAll
    static void startPgBouncer() {
        pgbouncer = PgBouncer.start(3);
    }

    @AfterAll
    static void stopPgBouncer() {
        if (pgbouncer != null) {
            pgbouncer.close();
        }
    }

    @Test
    void theComponentsOwnPoolIsReplacedByAnUnpreparedOneWhenACheckFindsAPooler() throws Exception {
        PgmqOwnedPool owned = new PgmqOwnedPool(unprepared -> pool(pgbouncer.jdbcUrl(), unprepared));
        try {
            PgmqPoolerGuard guard = new PgmqPoolerGuard(owned, owned, null, false, pgbouncer.jdbcUrl());
            try (Connection c = owned.getConnection()) {
                assertTrue(PgmqSessions.preparesServerSide(c), "the pool prepares before the check");
            }
            HikariDataSource replaced = guard.check(false);
            assertNotNull(replaced, "the old pool is handed back to be closed");
            replaced.close();
            assertTrue(guard.isTransactionPooled());
            assertTrue(owned.isUnprepared());
            try (Connection c = owned.getConnection()) {
                assertEquals(0, PgmqSessions.prepareThreshold(c), "the new pool prepares nothing");
            }
            assertNull(guard.check(false), "replaced once");
            assertNull(guard.getProblem());
        } finally {
            owned.pool().close();
        }
    }

    /**
     * The application's DataSource is direct at start, then goes through PgBouncer (a failover to an address behind a
     * pooler); the listener reconnects, the component checks again and reports what it cannot fix.
     */
    @Test
    void aUserDataSourceThatStartsPreparingThroughAPoolerIsReportedAfterTheListenerReconnects() throws Exception {
        String queue = PgmqTestDatabase.uniqueQueueName("pooler_recheck");
        new io.camelpgmq.client.PgmqClient(DB.dataSource()).createQueue(queue);
        try (HikariDataSource direct = pool(DB.jdbcUrl(), false);
             HikariDataSource pooled = pool(pgbouncer.jdbcUrl(), false)) {
            ForwardingDataSource app = new ForwardingDataSource(direct, false);
            RecordingDataSource listenerConnections = new RecordingDataSource(DB.dataSource());
            PgmqComponent component = new PgmqComponent();
            component.setDataSource(app);
            component.setListenerDataSource(listenerConnections);
            CamelContext ctx = new DefaultCamelContext();
            ctx.addComponent("pgmq", component);
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + queue).routeId("recheck").log("${body}");
                }
            });
            try (ctx) {
                ctx.start();
                assertFalse(component.isTransactionPooled(), "direct at start");
                await(() -> component.getListener().isConnected() && listenerConnections.last != null,
                        "the listener connected");
                app.setTarget(pooled);
                int pid = listenerConnections.last.unwrap(PGConnection.class).getBackendPID();
                DB.execute("SELECT pg_terminate_backend(" + pid + ")");
                await(() -> component.getPoolerProblem() != null, "the check after the reconnect reports the pool");
                assertTrue(component.isTransactionPooled());
                assertTrue(component.getPoolerProblem().contains("prepareThreshold=0"), component.getPoolerProblem());
                HealthCheck.Result health = ctx.getRoute("recheck").getConsumer() instanceof PgmqConsumer consumer
                        ? consumer.getHealthCheck().call() : null;
                assertNotNull(health);
                assertEquals(HealthCheck.State.DOWN, health.getState());
                assertTrue(health.getMessage().orElse("").contains("prepareThreshold=0"), health.getMessage().toString());
            }
        }
    }

    /**
     * A database that cannot be reached at start does not stop the component (a producer reports it at its first
     * send); the check runs again until it reaches the database, and then finds the pooler.
     */
    @Test
    void aDatabaseUnreachableAtStartIsCheckedOnceItCanBeReached() throws Exception {
        org.postgresql.ds.PGSimpleDataSource nowhere = new org.postgresql.ds.PGSimpleDataSource();
        nowhere.setUrl("jdbc:postgresql://127.0.0.1:" + closedPort() + "/postgres");
        nowhere.setConnectTimeout(1);
        try (HikariDataSource pooled = pool(pgbouncer.jdbcUrl(), false)) {
            ForwardingDataSource app = new ForwardingDataSource(nowhere, false);
            PgmqComponent component = new PgmqComponent();
            component.setDataSource(app);
            CamelContext ctx = new DefaultCamelContext();
            ctx.addComponent("pgmq", component);
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:send").to("pgmq:pooler_unreachable");
                }
            });
            try (ctx) {
                ctx.start();
                assertFalse(component.isTransactionPooled(), "nothing known yet");
                app.setTarget(pooled);
                await(() -> component.getPoolerProblem() != null, "the check once the database is reachable");
                assertTrue(component.getPoolerProblem().contains("prepareThreshold=0"), component.getPoolerProblem());
            }
        }
    }

    private static int closedPort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static HikariDataSource pool(String url, boolean unprepared) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(DB.username());
        config.setPassword(DB.password());
        config.setMaximumPoolSize(4);
        if (unprepared) {
            config.addDataSourceProperty("prepareThreshold", "0");
        }
        return new HikariDataSource(config);
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(20);
        }
        fail("Timed out: " + what);
    }

    /** Remembers the last connection it lent (the listener's), so the test can terminate its backend. */
    static final class RecordingDataSource extends ForwardingDataSource {
        volatile Connection last;

        RecordingDataSource(DataSource target) {
            super(target, false);
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection c = super.getConnection();
            last = c;
            return c;
        }
    }
}
