package io.camelpgmq.component;

import java.util.List;
import java.util.Map;

import io.camelpgmq.client.PgmqMessage;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The producer writes a message's FIFO group to pgmq's x-pgmq-group header, and grouped reads honour it. */
class PgmqGroupProducerTest extends PgmqTestSupport {

    private final String queue = newQueue("groups");

    @Override
    protected RouteBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:plain").to("pgmq:" + queue);
                from("direct:byOrder").to("pgmq:" + queue + "?messageGroupId=customer-${header.customer}");
                from("direct:constant").to("pgmq:" + queue + "?messageGroupId=fixed");
                from("direct:batch").to("pgmq:" + queue + "?operation=sendBatch");
            }
        };
    }

    private String groupOf(PgmqMessage m) {
        Object group = PgmqJson.headersFromJson(m.headers()).get(PgmqConstants.PGMQ_GROUP);
        return group == null ? null : group.toString();
    }

    private List<String> groups() {
        return client.read(queue, 30, 100).stream().map(this::groupOf).toList();
    }

    @Test
    void headerExpressionOrConstantGivesTheGroupAndTheHeaderOverrides() {
        template.sendBody("direct:plain", "{}");
        template.sendBodyAndHeader("direct:plain", "{}", PgmqConstants.GROUP_ID, "from-header");
        template.sendBodyAndHeader("direct:byOrder", "{}", "customer", 42);
        template.sendBodyAndHeaders("direct:byOrder", "{}",
                Map.of("customer", 42, PgmqConstants.GROUP_ID, "override"));
        template.sendBody("direct:constant", "{}");
        assertEquals(java.util.Arrays.asList(null, "from-header", "customer-42", "override", "fixed"), groups());
    }

    @Test
    void theGroupJoinsTheOtherPgmqHeaders() {
        template.sendBodyAndHeaders("direct:plain", "{}",
                Map.of(PgmqConstants.GROUP_ID, "g", PgmqConstants.PGMQ_HEADERS, Map.of("tenant", "acme")));
        PgmqMessage m = client.read(queue, 30, 1).get(0);
        assertEquals(Map.of("tenant", "acme", "x-pgmq-group", "g"), PgmqJson.headersFromJson(m.headers()));
    }

    @Test
    void sendBatchTakesOneGroupPerElementOrOneForAll() {
        template.sendBodyAndHeader("direct:batch", List.of("{}", "{}", "{}"), PgmqConstants.GROUP_ID,
                List.of("a", "b", "a"));
        template.sendBodyAndHeader("direct:batch", List.of("{}", "{}"), PgmqConstants.GROUP_ID, "c");
        template.sendBody("direct:batch", List.of("{}"));
        assertEquals(java.util.Arrays.asList("a", "b", "a", "c", "c", null), groups());
    }

    @Test
    void aListOfTheWrongSizeOrForASingleSendIsRefusedClearly() {
        CamelExecutionException e = assertThrows(CamelExecutionException.class,
                () -> template.sendBodyAndHeader("direct:batch", List.of("{}", "{}"), PgmqConstants.GROUP_ID,
                        List.of("a")));
        assertTrue(e.getCause().getMessage().contains("1 groups for a batch of 2"), e.getCause().getMessage());
        e = assertThrows(CamelExecutionException.class,
                () -> template.sendBodyAndHeader("direct:plain", "{}", PgmqConstants.GROUP_ID, List.of("a")));
        assertTrue(e.getCause().getMessage().contains("only sendBatch and sendBatchTopic"), e.getCause().getMessage());
        assertEquals(0, client.metrics(queue).queueLength());
    }

    @Test
    void groupedReadsHonourTheProducersGroups() {
        for (String customer : List.of("1", "1", "2")) {
            template.sendBodyAndHeader("direct:byOrder", "{\"c\":" + customer + "}", "customer", customer);
        }
        List<PgmqMessage> heads = client.readGroupedHead(queue, 30, 10);
        assertEquals(List.of("customer-1", "customer-2"), heads.stream().map(this::groupOf).toList());
        assertEquals(List.of(), client.readGrouped(queue, 30, 10), "both groups' heads are in flight");
        assertNull(client.readGrouped(queue, 30, 10).stream().findFirst().orElse(null));
    }
}
