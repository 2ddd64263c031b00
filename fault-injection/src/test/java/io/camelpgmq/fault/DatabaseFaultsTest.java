package io.camelpgmq.fault;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqSchema;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConstants;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The database restarted, its pool exhausted, an old snapshot held open, statements timing out. */
class DatabaseFaultsTest extends FaultTestSupport {

    private static EmbeddedPostgres startServer(Path data, int port) throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }

    @Test
    void postgresStoppedAndRestartedMidRun() throws Exception {
        Path data = Files.createTempDirectory("pgmq-restart");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EmbeddedPostgres pg = startServer(data, port);
        String url = "jdbc:postgresql://localhost:" + port + "/postgres";
        try (Connection c = pg.getPostgresDatabase().getConnection()) {
            PgmqSchema.install(c);
            PgmqClient.onConnection(c).createQueue("restart");
        }
        List<Long> processed = new CopyOnWriteArrayList<>();
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setUrl(url);
        pgmq.setUsername("postgres");
        ctx.addComponent("pgmq", pgmq);
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:restart?pollInterval=1000&concurrentConsumers=2")
                        .process(e -> processed.add(e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class)));
            }
        });
        ctx.start();
        ProducerTemplate template = ctx.createProducerTemplate();
        Set<Long> sent = ConcurrentHashMap.newKeySet();
        AtomicLong failedSends = new AtomicLong();
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread producer = new Thread(() -> {
            int n = 0;
            while (sending.get()) {
                org.apache.camel.Exchange done = template.request("pgmq:restart", ex -> ex.getMessage().setBody("{}"));
                if (done.getException() != null) {
                    // the database is down: a real producer retries; a failed send left nothing behind
                    failedSends.incrementAndGet();
                } else {
                    sent.add(done.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class));
                    n++;
                }
                try {
                    Thread.sleep(n % 2 == 0 ? 10 : 5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        producer.start();
        try {
            Thread.sleep(1500);
            pg.close(); // stops the server, keeps its data
            Thread.sleep(1500);
            pg = startServer(data, port);
            Thread.sleep(2000);
            sending.set(false);
            producer.join();
            await(Duration.ofSeconds(30), () -> Set.copyOf(processed).containsAll(sent), "everything sent processed");
            Thread.sleep(500);
            FaultReport r = FaultReport.of("PostgreSQL stopped and restarted (" + failedSends.get()
                                           + " sends refused while down)", sent, processed);
            assertEquals(0, r.lost());
            assertTrue(r.duplicated() <= 20, "duplicates bounded by what was in flight: " + r.duplicated());
            assertTrue(failedSends.get() > 0, "the producer did see the outage");
        } finally {
            ctx.close();
            pg.close();
        }
    }

    @Test
    void poolExhaustedOldSnapshotAndStatementTimeout() throws Exception {
        String q = newQueue("pool");
        List<Long> processed = new CopyOnWriteArrayList<>();
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        // two connections for eight readers, the producer and the listener; every statement ends within 1 s
        pgmq.setUrl(DB.jdbcUrl() + (DB.jdbcUrl().contains("?") ? "&" : "?") + "options=-c%20statement_timeout%3D1000");
        pgmq.setUsername(DB.username());
        pgmq.setPassword(DB.password());
        pgmq.setMaxPoolSize(2);
        pgmq.setListenerUrl(DB.jdbcUrl());
        ctx.addComponent("pgmq", pgmq);
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?concurrentConsumers=8&maxMessagesPerPoll=5&pollInterval=500")
                        .routeId("readers").autoStartup(false)
                        .process(e -> processed.add(e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class)));
            }
        });
        ctx.start();
        ProducerTemplate template = ctx.createProducerTemplate();
        Set<Long> sent = ConcurrentHashMap.newKeySet();
        try (Connection old = DB.dataSource().getConnection(); Connection locker = DB.dataSource().getConnection()) {
            // a transaction holding an old snapshot for the whole run
            old.setAutoCommit(false);
            old.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = old.createStatement()) {
                st.execute("SELECT count(*) FROM pgmq.meta");
            }
            for (int i = 0; i < 300; i++) {
                sent.add(template.request("pgmq:" + q, e -> e.getMessage().setBody("{}")).getMessage()
                        .getHeader(PgmqConstants.MSG_ID, Long.class));
            }
            // hold the queue table locked past the statement timeout: reads and sends fail for 3 s, then recover
            locker.setAutoCommit(false);
            try (Statement st = locker.createStatement()) {
                st.execute("LOCK TABLE pgmq.q_" + q + " IN ACCESS EXCLUSIVE MODE");
            }
            ctx.getRouteController().startRoute("readers");
            Exception refused = null;
            try {
                template.sendBody("pgmq:" + q, "{}");
            } catch (Exception e) {
                refused = e;
            }
            assertTrue(refused != null && String.valueOf(refused.getCause().getMessage()).contains("statement timeout"),
                    "a send during the lock fails clearly: " + refused);
            Thread.sleep(3000);
            locker.commit();
            old.commit();
        }
        await(Duration.ofSeconds(30), () -> client.metrics(q).queueLength() == 0, "queue drained after the faults");
        Thread.sleep(300);
        FaultReport r = FaultReport.of("pool of 2 for 8 readers, old snapshot, statement timeouts", sent, processed);
        assertEquals(0, r.lost());
        assertEquals(0, r.duplicated());
        ctx.close();
    }
}
