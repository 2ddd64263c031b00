package io.camelpgmq.fault;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.camelpgmq.client.QueueNames;
import io.camelpgmq.component.PgmqConstants;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The LISTEN connection killed again and again, and a producer whose transaction rolls back. */
class ListenerFaultsTest extends FaultTestSupport {

    @Test
    void listenerBackendKilledTenTimesDuringARun() throws Exception {
        String q = newQueue("listener_kill");
        List<Long> processed = new CopyOnWriteArrayList<>();
        Set<Long> sent = ConcurrentHashMap.newKeySet();
        CamelContext ctx = contextOnTestDb();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // the poll is a minute away: delivery rests on LISTEN and on the read after each reconnect
                from("pgmq:" + q + "?pollInterval=60000&concurrentConsumers=2")
                        .process(e -> processed.add(e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class)));
            }
        });
        ctx.start();
        ProducerTemplate template = ctx.createProducerTemplate();
        Thread killer = new Thread(() -> {
            for (int kill = 0; kill < 10; kill++) {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'camel-pgmq listener'");
            }
        });
        killer.start();
        long end = System.currentTimeMillis() + 4_000;
        while (System.currentTimeMillis() < end) {
            sent.add(template.request("pgmq:" + q, e -> e.getMessage().setBody("{\"k\":1}")).getMessage()
                    .getHeader(PgmqConstants.MSG_ID, Long.class));
            Thread.sleep(5);
        }
        killer.join();
        await(Duration.ofSeconds(20), () -> processed.size() >= sent.size(), "every message processed");
        Thread.sleep(500);
        FaultReport r = FaultReport.of("listener backend killed 10 times", sent, processed);
        assertEquals(0, r.lost());
        assertEquals(0, r.duplicated());
        await(Duration.ofSeconds(10), () -> queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name"
                                                      + " = 'camel-pgmq listener'") == 1, "one listener session");
        ctx.close();
    }

    @Test
    void producerTransactionRolledBackSendsNothingAndWakesNobody() throws Exception {
        String q = newQueue("rollback");
        List<Long> processed = new CopyOnWriteArrayList<>();
        CamelContext ctx = contextOnTestDb();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?pollInterval=200")
                        .process(e -> processed.add(e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class)));
            }
        });
        ctx.start();
        try (Connection listener = DB.dataSource().getConnection();
             Connection tx = DB.dataSource().getConnection()) {
            listener.createStatement().execute("LISTEN \"" + QueueNames.insertChannel(q) + "\"");
            tx.setAutoCommit(false);
            for (int i = 0; i < 20; i++) {
                ctx.createProducerTemplate().sendBodyAndHeader("pgmq:" + q, "{\"i\":" + i + "}",
                        PgmqConstants.CONNECTION, tx);
            }
            tx.rollback();
            tx.setAutoCommit(true);
            Thread.sleep(1000);
            PGNotification[] heard = listener.unwrap(PGConnection.class).getNotifications(500);
            FaultReport r = FaultReport.of("producer transaction rolled back (20 sends)", Set.of(), processed);
            assertEquals(0, heard == null ? 0 : heard.length, "no notification for a rolled-back send");
            assertEquals(0, r.processed());
            assertEquals(0, client.metrics(q).queueLength());
            listener.createStatement().execute("UNLISTEN *");
        }
        ctx.close();
    }
}
