package io.camelpgmq.component;

import java.util.List;
import java.util.Map;

import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.client.PgmqMetrics;
import io.camelpgmq.client.PgmqQueue;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every producer operation through the public URI. */
class PgmqProducerTest extends PgmqTestSupport {

    private final String queue = newQueue("producer");

    @Override
    protected RouteBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:op").toD("pgmq:" + queue + "?operation=${header.op}");
            }
        };
    }

    private Object op(String op, Object body, Map<String, Object> headers) {
        Map<String, Object> all = new java.util.HashMap<>(headers);
        all.put("op", op);
        return template.requestBodyAndHeaders("direct:op", body, all);
    }

    private org.apache.camel.Message opMessage(String op, Object body) {
        return template.request("direct:op", e -> {
            e.getMessage().setBody(body);
            e.getMessage().setHeader("op", op);
        }).getMessage();
    }

    public record Order(int id, String item) {
    }

    @Test
    void sendSerializesTextMapsAndPojosAndReturnsTheId() {
        Long a = opMessage("send", "{\"text\":1}").getHeader(PgmqConstants.MSG_ID, Long.class);
        Long b = opMessage("send", Map.of("map", 2)).getHeader(PgmqConstants.MSG_ID, Long.class);
        Long c = opMessage("send", new Order(3, "book")).getHeader(PgmqConstants.MSG_ID, Long.class);
        List<PgmqMessage> read = client.read(queue, 30, 10);
        assertEquals(List.of(a, b, c), read.stream().map(PgmqMessage::msgId).toList());
        assertEquals("{\"id\": 3, \"item\": \"book\"}", read.get(2).message());
        assertEquals("{\"op\": \"send\"}", read.get(0).headers(), "user headers go along, Camel's own do not");
    }

    @Test
    void sendBatchSendsEveryElementAndReturnsTheIds() {
        List<?> ids = opMessage("sendBatch", List.of(Map.of("n", 1), "{\"n\":2}", List.of(3)))
                .getHeader(PgmqConstants.MSG_IDS, List.class);
        assertEquals(3, ids.size());
        assertEquals(3, client.metrics(queue).queueLength());
    }

    @Test
    void delayHeaderHidesTheMessage() {
        op("send", "{}", Map.of(PgmqConstants.DELAY, 60));
        assertEquals(1, client.metrics(queue).queueLength());
        assertEquals(0, client.metrics(queue).queueVisibleLength());
    }

    @Test
    void readPopArchiveDeleteSetVt() {
        long a = client.send(queue, "{\"a\":1}");
        long b = client.send(queue, "{\"b\":1}");
        long c = client.send(queue, "{\"c\":1}");
        @SuppressWarnings("unchecked")
        List<PgmqMessage> read = (List<PgmqMessage>) op("read", null,
                Map.of(PgmqConstants.QUANTITY, 2, PgmqConstants.VISIBILITY_TIMEOUT, 60));
        assertEquals(List.of(a, b), read.stream().map(PgmqMessage::msgId).toList());
        PgmqMessage moved = (PgmqMessage) op("setVt", null, Map.of(PgmqConstants.MSG_ID, a,
                PgmqConstants.VISIBILITY_TIMEOUT, 0));
        assertEquals(a, moved.msgId());
        assertEquals(Boolean.TRUE, op("archive", null, Map.of(PgmqConstants.MSG_ID, a)));
        assertEquals(Boolean.TRUE, op("delete", null, Map.of(PgmqConstants.MSG_ID, b)));
        assertEquals(Boolean.FALSE, op("delete", null, Map.of(PgmqConstants.MSG_ID, b)));
        @SuppressWarnings("unchecked")
        List<PgmqMessage> popped = (List<PgmqMessage>) op("pop", null, Map.of());
        assertEquals(List.of(c), popped.stream().map(PgmqMessage::msgId).toList());
        long d = client.send(queue, "{}");
        long e = client.send(queue, "{}");
        assertEquals(List.of(d, e), op("archive", null, Map.of(PgmqConstants.MSG_IDS, List.of(d, e))));
        assertEquals(0, client.metrics(queue).queueLength());
    }

    @Test
    void purgeMetricsCreateListDrop() {
        client.send(queue, "{}");
        client.send(queue, "{}");
        assertEquals(2L, op("purge", null, Map.of()));
        PgmqMetrics metrics = (PgmqMetrics) op("metrics", null, Map.of());
        assertEquals(0, metrics.queueLength());
        assertEquals(2, metrics.totalMessages());
        String other = io.camelpgmq.test.PgmqTestDatabase.uniqueQueueName("created");
        template.sendBody("pgmq:" + other + "?operation=createQueue", null);
        assertTrue(client.queueExists(other));
        @SuppressWarnings("unchecked")
        List<PgmqQueue> queues = template.requestBody("pgmq:" + other + "?operation=listQueues", null, List.class);
        assertTrue(queues.stream().anyMatch(q -> q.queueName().equals(other)));
        assertEquals(Boolean.TRUE, template.requestBody("pgmq:" + other + "?operation=dropQueue", (Object) null));
        assertFalse(client.queueExists(other));
    }

    @Test
    void autoCreateQueueCreatesOnStart() throws Exception {
        String fresh = io.camelpgmq.test.PgmqTestDatabase.uniqueQueueName("auto");
        template.sendBody("pgmq:" + fresh + "?autoCreateQueue=true", "{\"auto\":1}");
        assertNotNull(client.read(fresh, 30, 1).get(0));
    }
}
