package io.camelpgmq.component;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.camelpgmq.client.QueueNames;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.console.DevConsole;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Camel's dev console finds the pgmq console through its generated service file and shows the queue figures. */
class PgmqDevConsoleTest extends PgmqTestSupport {

    private final String queue = newQueue("console");

    @Override
    protected RouteBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?onSuccess=none&visibilityTimeout=60").routeId("watched").to("mock:seen");
            }
        };
    }

    @Test
    void showsQueueFiguresAndConsumerCounters() throws Exception {
        awaitListening(QueueNames.insertChannel(queue));
        template.sendBody("pgmq:" + queue, "{}");
        template.sendBody("pgmq:" + queue, "{}");
        await(Duration.ofSeconds(5), () -> getMockEndpoint("mock:seen").getReceivedCounter() == 2, "processed");
        DevConsole console = PluginHelper.getDevConsoleResolver(context).resolveDevConsole("pgmq");
        assertNotNull(console, "resolved from META-INF/services/org/apache/camel/dev-console/pgmq");
        String text = (String) console.call(DevConsole.MediaType.TEXT, Map.of());
        assertTrue(text.contains("Queue: " + queue + " (route watched)"), text);
        @SuppressWarnings("unchecked")
        Map<String, Object> row = ((List<Map<String, Object>>) ((Map<String, Object>) console
                .call(DevConsole.MediaType.JSON, Map.of())).get("consumers")).get(0);
        assertEquals(2L, row.get("queueLength"), "onSuccess=none leaves both in the queue");
        assertEquals(0L, row.get("visibleLength"));
        assertEquals(2L, row.get("processed"));
        assertEquals(true, row.get("listenerConnected"));
        assertEquals(-1, row.get("insertTriggerThrottleMs"), "pgmq's insert trigger is not enabled on this queue");
    }
}
