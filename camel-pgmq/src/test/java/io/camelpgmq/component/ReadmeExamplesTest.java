package io.camelpgmq.component;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.camelpgmq.client.QueueNames;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's snippets run as written: its YAML and XML routes load and consume, its Java DSL routes (the same
 * URIs) work, and its properties are real component options.
 */
class ReadmeExamplesTest extends PgmqTestSupport {

    private static final Path README = Path.of("..", "README.md");
    private final List<String> worked = new CopyOnWriteArrayList<>();

    private static List<String> blocks(String language) throws Exception {
        String text = Files.readString(README, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(text);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        assertFalse(found.isEmpty(), "README has a " + language + " block");
        return found;
    }

    /** The README's queue names are jobs and jobs_dlq; tests use fresh ones. */
    private String withQueues(String snippet, String queue, String dlq) {
        return snippet.replace("jobs_dlq", dlq).replace("pgmq:jobs", "pgmq:" + queue);
    }

    private void bindWorker() {
        context.getRegistry().bind("worker", new Object() {
            @SuppressWarnings("unused")
            public void handle(String body) {
                worked.add(body);
            }
        });
    }

    private void assertConsumes(String queue) {
        awaitListening(QueueNames.insertChannel(queue));
        template.sendBody("pgmq:" + queue, "{\"readme\":true}");
        await(Duration.ofSeconds(5), () -> worked.size() == 1, "the README route consumed the message");
        await(Duration.ofSeconds(5), () -> client.metrics(queue).queueLength() == 0, "archived");
    }

    @Test
    void yamlSnippetRuns() throws Exception {
        String queue = newQueue("readme_yaml");
        String dlq = newQueue("readme_yaml_dlq");
        bindWorker();
        // the first YAML block is the Quick start's (ReadmeQuickStartTest runs it); this is the DSL section's
        String yaml = withQueues(blocks("yaml").get(1), queue, dlq);
        PluginHelper.getRoutesLoader(context)
                .loadRoutes(ResourceHelper.fromBytes("readme.yaml", yaml.getBytes(StandardCharsets.UTF_8)));
        assertConsumes(queue);
    }

    @Test
    void xmlSnippetRuns() throws Exception {
        String queue = newQueue("readme_xml");
        String dlq = newQueue("readme_xml_dlq");
        bindWorker();
        String xml = "<routes xmlns=\"http://camel.apache.org/schema/spring\">"
                     + withQueues(blocks("xml").get(1), queue, dlq) + "</routes>";
        PluginHelper.getRoutesLoader(context)
                .loadRoutes(ResourceHelper.fromBytes("readme.xml", xml.getBytes(StandardCharsets.UTF_8)));
        assertConsumes(queue);
    }

    @Test
    void javaSnippetsRun() throws Exception {
        String queue = newQueue("readme_java");
        String dlq = newQueue("readme_java_dlq");
        bindWorker();
        List<String> uris = new ArrayList<>();
        for (String java : blocks("java")) {
            Matcher m = Pattern.compile("\"(pgmq:[^\"]+|direct:[^\"]+)\"").matcher(java);
            while (m.find()) {
                uris.add(withQueues(m.group(1), queue, dlq));
            }
        }
        String consumer = uris.stream().filter(u -> u.startsWith("pgmq:") && u.contains("concurrentConsumers"))
                .findFirst().orElseThrow();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(consumer).to("bean:worker");
                from("direct:submit").to("pgmq:" + queue);
            }
        });
        awaitListening(QueueNames.insertChannel(queue));
        template.sendBody("direct:submit", "{\"readme\":true}");
        await(Duration.ofSeconds(5), () -> worked.size() == 1, "the README's Java routes consumed the message");
    }

    @Test
    void propertiesAreComponentOptions() throws Exception {
        Properties props = new Properties();
        props.load(new java.io.StringReader(blocks("properties").get(0)));
        assertEquals(4, props.stringPropertyNames().stream().filter(k -> k.startsWith("camel.component.pgmq.")).count());
        PgmqComponent component = new PgmqComponent();
        for (String key : props.stringPropertyNames()) {
            if (!key.startsWith("camel.component.pgmq.")) {
                continue;
            }
            String option = key.substring("camel.component.pgmq.".length()).replace("-", "");
            assertTrue(PluginHelper.getConfigurerResolver(context)
                    .resolvePropertyConfigurer("pgmq-component", context)
                    .configure(context, component, option, props.getProperty(key), true), key);
        }
        assertEquals("jdbc:postgresql://localhost:5432/app", component.getUrl());
    }
}
