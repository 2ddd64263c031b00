package io.camelpgmq.component;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.camelpgmq.client.PgmqMessage;
import org.apache.camel.builder.RouteBuilder;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgmq headers that jsonb takes but Jackson's default limits refuse (nesting 1,500 deep, a 2,000-digit number) cost
 * the message nothing else: its other headers reach the exchange, x-pgmq-group still gives CamelPgmqGroupId, each
 * message is processed once, a WARN names the message and the header (never the value), and a dead letter keeps
 * every header as it was.
 */
class PgmqOversizedHeadersTest extends PgmqTestSupport {

    private static final String DEEP = "[".repeat(1500) + "\"secret-deep\"" + "]".repeat(1500);
    private static final String BIG = "9".repeat(2000);

    private final String queue = newQueue("big_hdr");
    private final String failing = newQueue("big_hdr_fail");
    private final String dlq = newQueue("big_hdr_dlq");
    private final List<Map<String, Object>> seen = new CopyOnWriteArrayList<>();
    private final CapturedWarnings warnings = new CapturedWarnings();

    @Override
    protected RouteBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?pollInterval=500")
                        .process(e -> seen.add(Map.copyOf(e.getMessage().getHeaders())));
                from("pgmq:" + failing + "?pollInterval=500&maxRetries=0&deadLetterQueue=" + dlq)
                        .throwException(new IllegalStateException("fails on purpose"));
            }
        };
    }

    @BeforeEach
    void captureWarnings() {
        warnings.attach();
    }

    @AfterEach
    void releaseWarnings() {
        warnings.detach();
    }

    @Test
    void headersBeyondJacksonsLimitsAreLeftOutAndTheRestIsDelivered() {
        long deep = client.send(queue, "{\"n\": 1}",
                "{\"x-pgmq-group\": \"g1\", \"deep\": " + DEEP + ", \"tenant\": \"acme\"}", 0);
        long big = client.send(queue, "{\"n\": 2}",
                "{\"big\": " + BIG + ", \"x-pgmq-group\": \"g1\", \"tenant\": \"acme\"}", 0);
        long plain = client.send(queue, "{\"n\": 3}", "{\"x-pgmq-group\": \"g1\", \"tenant\": \"acme\"}", 0);

        await(Duration.ofSeconds(15), () -> client.metrics(queue).queueLength() == 0 && seen.size() >= 3,
                "the messages were not all processed: " + seen);
        sleep(1000); // a second delivery would show up here
        assertEquals(List.of(deep, big, plain), seen.stream().map(h -> h.get(PgmqConstants.MSG_ID)).toList(),
                "each message exactly once, in order");
        for (Map<String, Object> headers : seen) {
            assertEquals("g1", headers.get(PgmqConstants.GROUP_ID), headers.toString());
            assertEquals("acme", headers.get("tenant"), headers.toString());
            assertFalse(headers.containsKey("deep") || headers.containsKey("big"), headers.keySet().toString());
        }
        assertTrue(warnings.contains("pgmq message " + deep + " ", "[deep]"), warnings.toString());
        assertTrue(warnings.contains("pgmq message " + big + " ", "[big]"), warnings.toString());
        assertFalse(warnings.toString().contains("secret-deep") || warnings.toString().contains(BIG.substring(0, 50)),
                "a WARN showed a header's value: " + warnings);
    }

    @Test
    void aDeadLetterKeepsEveryHeaderAsItWas() {
        long id = client.send(failing, "{\"n\": 1}",
                "{\"x-pgmq-group\": \"g1\", \"deep\": " + DEEP + ", \"big\": " + BIG + "}", 0);
        await(Duration.ofSeconds(15), () -> client.metrics(dlq).queueLength() == 1, "no dead letter in " + dlq);
        PgmqMessage dead = client.read(dlq, 30, 1).get(0);
        String headers = dead.headers().replace(" ", "");
        assertTrue(headers.contains("\"deep\":" + DEEP), "the deep header was not kept");
        assertTrue(headers.contains("\"big\":" + BIG), "the big header was not kept");
        assertTrue(headers.contains("\"x-pgmq-group\":\"g1\""), headers.substring(0, Math.min(200, headers.length())));
        assertTrue(headers.contains("\"" + PgmqConstants.DLQ_SOURCE_MSG_ID + "\":" + id), "no source id");
        assertEquals(0, client.metrics(failing).queueLength());
    }

    @Test
    void theProducerSendsJsonBeyondJacksonsLimitsAsPostgresqlTakesIt() {
        // the producer's JSON check only checks syntax: it used to refuse these as "not valid JSON"
        String plain = newQueue("big_body");
        String body = "{\"big\":" + BIG + ",\"deep\":" + DEEP + "}"; // in jsonb's key order
        template.sendBodyAndHeader("pgmq:" + plain, body, PgmqConstants.PGMQ_HEADERS, "{\"big\":" + BIG + "}");
        PgmqMessage stored = client.read(plain, 30, 1).get(0);
        assertTrue(body.equals(stored.message().replace(" ", "")), "the body was not stored as sent");
        assertTrue(("{\"big\":" + BIG + "}").equals(stored.headers().replace(" ", "")), "the headers were not stored");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** WARN lines of io.camelpgmq's loggers while a test runs. */
    private static final class CapturedWarnings extends AbstractAppender {

        private final List<String> lines = new CopyOnWriteArrayList<>();

        CapturedWarnings() {
            super("captured-warnings", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            lines.add(event.getMessage().getFormattedMessage());
        }

        void attach() {
            start();
            loggerConfig().addAppender(this, Level.WARN, null);
            ((LoggerContext) LogManager.getContext(false)).updateLoggers();
        }

        void detach() {
            loggerConfig().removeAppender(getName());
            ((LoggerContext) LogManager.getContext(false)).updateLoggers();
            stop();
        }

        boolean contains(String... parts) {
            return lines.stream().anyMatch(line -> List.of(parts).stream().allMatch(line::contains));
        }

        @Override
        public String toString() {
            return lines.toString();
        }

        private static LoggerConfig loggerConfig() {
            return ((LoggerContext) LogManager.getContext(false)).getConfiguration().getLoggerConfig("io.camelpgmq");
        }
    }
}
