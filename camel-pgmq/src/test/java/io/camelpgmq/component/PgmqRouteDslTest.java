package io.camelpgmq.component;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.camelpgmq.client.QueueNames;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same consumer and producer routes written in YAML and in XML, loaded the way Camel Main loads route files,
 * with the options given as YAML {@code parameters:} and as URI query.
 */
class PgmqRouteDslTest extends PgmqTestSupport {

    private void loadRoutes(String name, String text) throws Exception {
        Resource resource = ResourceHelper.fromBytes(name, text.getBytes(StandardCharsets.UTF_8));
        PluginHelper.getRoutesLoader(context).loadRoutes(resource);
    }

    private void assertRoundTrip(String queue) throws Exception {
        awaitListening(QueueNames.insertChannel(queue));
        MockEndpoint done = getMockEndpoint("mock:done");
        done.expectedBodiesReceived("{\"dsl\": true}");
        template.sendBody("direct:in", "{\"dsl\":true}");
        done.assertIsSatisfied(5000);
        await(Duration.ofSeconds(5), () -> client.metrics(queue).queueLength() == 0, "archived");
        assertEquals(1, queryLong("SELECT count(*) FROM pgmq.a_" + queue));
    }

    @Test
    void yamlRoutesWithParameters() throws Exception {
        String queue = newQueue("yaml");
        String dlq = newQueue("yaml_dlq");
        loadRoutes("routes.yaml", """
                - route:
                    from:
                      uri: pgmq:%s
                      parameters:
                        visibilityTimeout: 30
                        maxRetries: 5
                        deadLetterQueue: %s
                        pollInterval: 60000
                      steps:
                        - to: mock:done
                - route:
                    from:
                      uri: direct:in
                      steps:
                        - to:
                            uri: pgmq:%s
                            parameters:
                              notify: true
                """.formatted(queue, dlq, queue));
        assertRoundTrip(queue);
    }

    @Test
    void xmlRoutes() throws Exception {
        String queue = newQueue("xml");
        loadRoutes("routes.xml", """
                <routes xmlns="http://camel.apache.org/schema/spring">
                  <route>
                    <from uri="pgmq:%s?visibilityTimeout=30&amp;maxRetries=5&amp;pollInterval=60000"/>
                    <to uri="mock:done"/>
                  </route>
                  <route>
                    <from uri="direct:in"/>
                    <to uri="pgmq:%s"/>
                  </route>
                </routes>
                """.formatted(queue, queue));
        assertRoundTrip(queue);
    }
}
