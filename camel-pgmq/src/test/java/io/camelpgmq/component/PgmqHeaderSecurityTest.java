package io.camelpgmq.component;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.camelpgmq.client.PgmqMessage;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whoever can send to a queue must not steer the route that reads it: pgmq headers named like Camel's own headers,
 * in any letter case, never reach the exchange, and Camel's headers never reach pgmq's headers.
 */
class PgmqHeaderSecurityTest extends PgmqTestSupport {

    private final String in = newQueue("sec_in");
    private final String out = newQueue("sec_out");
    private final List<Map<String, Object>> seen = new CopyOnWriteArrayList<>();
    private final String kept = newQueue("sec_kept");
    private final String keptOut = newQueue("sec_kept_out");
    private final List<Map<String, Object>> seenKept = new CopyOnWriteArrayList<>();

    @Override
    protected RouteBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + in + "?pollInterval=500").routeId("relay")
                        .process(e -> seen.add(Map.copyOf(e.getMessage().getHeaders())))
                        .to("pgmq:" + out);
                // a relay that keeps only the pgmq headers it names
                from("pgmq:" + kept + "?pollInterval=500&includeHeaders=tenant, TRACE*").routeId("keeping-relay")
                        .process(e -> seenKept.add(Map.copyOf(e.getMessage().getHeaders())))
                        .to("pgmq:" + keptOut);
            }
        };
    }

    static Stream<Arguments> hostileHeaders() {
        return Stream.of(
                Arguments.of("upper purge", "{\"CAMELPGMQOPERATION\": \"purge\"}"),
                Arguments.of("lower purge", "{\"camelpgmqoperation\": \"purge\"}"),
                Arguments.of("mixed purge", "{\"cAmElPgMqOpErAtIoN\": \"purge\"}"),
                Arguments.of("upper dropQueue", "{\"CAMELPGMQOPERATION\": \"dropQueue\"}"),
                Arguments.of("mixed dropQueue", "{\"CamelPGMQOperation\": \"dropQueue\"}"),
                Arguments.of("upper delete with ids", "{\"CAMELPGMQOPERATION\": \"delete\", \"CAMELPGMQMSGIDS\": IDS}"),
                Arguments.of("lower delete with ids", "{\"camelpgmqoperation\": \"delete\", \"camelpgmqmsgids\": IDS}"),
                Arguments.of("package-style name", "{\"ORG.APACHE.CAMEL.PGMQ.OPERATION\": \"purge\","
                                                   + " \"org.apache.camel.x\": 1}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileHeaders")
    void hostilePgmqHeadersCannotTurnTheRelayedSendIntoAnotherOperation(String name, String headers) {
        long bystander = client.send(out, "{\"keep\": true}");
        String hostile = headers.replace("IDS", "[" + bystander + ", " + (bystander + 1) + "]");
        client.send(in, "{\"relayed\": true}", hostile, 0);

        await(java.time.Duration.ofSeconds(10), () -> client.metrics(in).queueLength() == 0,
                "the relay never completed the message on " + in);

        assertTrue(client.queueExists(out), "the relay dropped " + out);
        List<PgmqMessage> messages = client.read(out, 30, 10);
        assertEquals(2, messages.size(), "the bystander and the relayed message: " + messages);
        assertEquals(bystander, messages.get(0).msgId());
        assertTrue(messages.get(1).message().contains("relayed"), messages.toString());

        assertEquals(1, seen.size());
        Map<String, Object> exchangeHeaders = seen.get(0);
        for (String header : exchangeHeaders.keySet()) {
            // the consumer's own headers are set by the component; nothing else may look like Camel's
            assertTrue(!PgmqHeaderFilterStrategy.isCamelHeader(header) || header.startsWith("CamelPgmq")
                       && !header.equalsIgnoreCase(PgmqConstants.OPERATION)
                       && !header.equalsIgnoreCase(PgmqConstants.MSG_IDS),
                    "header " + header + " reached the exchange: " + exchangeHeaders);
        }
        assertFalse(messages.get(1).headers() != null && messages.get(1).headers().toLowerCase().contains("camel"),
                "Camel-like headers were relayed into pgmq: " + messages.get(1).headers());
    }

    @Test
    void anotherComponentsHeaderNeverReachesTheExchange() {
        client.send(in, "{\"relayed\": true}",
                "{\"CAMELSQLQUERY\": \"delete from t\", \"camelSqlQuery\": \"drop table t\","
                                               + " \"CamelHttpUri\": \"http://evil\", \"tenant\": \"acme\"}",
                0);
        await(java.time.Duration.ofSeconds(10), () -> !seen.isEmpty(), "the relay never ran");
        Map<String, Object> headers = seen.get(0);
        assertEquals("acme", headers.get("tenant"), "an ordinary header is delivered: " + headers);
        for (String header : headers.keySet()) {
            assertFalse(header.toLowerCase().startsWith("camelsql") || header.toLowerCase().startsWith("camelhttp"),
                    "header " + header + " reached the exchange: " + headers);
        }
        // Camel's case-insensitive lookup finds none of them either
        org.apache.camel.Message probe = new org.apache.camel.support.DefaultMessage(context);
        probe.setHeaders(new org.apache.camel.util.CaseInsensitiveMap(headers));
        assertNull(probe.getHeader("CamelSqlQuery"));
        assertNull(probe.getHeader("CamelHttpUri"));
    }

    static final String STEERING_HEADERS = "{\"to\": \"attacker@example.com\", \"kafka.OVERRIDE_TOPIC\": \"stolen\","
                                           + " \"Authorization\": \"Bearer forged\", \"x-pgmq-group\": \"g1\","
                                           + " \"Tenant\": \"acme\", \"traceId\": \"t-1\"}";

    @Test
    void byDefaultHeadersThatSteerOtherProducersReachTheExchange() {
        // what README's header-security bullet warns about: only Camel's own names are filtered by default
        client.send(in, "{\"relayed\": true}", STEERING_HEADERS, 0);
        await(java.time.Duration.ofSeconds(10), () -> !seen.isEmpty(), "the relay never ran");
        Map<String, Object> headers = seen.get(0);
        assertEquals("stolen", headers.get("kafka.OVERRIDE_TOPIC"), headers.toString());
        assertEquals("Bearer forged", headers.get("Authorization"), headers.toString());
        assertEquals("attacker@example.com", headers.get("to"), headers.toString());
    }

    @Test
    void includeHeadersKeepsOnlyTheNamedHeaders() {
        client.send(kept, "{\"relayed\": true}", STEERING_HEADERS, 0);
        await(java.time.Duration.ofSeconds(10), () -> client.metrics(keptOut).queueLength() == 1,
                "the keeping relay never sent to " + keptOut);
        Map<String, Object> headers = seenKept.get(0);
        org.apache.camel.Message probe = new org.apache.camel.support.DefaultMessage(context);
        probe.setHeaders(new org.apache.camel.util.CaseInsensitiveMap(headers));
        for (String steering : List.of("to", "kafka.OVERRIDE_TOPIC", "Authorization", "x-pgmq-group")) {
            assertNull(probe.getHeader(steering), steering + " reached the exchange: " + headers);
        }
        assertEquals("acme", probe.getHeader("tenant"), "named, in another letter case: " + headers);
        assertEquals("t-1", probe.getHeader("traceId"), "matched by the prefix TRACE*: " + headers);
        assertEquals("g1", headers.get(PgmqConstants.GROUP_ID), "pgmq's group still maps: " + headers);
        assertTrue(headers.containsKey(PgmqConstants.MSG_ID), headers.toString());

        String relayed = client.read(keptOut, 30, 1).get(0).headers();
        assertTrue(relayed.contains("\"x-pgmq-group\": \"g1\"") && relayed.contains("acme"), relayed);
        assertFalse(relayed.contains("forged") || relayed.contains("stolen") || relayed.contains("attacker"), relayed);
    }

    @Test
    void camelHeadersInAnyCaseAreNotWrittenToPgmqHeaders() throws Exception {
        String plain = newQueue("sec_plain");
        Map<String, Object> headers = new java.util.LinkedHashMap<>();
        headers.put("tenant", "acme");
        headers.put("CAMELFOO", "x");
        headers.put("camelBar", "y");
        headers.put("Org.Apache.Camel.Baz", "z");
        template.sendBodyAndHeaders("pgmq:" + plain, "{}", headers);
        String stored = client.read(plain, 30, 1).get(0).headers();
        assertTrue(stored.contains("tenant"), stored);
        assertFalse(stored.toLowerCase().contains("camel"), stored);
    }
}
