package io.camelpgmq.component.springboot;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The starter puts the component's meters in Spring's MeterRegistry: after a known run, Actuator's Prometheus endpoint
 * shows them with the right values, and README's table of meters names exactly the pgmq meters it shows.
 */
class PgmqStarterMetricsTest {

    @SpringBootApplication
    static class App {
    }

    /** A row of README's table of meters: its second column names the Prometheus families. */
    private static final Pattern README_ROW = Pattern.compile("^\\| `pgmq\\.[a-z.]+` \\| ([^|]+) \\|", Pattern.MULTILINE);
    private static final Pattern FAMILY = Pattern.compile("`(pgmq_[a-z_]+)`");
    private static final Pattern SCRAPED_FAMILY = Pattern.compile("^# TYPE (pgmq_[a-z_]+) ", Pattern.MULTILINE);

    private final PgmqTestDatabase db = PgmqTestDatabase.get();
    private final PgmqClient client = new PgmqClient(db.dataSource());
    private final String queue = PgmqTestDatabase.uniqueQueueName("boot_meters");
    private final String dlq = PgmqTestDatabase.uniqueQueueName("boot_meters_dlq");

    @Test
    void prometheusShowsTheMetersOfAKnownRun() throws Exception {
        client.createQueue(queue);
        client.createQueue(dlq);
        // three messages archived two hours ago, for archive retention
        for (int i = 0; i < 3; i++) {
            client.archive(queue, client.send(queue, "{\"old\":" + i + "}"));
        }
        db.execute("UPDATE pgmq.a_" + queue + " SET archived_at = now() - interval '2 hours'");
        // the known run: 10 jobs that succeed, 2 that always fail (3 attempts each with maxRetries=2)
        for (int i = 0; i < 10; i++) {
            client.send(queue, "{\"job\":" + i + "}");
        }
        client.send(queue, "{\"poison\":1}");
        client.send(queue, "{\"poison\":2}");
        try (ConfigurableApplicationContext spring = new SpringApplicationBuilder(App.class).properties(Map.of(
                "server.port", "0",
                "spring.datasource.url", db.jdbcUrl(),
                "spring.datasource.username", db.username(),
                "spring.datasource.password", db.password() == null ? "" : db.password(),
                "management.endpoints.web.exposure.include", "prometheus",
                "camel.component.pgmq.metrics-interval", "200ms",
                "camel.component.pgmq.archive-prune-interval", "200ms")).run()) {
            spring.getBean(CamelContext.class).addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + queue + "?maxRetries=2&retryDelay=20&deadLetterQueue=" + dlq
                         + "&archiveRetention=1h")
                            .process(e -> {
                                if (e.getMessage().getBody(String.class).contains("poison")) {
                                    throw new IllegalStateException("poison");
                                }
                            });
                }
            });
            int port = ((WebServerApplicationContext) spring).getWebServer().getPort();
            String scrape = awaitScrape(port, s -> value(s, "pgmq_consumer_messages_total", "dead_lettered") == 2
                                                   && value(s, "pgmq_consumer_messages_total", "succeeded") == 10
                                                   && gauge(s, "pgmq_queue_depth_messages", dlq) == 2
                                                   && gauge(s, "pgmq_queue_depth_messages", queue) == 0
                                                   && gauge(s, "pgmq_archive_pruned_messages_total", queue) == 3);
            assertEquals(16, value(scrape, "pgmq_consumer_messages_total", "received"));
            assertEquals(10, value(scrape, "pgmq_consumer_messages_total", "succeeded"));
            assertEquals(6, value(scrape, "pgmq_consumer_messages_total", "failed"));
            assertEquals(4, value(scrape, "pgmq_consumer_messages_total", "retried"));
            assertEquals(2, value(scrape, "pgmq_consumer_messages_total", "dead_lettered"));
            assertEquals(0, value(scrape, "pgmq_consumer_messages_total", "given_back"));
            assertEquals(10, value(scrape, "pgmq_consumer_processing_seconds_count", "succeeded"));
            assertEquals(6, value(scrape, "pgmq_consumer_processing_seconds_count", "failed"));
            assertTrue(gauge(scrape, "pgmq_consumer_read_seconds_count", queue) >= 3);
            assertEquals(0, gauge(scrape, "pgmq_queue_in_flight_messages", queue));
            assertEquals(0, gauge(scrape, "pgmq_queue_oldest_age_seconds", queue));
            assertEquals(10, db.queryLong("SELECT count(*) FROM pgmq.a_" + queue),
                    "the ten successes archived, the three old rows pruned");

            Set<String> inReadme = matches(FAMILY, String.join(" ",
                    matches(README_ROW, Files.readString(Path.of("../README.md")))));
            Set<String> scraped = matches(SCRAPED_FAMILY, scrape);
            assertEquals(inReadme, scraped, "README's table of meters lists exactly what Prometheus shows");
        }
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** The value of a consumer series of this test's queue with the given outcome, or -1. */
    private double value(String scrape, String series, String outcome) {
        return sample(scrape, series, "outcome=\"" + outcome + "\"", "queue=\"" + queue + "\"");
    }

    private static double gauge(String scrape, String series, String queueName) {
        return sample(scrape, series, "queue=\"" + queueName + "\"");
    }

    private static double sample(String scrape, String series, String... labels) {
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(series + "{")) {
                continue;
            }
            String labelText = line.substring(series.length(), line.lastIndexOf('}') + 1);
            boolean all = true;
            for (String label : labels) {
                all &= labelText.contains(label);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    private static String awaitScrape(int port, java.util.function.Predicate<String> done) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/prometheus"))
                .build();
        long end = System.nanoTime() + 20_000_000_000L;
        String last = "";
        while (System.nanoTime() < end) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            last = response.body();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        fail("Prometheus never showed the run's figures; last scrape:\n" + last);
        return last;
    }
}
