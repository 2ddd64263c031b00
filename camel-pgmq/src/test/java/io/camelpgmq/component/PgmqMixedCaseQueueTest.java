package io.camelpgmq.component;

import java.util.Locale;

import io.camelpgmq.client.QueueNames;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Queues another client made under a mixed-case name ({@code pgmq.create('MixedCase')}: pgmq.meta keeps
 * 'MixedCase', the tables are q_mixedcase / a_mixedcase). They are used under that name; the lower-case spelling,
 * with or without autoCreateQueue, is refused rather than registered as a second name of the same tables.
 */
class PgmqMixedCaseQueueTest extends PgmqTestSupport {

    private final String mixed = "MixedCase_" + PgmqTestDatabase.uniqueQueueName("q");
    private final String lower = mixed.toLowerCase(Locale.ROOT);

    private static long namesOf(String lowerName) {
        return queryLong("SELECT count(*) FROM pgmq.meta WHERE lower(queue_name) = '" + lowerName + "'");
    }

    private static CamelContext contextWith(RouteBuilder routes) throws Exception {
        CamelContext other = new DefaultCamelContext();
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(DB.dataSource());
        other.addComponent("pgmq", component);
        other.addRoutes(routes);
        return other;
    }

    @Test
    void theLowerCaseSpellingOfAMixedCaseQueueIsRefusedAndNeverRegisteredASecondTime() throws Exception {
        execute("SELECT pgmq.create('" + mixed + "')");
        execute("SELECT pgmq.send('" + mixed + "', '{\"kept\":true}')");
        for (String uri : new String[] { "pgmq:" + lower + "?autoCreateQueue=true", "pgmq:" + lower }) {
            CamelContext consumer = contextWith(new RouteBuilder() {
                @Override
                public void configure() {
                    from(uri).to("log:never");
                }
            });
            Exception e = assertThrows(Exception.class, () -> {
                try {
                    consumer.start();
                } finally {
                    consumer.stop();
                }
            }, uri);
            String message = PgmqOptionsTest.rootMessage(e);
            assertTrue(message.contains("is another spelling of the existing queue '" + mixed + "'"), message);
            assertTrue(message.contains("Use the queue name '" + mixed + "'"), message);
        }
        CamelContext producer = contextWith(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:in").to("pgmq:" + lower + "?autoCreateQueue=true");
            }
        });
        Exception e = assertThrows(Exception.class, () -> {
            try {
                producer.start();
            } finally {
                producer.stop();
            }
        });
        assertTrue(PgmqOptionsTest.rootMessage(e).contains("Use the queue name '" + mixed + "'"),
                PgmqOptionsTest.rootMessage(e));
        assertEquals(1, namesOf(lower), "no second pgmq.meta row over the same tables");
        assertEquals(1, client.metrics(mixed).queueLength(), "the message is still there");
    }

    @Test
    void aQueueMadeUnderAMixedCaseNameIsConsumedAndProducedToUnderThatName() throws Exception {
        execute("SELECT pgmq.create('" + mixed + "')");
        execute("SELECT pgmq.send('" + mixed + "', '{\"n\":1}')");
        // the poll is a minute away: the message sent through the route is woken by the producer's own NOTIFY
        CamelContext other = contextWith(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + mixed + "?pollInterval=60000&autoCreateQueue=true").routeId("consumer").to("mock:got");
                from("direct:in").to("pgmq:" + mixed);
            }
        });
        try {
            // expected before the start: the message already there is read at once
            MockEndpoint got = other.getEndpoint("mock:got", MockEndpoint.class);
            got.expectedBodiesReceivedInAnyOrder("{\"n\": 1}", "{\"n\": 2}"); // as jsonb prints them
            other.start();
            PgmqComponent component = other.getComponent("pgmq", PgmqComponent.class);
            await(java.time.Duration.ofSeconds(10),
                    () -> component.getListener().isListening(QueueNames.insertChannel(mixed)), "the listener LISTENs");
            ProducerTemplate template = other.createProducerTemplate();
            template.sendBody("direct:in", "{\"n\":2}");
            got.assertIsSatisfied(5_000);
            await(java.time.Duration.ofSeconds(5), () -> client.metrics(mixed).queueLength() == 0, "both completed");
        } finally {
            other.stop();
        }
        assertEquals(2, queryLong("SELECT count(*) FROM pgmq.a_" + lower));
        assertEquals(1, namesOf(lower), "still one name");
        assertEquals(mixed, queryString("SELECT queue_name FROM pgmq.meta WHERE lower(queue_name) = '" + lower + "'"));
    }

    private static String queryString(String sql) {
        try (var c = DB.dataSource().getConnection(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
