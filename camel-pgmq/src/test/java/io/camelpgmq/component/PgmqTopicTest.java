package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqException;
import io.camelpgmq.client.PgmqRoutedMessage;
import io.camelpgmq.client.PgmqTopicBinding;
import io.camelpgmq.client.QueueNames;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Topics through the producer: three consumers whose queues are bound at start to '#', 'orders.*' and '*.created',
 * with the poll a minute away, so only the topic send's NOTIFY can wake them quickly.
 */
class PgmqTopicTest extends PgmqTestSupport {

    private static final List<String> PATTERNS = List.of("#", "orders.*", "*.created");
    private final List<String> queues = List.of(PgmqTestDatabase.uniqueQueueName("topic_all"),
            PgmqTestDatabase.uniqueQueueName("topic_orders"), PgmqTestDatabase.uniqueQueueName("topic_created"));

    @Override
    protected RouteBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                for (int i = 0; i < queues.size(); i++) {
                    fromF("pgmq:%s?autoCreateQueue=true&bindings=%s&pollInterval=60000", queues.get(i),
                            PATTERNS.get(i)).to("mock:q" + i);
                }
                from("direct:topic").to("pgmq:topic?operation=sendTopic&routingKey=orders.created");
                from("direct:op").toD("pgmq:" + queues.get(1) + "?operation=${header.op}");
            }
        };
    }

    /** The '#' binding would receive every later test's topic sends: leave no binding behind. */
    @AfterEach
    void unbind() {
        for (int i = 0; i < queues.size(); i++) {
            client.unbindTopic(PATTERNS.get(i), queues.get(i));
        }
    }

    private void awaitConsumersListening() {
        queues.forEach(q -> awaitListening(QueueNames.insertChannel(q)));
    }

    @Test
    void bindingsDeclaredAtStart() {
        for (int i = 0; i < queues.size(); i++) {
            assertEquals(List.of(PATTERNS.get(i)),
                    client.listTopicBindings(queues.get(i)).stream().map(PgmqTopicBinding::pattern).toList());
        }
    }

    @Test
    void patternsThatStartWithHashOrHoldSeveralAreBoundAsWritten() throws Exception {
        String q = newQueue("topic_hash");
        try {
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?bindings=#.audit, orders.#&pollInterval=60000").routeId("hash").to("mock:hash");
                }
            });
            assertEquals(Set.of("#.audit", "orders.#"),
                    new HashSet<>(client.listTopicBindings(q).stream().map(PgmqTopicBinding::pattern).toList()));
        } finally {
            context.getRouteController().stopRoute("hash");
            client.dropQueue(q);
        }
    }

    @Test
    void oneSendReachesAllThreeQueuesAndEachConsumerIsWokenByItsNotification() throws Exception {
        awaitConsumersListening();
        for (int i = 0; i < queues.size(); i++) {
            getMockEndpoint("mock:q" + i).expectedBodiesReceived("{\"order\": 7}");
        }
        Message out = template.request("direct:topic", e -> e.getMessage().setBody("{\"order\":7}")).getMessage();
        assertEquals(3, out.getHeader(PgmqConstants.ROUTED_QUEUES));
        // the poll is 60 s away and each consumer read its empty queue at start: only the NOTIFY can deliver in 10 s
        MockEndpoint.assertIsSatisfied(context, 10, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void aKeyThatMatchesNothingReturnsZero() {
        Message out = template.request("direct:op", e -> {
            e.getMessage().setHeader("op", "sendTopic");
            e.getMessage().setHeader(PgmqConstants.ROUTING_KEY, "users");
            e.getMessage().setBody("{}");
        }).getMessage();
        assertEquals(1, out.getHeader(PgmqConstants.ROUTED_QUEUES), "only '#' matches 'users'");
        // without the '#' binding nothing matches
        client.unbindTopic("#", queues.get(0));
        out = template.request("direct:op", e -> {
            e.getMessage().setHeader("op", "sendTopic");
            e.getMessage().setHeader(PgmqConstants.ROUTING_KEY, "users");
            e.getMessage().setBody("{}");
        }).getMessage();
        assertEquals(0, out.getHeader(PgmqConstants.ROUTED_QUEUES));
    }

    @Test
    void aRolledBackTopicSendDeliversAndNotifiesNothing() throws Exception {
        awaitConsumersListening();
        MockEndpoint[] mocks = new MockEndpoint[queues.size()];
        for (int i = 0; i < queues.size(); i++) {
            mocks[i] = getMockEndpoint("mock:q" + i);
            mocks[i].expectedBodiesReceived("{\"kept\": true}");
        }
        try (Connection listener = DB.dataSource().getConnection(); Statement st = listener.createStatement()) {
            for (String q : queues) {
                st.execute(PgmqClient.listenSql(QueueNames.insertChannel(q)));
            }
            try (Connection tx = DB.dataSource().getConnection()) {
                tx.setAutoCommit(false);
                Message out = template.request("direct:topic", e -> {
                    e.getMessage().setHeader(PgmqConstants.CONNECTION, tx);
                    e.getMessage().setBody("{\"rolled\":\"back\"}");
                }).getMessage();
                assertEquals(3, out.getHeader(PgmqConstants.ROUTED_QUEUES));
                tx.rollback();
                tx.setAutoCommit(true);
            }
            assertEquals(Set.of(), notifications(listener, 500), "a rolled-back topic send notifies nobody");
            st.execute(PgmqClient.unlistenAllSql());
        }
        for (String q : queues) {
            assertEquals(0, client.metrics(q).queueLength(), q);
        }
        // the next, committed send is the only one delivered
        template.sendBody("direct:topic", "{\"kept\":true}");
        MockEndpoint.assertIsSatisfied(context, 10, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void sendBatchTopicBindUnbindListAndTestRouting() {
        Message out = template.request("direct:op", e -> {
            e.getMessage().setHeader("op", "sendBatchTopic");
            e.getMessage().setHeader(PgmqConstants.ROUTING_KEY, "users.created");
            e.getMessage().setBody(List.of(Map.of("n", 1), Map.of("n", 2)));
        }).getMessage();
        assertEquals(2, out.getHeader(PgmqConstants.ROUTED_QUEUES), "'#' and '*.created'");
        @SuppressWarnings("unchecked")
        List<PgmqRoutedMessage> copies = out.getHeader(PgmqConstants.ROUTED_MESSAGES, List.class);
        assertEquals(4, copies.size());
        assertEquals(Set.of(queues.get(0), queues.get(2)),
                new HashSet<>(copies.stream().map(PgmqRoutedMessage::queueName).toList()));

        Map<String, Object> bind = Map.of("op", "bindTopic", PgmqConstants.TOPIC_PATTERN, "billing.#");
        template.requestBodyAndHeaders("direct:op", null, bind);
        @SuppressWarnings("unchecked")
        List<PgmqTopicBinding> listed = template.requestBodyAndHeaders("direct:op", null,
                Map.of("op", "listTopicBindings"), List.class);
        assertEquals(Set.of("orders.*", "billing.#"),
                new HashSet<>(listed.stream().map(PgmqTopicBinding::pattern).toList()));
        @SuppressWarnings("unchecked")
        List<PgmqTopicBinding> routed = template.requestBodyAndHeaders("direct:op", null,
                Map.of("op", "testRouting", PgmqConstants.ROUTING_KEY, "billing.eu.paid"), List.class);
        assertTrue(routed.stream().anyMatch(b -> b.pattern().equals("billing.#") && b.queueName().equals(queues.get(1))));
        Map<String, Object> unbind = Map.of("op", "unbindTopic", PgmqConstants.TOPIC_PATTERN, "billing.#");
        assertEquals(Boolean.TRUE, template.requestBodyAndHeaders("direct:op", null, unbind));
        assertEquals(Boolean.FALSE, template.requestBodyAndHeaders("direct:op", null, unbind));
    }

    @Test
    void badKeysAndPatternsGivePgmqsMessages() {
        assertPgmqError("routing_key contains invalid characters. Only alphanumeric, dots, hyphens, and underscores are"
                        + " allowed. Got: bad key!",
                Map.of("op", "sendTopic", PgmqConstants.ROUTING_KEY, "bad key!"));
        assertPgmqError("routing_key cannot start with a dot. Got: .lead",
                Map.of("op", "testRouting", PgmqConstants.ROUTING_KEY, ".lead"));
        assertPgmqError("pattern cannot contain consecutive dots. Got: orders..x",
                Map.of("op", "bindTopic", PgmqConstants.TOPIC_PATTERN, "orders..x"));
        assertPgmqError("pattern cannot contain consecutive stars (**). Use # for multi-segment matching. Got: orders.**",
                Map.of("op", "bindTopic", PgmqConstants.TOPIC_PATTERN, "orders.**"));
        CamelExecutionException missing = assertThrows(CamelExecutionException.class,
                () -> template.requestBodyAndHeaders("pgmq:topic?operation=sendTopic", "{}", Map.of()));
        assertTrue(missing.getCause().getMessage().contains(PgmqConstants.ROUTING_KEY));
    }

    private void assertPgmqError(String text, Map<String, Object> headers) {
        CamelExecutionException e = assertThrows(CamelExecutionException.class,
                () -> template.requestBodyAndHeaders("direct:op", "{}", headers));
        PgmqException cause = assertInstanceOf(PgmqException.class, e.getCause());
        assertTrue(cause.getMessage().contains(text), () -> "expected <" + text + "> in: " + cause.getMessage());
        assertFalse(cause.getMessage().contains("\n"), "one clear line");
    }

    private static Set<String> notifications(Connection listener, int waitMs) throws Exception {
        Set<String> channels = new HashSet<>();
        long end = System.currentTimeMillis() + waitMs;
        while (System.currentTimeMillis() < end) {
            PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(50);
            if (got != null) {
                for (PGNotification n : got) {
                    channels.add(n.getName());
                }
            }
        }
        return channels;
    }
}
