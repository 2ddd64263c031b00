package io.camelpgmq.client;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgmq's topics (reference section 14): bindings, routing, fan-out, return values and pgmq's exact error texts. Each
 * test drops its queues, and so their bindings, because a '#' binding would receive every other test's sends.
 */
class PgmqClientTopicTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private final PgmqClient client = new PgmqClient(DB.dataSource());
    private final List<String> queues = new ArrayList<>();

    private String newQueue(String prefix) {
        String q = PgmqTestDatabase.uniqueQueueName(prefix);
        client.createQueue(q);
        queues.add(q);
        return q;
    }

    @AfterEach
    void dropQueues() {
        queues.forEach(client::dropQueue);
    }

    /** Three queues bound with '#', 'orders.*' and '*.created'. */
    private List<String> observedBindings() {
        String all = newQueue("topic_all");
        String orders = newQueue("topic_orders");
        String created = newQueue("topic_created");
        client.bindTopic("#", all);
        client.bindTopic("orders.*", orders);
        client.bindTopic("*.created", created);
        return List.of(all, orders, created);
    }

    private Set<String> routedQueues(String key) {
        Set<String> result = new HashSet<>();
        client.testRouting(key).forEach(b -> result.add(b.queueName()));
        return result;
    }

    @Test
    void patternsMatchWordByWord() {
        List<String> q = observedBindings();
        assertEquals(Set.copyOf(q), routedQueues("orders.created"));
        assertEquals(Set.of(q.get(0), q.get(2)), routedQueues("users.created"));
        assertEquals(Set.of(q.get(0)), routedQueues("orders"), "'orders.*' needs exactly one more word");
        assertEquals(Set.of(q.get(0)), routedQueues("orders.eu.created"), "'*' is one word, '#' any");
        PgmqTopicBinding binding = client.testRouting("orders.created").stream()
                .filter(b -> b.queueName().equals(q.get(1))).findFirst().orElseThrow();
        assertEquals("orders.*", binding.pattern());
        assertNotNull(binding.compiledRegex());
    }

    @Test
    void sendTopicFansOutOneCopyPerQueueAndReturnsHowMany() {
        List<String> q = observedBindings();
        assertEquals(3, client.sendTopic("orders.created", "{\"order\":1}", "{\"k\":\"v\"}", 0, false));
        for (String queue : q) {
            List<PgmqMessage> got = client.read(queue, 30, 10);
            assertEquals(1, got.size(), queue);
            assertEquals("{\"order\": 1}", got.get(0).message());
            assertEquals("{\"k\": \"v\"}", got.get(0).headers(), "headers copied as given");
        }
        assertEquals(1, client.sendTopic("x", "{}"), "only '#' matches 'x'");
    }

    @Test
    void aKeyThatMatchesNothingReturnsZero() {
        String q = newQueue("topic_only");
        client.bindTopic("billing.*", q);
        assertEquals(0, client.sendTopic("orders.created", "{}"));
        assertEquals(0, client.sendTopic("orders.created", "{}", null, 0, true));
        assertEquals(List.of(), client.sendBatchTopic("orders.created", List.of("{}"), null, 0, true));
        assertEquals(0, client.metrics(q).queueLength());
    }

    @Test
    void sendBatchTopicReturnsOneRowPerQueueAndMessage() {
        List<String> q = observedBindings();
        List<PgmqRoutedMessage> rows = client.sendBatchTopic("orders.created", List.of("{\"n\":1}", "{\"n\":2}"),
                List.of("{\"x-pgmq-group\":\"a\"}", "{\"x-pgmq-group\":\"b\"}"), 0, false);
        assertEquals(6, rows.size());
        for (String queue : q) {
            List<Long> ids = rows.stream().filter(r -> r.queueName().equals(queue)).map(PgmqRoutedMessage::msgId)
                    .toList();
            assertEquals(ids, client.read(queue, 30, 10).stream().map(PgmqMessage::msgId).toList(), queue);
        }
    }

    @Test
    void bindIsIdempotentUnbindSaysWhetherItRemovedAndDropQueueRemovesBindings() {
        String q = newQueue("topic_bind");
        client.bindTopic("a.*", q);
        client.bindTopic("a.*", q);
        client.bindTopic("b.#", q);
        List<PgmqTopicBinding> bindings = client.listTopicBindings(q);
        assertEquals(Set.of("a.*", "b.#"), Set.copyOf(bindings.stream().map(PgmqTopicBinding::pattern).toList()));
        assertTrue(bindings.stream().allMatch(b -> b.boundAt() != null && b.compiledRegex() != null));
        assertTrue(client.listTopicBindings().stream().anyMatch(b -> b.queueName().equals(q)));
        assertTrue(client.unbindTopic("a.*", q));
        assertFalse(client.unbindTopic("a.*", q));
        assertTrue(client.dropQueue(q));
        assertEquals(List.of(), client.listTopicBindings(q));
        assertEquals(0, DB.queryLong("SELECT count(*) FROM pgmq.topic_bindings WHERE queue_name = '" + q + "'"));
    }

    @Test
    void badKeysPatternsAndQueuesGivePgmqsOwnMessages() {
        String q = newQueue("topic_errors");
        assertPgmqError("pattern cannot contain consecutive dots. Got: orders..x", () -> client.bindTopic("orders..x", q));
        assertPgmqError("pattern cannot contain consecutive stars (**). Use # for multi-segment matching. Got: orders.**",
                () -> client.bindTopic("orders.**", q));
        assertPgmqError("Queue \"nope_queue\" does not exist. Create the queue first using pgmq.create()",
                () -> client.bindTopic("orders.*", "nope_queue"));
        assertPgmqError("routing_key contains invalid characters. Only alphanumeric, dots, hyphens, and underscores are"
                        + " allowed. Got: bad key!", () -> client.sendTopic("bad key!", "{}"));
        assertPgmqError("routing_key cannot start with a dot. Got: .lead", () -> client.sendTopic(".lead", "{}"));
        assertPgmqError("routing_key cannot be NULL or empty", () -> client.sendTopic("", "{}"));
        assertPgmqError("routing_key cannot start with a dot. Got: .lead",
                () -> client.sendTopic(".lead", "{}", null, 0, true));
        assertPgmqError("routing_key cannot start with a dot. Got: .lead", () -> client.testRouting(".lead"));
        assertPgmqError("routing_key cannot start with a dot. Got: .lead", () -> client.validateRoutingKey(".lead"));
        assertPgmqError("pattern cannot contain consecutive dots. Got: a..b", () -> client.validateTopicPattern("a..b"));
        assertTrue(client.validateRoutingKey("orders.eu-west_1.created"));
        assertTrue(client.validateTopicPattern("orders.*.#"));
    }

    private static void assertPgmqError(String text, org.junit.jupiter.api.function.Executable call) {
        PgmqException e = assertThrows(PgmqException.class, call);
        assertTrue(e.getMessage().contains(text), () -> "expected pgmq's text <" + text + "> in: " + e.getMessage());
    }

    @Test
    void sendTopicWithNotifyWakesEveryDestinationAtCommitAndARollbackWakesNobody() throws Exception {
        List<String> q = observedBindings();
        try (Connection listener = DB.dataSource().getConnection(); Statement st = listener.createStatement()) {
            for (String queue : q) {
                st.execute(PgmqClient.listenSql(QueueNames.insertChannel(queue)));
            }
            client.sendTopic("orders.created", "{}", null, 0, false);
            assertEquals(Set.of(), notifications(listener, 300), "send_topic itself notifies nobody");

            try (Connection tx = DB.dataSource().getConnection()) {
                tx.setAutoCommit(false);
                assertEquals(3, PgmqClient.onConnection(tx).sendTopic("orders.created", "{}", null, 0, true));
                assertEquals(Set.of(), notifications(listener, 200), "nothing before commit");
                tx.rollback();
                assertEquals(Set.of(), notifications(listener, 300), "a rolled-back send wakes nobody");
                assertEquals(3, PgmqClient.onConnection(tx).sendTopic("orders.created", "{}", null, 0, true));
                tx.commit();
                tx.setAutoCommit(true);
            }
            Set<String> expected = new HashSet<>();
            q.forEach(queue -> expected.add(QueueNames.insertChannel(queue)));
            assertEquals(expected, notifications(listener, 2000));
            st.execute(PgmqClient.unlistenAllSql());
        }
        for (String queue : q) {
            assertEquals(2, client.metrics(queue).queueLength(), "the committed sends, not the rolled-back one");
        }
    }

    /** The channels notified on the listening connection within the wait. */
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
