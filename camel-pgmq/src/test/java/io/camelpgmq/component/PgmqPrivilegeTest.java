package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;

import io.camelpgmq.client.PgmqSchema;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A role that cannot use the queue fails at start, with the privilege it lacks and the GRANT to run; a pgmq without a
 * function the endpoint calls fails at start naming the function. Real roles on the real test database.
 */
class PgmqPrivilegeTest extends PgmqTestSupport {

    private final String queue = newQueue("priv");
    private final String role = "pgmq_r_" + Long.toString(System.nanoTime(), 36);
    private final List<String> databases = new ArrayList<>();

    @AfterEach
    void dropRoleAndDatabases() {
        for (String db : databases) {
            execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
        }
        if (queryLong("SELECT count(*) FROM pg_roles WHERE rolname = '" + role + "'") > 0) {
            execute("DROP OWNED BY " + role);
            execute("DROP ROLE " + role);
        }
    }

    private void createRole(String... grants) {
        execute("CREATE ROLE " + role + " LOGIN PASSWORD 'pw'");
        for (String grant : grants) {
            execute(grant.replace("ROLE", role));
        }
    }

    private PgmqComponent componentAs(String url) {
        PgmqComponent component = new PgmqComponent();
        component.setUrl(url);
        component.setUsername(role);
        component.setPassword("pw");
        return component;
    }

    /** The test database's URL for another role: without the user and password of its query string. */
    private static String testDbUrl() {
        return DB.jdbcUrlWithoutCredentials();
    }

    private static String startFails(PgmqComponent component, RouteBuilder routes) {
        CamelContext other = new DefaultCamelContext();
        other.addComponent("pgmq", component);
        return PgmqOptionsTest.rootMessage(assertThrows(Exception.class, () -> {
            try {
                other.addRoutes(routes);
                other.start();
            } finally {
                other.stop();
            }
        }));
    }

    private static RouteBuilder consumerOf(String uri) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from(uri).to("log:never");
            }
        };
    }

    @Test
    void aConsumerWhoseRoleCannotUpdateTheQueueFailsAtStartNamingThePrivilege() {
        createRole("GRANT USAGE ON SCHEMA pgmq TO ROLE", "GRANT SELECT ON pgmq.meta TO ROLE",
                "GRANT SELECT ON pgmq.q_" + queue + " TO ROLE");
        String message = startFails(componentAs(testDbUrl()), consumerOf("pgmq:" + queue));
        assertTrue(message.contains("role " + role + " lacks UPDATE on pgmq.q_" + queue + ", DELETE on pgmq.q_" + queue
                                    + ", SELECT on pgmq.a_" + queue + ", INSERT on pgmq.a_" + queue),
                message);
        assertTrue(message.contains("GRANT UPDATE, DELETE ON pgmq.q_" + queue + " TO " + role), message);
        assertTrue(message.contains("GRANT SELECT, INSERT ON pgmq.a_" + queue + " TO " + role), message);
    }

    @Test
    void aRoleWithoutUsageOnSchemaPgmqIsToldSo() {
        createRole();
        String message = startFails(componentAs(testDbUrl()), consumerOf("pgmq:" + queue));
        assertTrue(message.contains("role " + role + " lacks USAGE on schema pgmq"), message);
        assertTrue(message.contains("GRANT USAGE ON SCHEMA pgmq TO " + role), message);
    }

    @Test
    void aProducerWhoseRoleCannotInsertFailsAtStart() {
        createRole("GRANT USAGE ON SCHEMA pgmq TO ROLE", "GRANT SELECT ON pgmq.meta TO ROLE");
        String message = startFails(componentAs(testDbUrl()), new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:in").to("pgmq:" + queue);
            }
        });
        assertTrue(message.contains("role " + role + " lacks SELECT on pgmq.q_" + queue + ", INSERT on pgmq.q_" + queue),
                message);
        assertTrue(message.contains("the producer of pgmq://" + queue) || message.contains("the producer of pgmq:"),
                message);
    }

    @Test
    void aRoleWithTheGrantsStartsAndConsumes() throws Exception {
        createRole("GRANT USAGE ON SCHEMA pgmq TO ROLE", "GRANT SELECT ON pgmq.meta TO ROLE",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON pgmq.q_" + queue + " TO ROLE",
                "GRANT SELECT, INSERT ON pgmq.a_" + queue + " TO ROLE");
        CamelContext other = new DefaultCamelContext();
        other.addComponent("pgmq", componentAs(testDbUrl()));
        other.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?pollInterval=200").to("log:consumed?level=DEBUG");
                from("direct:in").to("pgmq:" + queue);
            }
        });
        try {
            other.start();
            other.createProducerTemplate().sendBody("direct:in", "{\"ok\": true}");
            await(java.time.Duration.ofSeconds(10), () -> client.metrics(queue).queueLength() == 0,
                    "the restricted role's consumer archives the message");
        } finally {
            other.stop();
        }
    }

    @Test
    void createQueueWithoutTheRightNamesThePrivilege() throws Exception {
        createRole("GRANT USAGE ON SCHEMA pgmq TO ROLE", "GRANT SELECT ON pgmq.meta TO ROLE");
        CamelContext other = new DefaultCamelContext();
        other.addComponent("pgmq", componentAs(testDbUrl()));
        try {
            other.start();
            String newQueue = queue + "_new";
            String message = PgmqOptionsTest.rootMessage(assertThrows(Exception.class,
                    () -> other.createProducerTemplate().sendBody("pgmq:" + newQueue + "?operation=createQueue", "")));
            assertTrue(message.contains("pgmq.create on queue '" + newQueue + "' was refused: role " + role
                                        + " lacks a privilege (ERROR: permission denied for"),
                    message);
            assertTrue(message.contains("CREATE ON SCHEMA pgmq"), message);
        } finally {
            other.stop();
        }
    }

    @Test
    void aPgmqWithoutAFunctionTheConsumerCallsIsRefusedAtStart() throws Exception {
        // a throw-away database with camel-pgmq's compatible SQL, minus one function the consumer calls
        String db = "pgmq_old_" + Long.toString(System.nanoTime(), 36);
        execute("CREATE DATABASE " + db);
        databases.add(db);
        String url = DB.jdbcUrl(db);
        try (Connection c = DriverManager.getConnection(url, DB.credentials())) {
            PgmqSchema.install(c);
            c.createStatement().execute("DROP FUNCTION pgmq.read(text, integer, integer, jsonb)");
            c.createStatement().execute("SELECT pgmq.create('" + queue + "')");
        }
        PgmqComponent component = new PgmqComponent();
        component.setUrl(url);
        component.setUsername(DB.username());
        component.setPassword(DB.password());
        String message = startFails(component, consumerOf("pgmq:" + queue));
        assertTrue(message.contains("The pgmq in this database has no function"
                                    + " pgmq.read(text,integer,integer,jsonb)"),
                message);
        assertTrue(message.contains("camel-pgmq needs pgmq 1.13 or camel-pgmq's compatible SQL"), message);
    }
}
