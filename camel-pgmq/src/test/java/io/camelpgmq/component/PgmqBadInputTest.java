package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each bad input gives an error that names the problem and the fix, and loses nothing. */
class PgmqBadInputTest extends PgmqTestSupport {

    private final String queue = newQueue("bad_input");

    private static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }

    /** Starts a context with the route and returns the error its start gives. */
    private Exception startFails(PgmqComponent component, String fromUri) {
        CamelContext other = new DefaultCamelContext();
        other.addComponent("pgmq", component);
        return assertThrows(Exception.class, () -> {
            try {
                other.addRoutes(new RouteBuilder() {
                    @Override
                    public void configure() {
                        from(fromUri).to("log:never");
                    }
                });
                other.start();
            } finally {
                other.stop();
            }
        });
    }

    private static PgmqComponent componentOnTestDb() {
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(DB.dataSource());
        return component;
    }

    @Test
    void invalidQueueNamesInUris() {
        for (String bad : new String[] { "Bad-Name", "has%20space", "x".repeat(48) }) {
            Exception e = assertThrows(Exception.class, () -> template.sendBody("pgmq:" + bad, "{}"));
            assertTrue(rootMessage(e).contains("queue name"), rootMessage(e));
        }
    }

    @Test
    void unknownOption() {
        Exception e = assertThrows(Exception.class, () -> template.sendBody("pgmq:" + queue + "?visibiltyTimeout=5", "{}"));
        assertTrue(rootMessage(e).contains("visibiltyTimeout"), rootMessage(e));
        assertEquals(0, client.metrics(queue).totalMessages());
    }

    @Test
    void nonJsonBodyIsRefusedAndNothingIsSent() {
        CamelExecutionException e = assertThrows(CamelExecutionException.class,
                () -> template.sendBody("pgmq:" + queue, "this is not json"));
        assertTrue(rootMessage(e).contains("not valid JSON"), rootMessage(e));
        assertEquals(0, client.metrics(queue).totalMessages());
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedAndNothingIsSent() {
        // "Müller" in ISO-8859-1: the ü is byte 0xFC, which is not UTF-8; it used to be stored as "M\uFFFDller"
        byte[] latin1 = "{\"name\": \"M\u00fcller\"}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        CamelExecutionException e = assertThrows(CamelExecutionException.class,
                () -> template.sendBody("pgmq:" + queue, latin1));
        assertTrue(rootMessage(e).contains("not valid UTF-8") && rootMessage(e).contains("base64"), rootMessage(e));
        e = assertThrows(CamelExecutionException.class,
                () -> template.sendBody("pgmq:" + queue + "?operation=sendBatch",
                        java.util.List.of("{\"n\": 1}".getBytes(java.nio.charset.StandardCharsets.UTF_8), latin1)));
        assertTrue(rootMessage(e).contains("not valid UTF-8"), rootMessage(e));
        e = assertThrows(CamelExecutionException.class,
                () -> template.sendBody("pgmq:" + queue, new java.io.ByteArrayInputStream(latin1)));
        assertTrue(rootMessage(e).contains("not valid UTF-8"), rootMessage(e));
        assertEquals(0, client.metrics(queue).totalMessages());

        // valid UTF-8 bytes (and streams) keep working
        byte[] utf8 = "{\"name\": \"M\u00fcller\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        template.sendBody("pgmq:" + queue, utf8);
        template.sendBody("pgmq:" + queue, new java.io.ByteArrayInputStream(utf8));
        for (io.camelpgmq.client.PgmqMessage stored : client.read(queue, 30, 10)) {
            assertTrue(stored.message().contains("M\u00fcller"), stored.message());
        }
        assertEquals(2, client.metrics(queue).totalMessages());
    }

    @Test
    void zeroOrNegativeVisibilityAndQuantity() {
        Exception vt = assertThrows(Exception.class,
                () -> template.sendBody("pgmq:" + queue + "?visibilityTimeout=0", "{}"));
        assertTrue(rootMessage(vt).contains("visibilityTimeout must be at least 1"), rootMessage(vt));
        Exception qty = assertThrows(Exception.class,
                () -> template.requestBodyAndHeader("pgmq:" + queue + "?operation=read", null,
                        PgmqConstants.QUANTITY, -1));
        assertTrue(rootMessage(qty).contains("qty must be 1 or more"), rootMessage(qty));
    }

    @Test
    void unknownQueueOnSendAndOnConsumerStart() {
        Exception send = assertThrows(Exception.class, () -> template.sendBody("pgmq:no_such_queue_x", "{}"));
        assertTrue(rootMessage(send).contains("'no_such_queue_x' does not exist. Create it first"), rootMessage(send));
        Exception start = startFails(componentOnTestDb(), "pgmq:no_such_queue_y");
        assertTrue(rootMessage(start).contains("autoCreateQueue=true"), rootMessage(start));
    }

    @Test
    void missingPgmq() throws Exception {
        String db = "nopgmq_c_" + Long.toString(System.nanoTime(), 36);
        execute("CREATE DATABASE " + db);
        try {
            PgmqComponent component = new PgmqComponent();
            component.setUrl(DB.jdbcUrl(db));
            component.setUsername(DB.username());
            component.setPassword(DB.password());
            Exception e = startFails(component, "pgmq:jobs");
            assertTrue(rootMessage(e).contains("pgmq is not installed"), rootMessage(e));
            assertTrue(rootMessage(e).contains("installSchema=true"), rootMessage(e));
        } finally {
            execute("DROP DATABASE " + db + " WITH (FORCE)");
        }
    }

    @Test
    void wrongPassword() throws Exception {
        boolean superuser;
        try (Connection c = DB.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
            rs.next();
            superuser = rs.getBoolean(1);
        }
        Assumptions.assumeTrue(superuser, "needs a superuser to add a password-checked role to pg_hba.conf");
        // it rewrites pg_hba.conf: only on the embedded server this JVM owns, never on a server given by URL
        Assumptions.assumeTrue(DB.embedded() != null, "rewrites pg_hba.conf: runs on the embedded server only");
        execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgmq_pw_test') THEN"
                + " CREATE ROLE pgmq_pw_test LOGIN PASSWORD 'right'; END IF; END $$");
        // password-check only that role (first matching line wins), leave every other connection as it was
        try (Connection c = DB.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS pg_temp.hba");
            st.execute("CREATE TEMP TABLE hba(line text)");
            st.execute("INSERT INTO hba SELECT 'host all pgmq_pw_test all scram-sha-256' WHERE NOT EXISTS"
                       + " (SELECT 1 FROM regexp_split_to_table(pg_read_file(current_setting('hba_file')), E'\\n') l"
                       + " WHERE l LIKE '%pgmq_pw_test%')");
            st.execute("INSERT INTO hba SELECT l FROM regexp_split_to_table(pg_read_file(current_setting('hba_file')),"
                       + " E'\\n') l");
            st.execute("DO $$ BEGIN EXECUTE format('COPY hba TO %L', current_setting('hba_file')); END $$");
            st.execute("SELECT pg_reload_conf()");
        }
        Thread.sleep(300);
        PgmqComponent component = new PgmqComponent();
        component.setUrl(DB.jdbcUrlWithoutCredentials());
        component.setUsername("pgmq_pw_test");
        component.setPassword("wrong");
        Exception e = startFails(component, "pgmq:" + queue);
        assertTrue(rootMessage(e).contains("password authentication failed"), rootMessage(e));
        assertTrue(rootMessage(e).contains("check url, username, password"), rootMessage(e));
    }

    @Test
    void bodyLargerThanNotifyPayloadLimitFlows() throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?pollInterval=60000").to("mock:big");
            }
        });
        String big = "{\"data\":\"" + "x".repeat(100_000) + "\"}";
        MockEndpoint mock = getMockEndpoint("mock:big");
        mock.expectedMessageCount(1);
        awaitListening(io.camelpgmq.client.QueueNames.insertChannel(queue));
        template.sendBody("pgmq:" + queue, big);
        mock.assertIsSatisfied(5000);
        assertEquals(big.replace(":", ": "), mock.getExchanges().get(0).getMessage().getBody(String.class));
    }

    @Test
    void headerThatIsNotJsonIsSkippedAndTheMessageIsSent() {
        template.sendBodyAndHeaders("pgmq:" + queue, "{}", Map.of("fine", "yes", "weird", new Object()));
        String headers = client.read(queue, 30, 1).get(0).headers();
        assertTrue(headers.contains("\"fine\""), headers);
        assertFalse(headers.contains("weird"), headers);
    }

    @Test
    void databaseDownAtStart() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        PgmqComponent component = new PgmqComponent();
        component.setUrl("jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres?connectTimeout=2");
        component.setUsername("postgres");
        Exception e = startFails(component, "pgmq:" + queue);
        assertTrue(rootMessage(e).contains("Cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:" + closedPort),
                rootMessage(e));
        assertTrue(rootMessage(e).contains("that the server is running"), rootMessage(e));
    }

    @Test
    void queueDroppedWhileConsumingIsReportedAndConsumingResumesWhenItIsBack() throws Exception {
        String dropped = newQueue("dropped");
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // the poll is a minute away and the message below sends no NOTIFY: only the read's own retry after
                // a failure can find it
                from("pgmq:" + dropped + "?pollInterval=60000").routeId("dropping").to("mock:dropped");
            }
        });
        PgmqConsumer consumer = (PgmqConsumer) context.getRoute("dropping").getConsumer();
        // the health check is DOWN until the listener has connected: wait for it, so that the states below are the
        // read's (seen once in a fresh-clone CI run: the whole test took 0.33 s, and ended DOWN)
        awaitListening(io.camelpgmq.client.QueueNames.insertChannel(dropped));
        client.dropQueue(dropped);
        await(java.time.Duration.ofSeconds(5), () -> consumer.getLastReadError() != null, "the read failure is seen");
        assertTrue(consumer.getLastReadError().contains("'" + dropped + "' does not exist"), consumer.getLastReadError());
        org.apache.camel.health.HealthCheck.Result health = consumer.getHealthCheck().call();
        assertEquals(org.apache.camel.health.HealthCheck.State.DOWN, health.getState());
        client.createQueue(dropped);
        client.send(dropped, "{\"back\":true}");
        MockEndpoint mock = getMockEndpoint("mock:dropped");
        mock.expectedBodiesReceived("{\"back\": true}");
        mock.assertIsSatisfied(5_000);
        await(java.time.Duration.ofSeconds(5), () -> consumer.getLastReadError() == null, "reads succeed again");
        org.apache.camel.health.HealthCheck.Result after = consumer.getHealthCheck().call();
        assertEquals(org.apache.camel.health.HealthCheck.State.UP, after.getState(), after.getMessage().orElse(""));
    }
}
