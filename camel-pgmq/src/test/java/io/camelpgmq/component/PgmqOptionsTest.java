package io.camelpgmq.component;

import java.nio.charset.StandardCharsets;

import io.camelpgmq.client.Secrets;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options mean what they say: durations for seconds, enum values listed, a dead-letter queue that is used. */
class PgmqOptionsTest extends PgmqTestSupport {

    private final String queue = newQueue("options");

    static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }

    private PgmqConfiguration configOf(String uri) {
        return context.getEndpoint(uri, PgmqEndpoint.class).getConfiguration();
    }

    private String refused(String uri) {
        return rootMessage(assertThrows(Exception.class, () -> context.getEndpoint(uri)));
    }

    @Test
    void secondsOptionsTakeDurations() {
        assertEquals(30, configOf("pgmq:" + queue + "?visibilityTimeout=30s").getVisibilityTimeout());
        assertEquals(120, configOf("pgmq:" + queue + "?visibilityTimeout=2m").getVisibilityTimeout());
        assertEquals(30, configOf("pgmq:" + queue + "?visibilityTimeout=PT30S").getVisibilityTimeout());
        assertEquals(5400, configOf("pgmq:" + queue + "?visibilityTimeout=1h30m").getVisibilityTimeout());
        assertEquals(45, configOf("pgmq:" + queue + "?visibilityTimeout=45").getVisibilityTimeout());
        assertEquals(120, configOf("pgmq:" + queue + "?delay=2m").getDelay());
        assertEquals(7, configOf("pgmq:" + queue + "?delay=7").getDelay());
        assertEquals(0, configOf("pgmq:" + queue + "?delay=0s").getDelay());
    }

    @Test
    void aDurationThatIsNotWholeSecondsIsRefusedNamingTheOption() {
        String vt = refused("pgmq:" + queue + "?visibilityTimeout=1500ms");
        assertTrue(vt.contains("visibilityTimeout=1500ms is not a whole number of seconds"), vt);
        assertTrue(vt.contains("visibilityTimeout=2s"), vt);
        String delay = refused("pgmq:" + queue + "?delay=250ms");
        assertTrue(delay.contains("delay=250ms is not a whole number of seconds"), delay);
        String garbage = refused("pgmq:" + queue + "?delay=soon");
        assertTrue(garbage.contains("delay=soon is neither a number of seconds nor a duration"), garbage);
    }

    @Test
    void aDurationInYamlParametersIsSecondsToo() throws Exception {
        String yaml = """
                - route:
                    id: yamlDuration
                    from:
                      uri: pgmq:%s
                      parameters:
                        visibilityTimeout: 30s
                        pollInterval: 60000
                      steps:
                        - to: log:never
                """.formatted(queue);
        Resource resource = ResourceHelper.fromBytes("durations.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        PluginHelper.getRoutesLoader(context).loadRoutes(resource);
        PgmqEndpoint endpoint = (PgmqEndpoint) context.getRoute("yamlDuration").getEndpoint();
        assertEquals(30, endpoint.getConfiguration().getVisibilityTimeout());
    }

    @Test
    void aWrongEnumValueListsTheValidOnes() {
        String onSuccess = refused("pgmq:" + queue + "?onSuccess=archiv");
        assertTrue(onSuccess.contains("onSuccess=archiv is not a valid value; use one of [archive, delete, none]"),
                onSuccess);
        String operation = refused("pgmq:" + queue + "?operation=sned");
        assertTrue(operation.contains("operation=sned is not a valid value; use one of [send, sendBatch"), operation);
        // Camel binds enums ignoring case: that still works
        assertEquals(PgmqOperations.setVt, configOf("pgmq:" + queue + "?operation=SETVT").getOperation());
        assertEquals(PgmqOnSuccess.delete, configOf("pgmq:" + queue + "?onSuccess=DELETE").getOnSuccess());
    }

    @Test
    void aDeadLetterQueueWithoutMaxRetriesIsRefused() {
        String dlq = refused("pgmq:" + queue + "?deadLetterQueue=" + queue + "_dlq");
        assertTrue(dlq.contains("needs maxRetries (e.g. maxRetries=3)"), dlq);
        assertEquals(3, configOf("pgmq:" + queue + "?deadLetterQueue=" + queue + "_dlq&maxRetries=3").getMaxRetries());
    }

    @Test
    void passwordsAreMaskedInEveryUrlForm() {
        assertEquals("jdbc:postgresql://h:5432/db?user=app&password=xxxxxx&sslmode=require",
                Secrets.mask("jdbc:postgresql://h:5432/db?user=app&password=s3cr%21t&sslmode=require"));
        assertEquals("jdbc:postgresql://h/db?PASSWORD=xxxxxx", Secrets.mask("jdbc:postgresql://h/db?PASSWORD=x;y"
                                                                            .replace(";y", "")));
        assertEquals("postgresql://app:xxxxxx@h/db", Secrets.mask("postgresql://app:hunter2@h/db"));
        assertEquals("no secret here", Secrets.mask("no secret here"));
    }

    @Test
    void theFailingConnectionMessageHasNoPassword() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        PgmqComponent component = new PgmqComponent();
        component.setUrl("jdbc:postgresql://127.0.0.1:" + closedPort
                         + "/postgres?user=app&password=TopSecret42&connectTimeout=2");
        component.setPassword("AlsoSecret43");
        CamelContext other = new DefaultCamelContext();
        other.addComponent("pgmq", component);
        Exception e = assertThrows(Exception.class, () -> {
            try {
                other.addRoutes(new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("pgmq:" + queue).to("log:never");
                    }
                });
                other.start();
            } finally {
                other.stop();
            }
        });
        String message = rootMessage(e);
        assertTrue(message.contains("Cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:" + closedPort),
                message);
        assertTrue(message.contains("password=xxxxxx"), message);
        assertFalse(message.contains("TopSecret42"), message);
        assertFalse(message.contains("AlsoSecret43"), message);
    }
}
