package io.camelpgmq.component;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.test.PgmqTestDatabase;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trace crosses the queue: with Camel's OpenTelemetry tracer (camel-opentelemetry2), the span around the send puts
 * its W3C context into the message's pgmq headers, and the route that consumes the message, in another Camel context
 * with its own OpenTelemetry SDK (as another JVM would have), continues the same trace down to its downstream call.
 */
class PgmqTracingTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private final PgmqClient client = new PgmqClient(DB.dataSource());
    private final String queue = PgmqTestDatabase.uniqueQueueName("traced");
    private final List<CamelContext> contexts = new ArrayList<>();

    /** A Camel context with a pgmq component and Camel's OpenTelemetry tracer over an SDK of its own. */
    private CamelContext tracedContext(InMemorySpanExporter exporter) {
        OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter))
                        .build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        CamelContext context = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setDataSource(DB.dataSource());
        context.addComponent("pgmq", pgmq);
        context.getRegistry().bind("otelTracer", otel.getTracer("camel"));
        context.getRegistry().bind("otelPropagators", otel.getPropagators());
        new OpenTelemetryTracer().init(context);
        contexts.add(context);
        return context;
    }

    @AfterEach
    void stop() {
        contexts.forEach(CamelContext::stop);
    }

    @Test
    void theConsumingRouteContinuesTheProducersTrace() throws Exception {
        client.createQueue(queue);
        InMemorySpanExporter producerSpans = InMemorySpanExporter.create();
        InMemorySpanExporter consumerSpans = InMemorySpanExporter.create();

        CamelContext producing = tracedContext(producerSpans);
        producing.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:order").routeId("producing").to("pgmq:" + queue);
            }
        });
        CamelContext consuming = tracedContext(consumerSpans);
        consuming.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue).routeId("consuming").to("direct:downstream");
                from("direct:downstream").routeId("downstream").setBody(constant("called"));
            }
        });
        producing.start();
        consuming.start();

        producing.createProducerTemplate().sendBody("direct:order", "{\"order\":1}");
        // the consuming route's span, the span of its call to direct:downstream, and the downstream route's span
        PgmqTestSupport.await(Duration.ofSeconds(15), () -> consumerSpans.getFinishedSpanItems().size() >= 3,
                "the consuming route and its downstream call traced");

        List<SpanData> produced = producerSpans.getFinishedSpanItems();
        List<SpanData> consumed = consumerSpans.getFinishedSpanItems();
        Set<String> traceIds = new java.util.TreeSet<>();
        produced.forEach(s -> traceIds.add(s.getTraceId()));
        consumed.forEach(s -> traceIds.add(s.getTraceId()));
        assertEquals(1, traceIds.size(), "one trace from the producing route to the downstream call: " + describe(
                produced, consumed));

        // the message carried the send span's context in its pgmq headers. The consumer archives it after the route
        // has returned (and its spans have ended): wait for that first
        PgmqTestSupport.await(Duration.ofSeconds(5), () -> client.metrics(queue).queueLength() == 0,
                "the message archived");
        String traceparent = archivedHeader("traceparent");
        assertNotNull(traceparent, "traceparent in the archived message's headers");
        SpanData send = produced.stream().filter(s -> traceparent.contains(s.getSpanId())).findFirst().orElse(null);
        assertNotNull(send, "the traceparent names a span of the producing side: " + traceparent);
        SpanData received = consumed.stream().filter(s -> s.getParentSpanId().equals(send.getSpanId())).findFirst()
                .orElse(null);
        assertNotNull(received, "the consuming route's span is a child of the send's: " + describe(produced, consumed));
        assertTrue(consumed.stream().anyMatch(s -> s.getParentSpanId().equals(received.getSpanId())),
                "the downstream call is a child of the consuming route's span: " + describe(produced, consumed));
        // PgmqSpanDecorator: messaging spans named after the queue, with pgmq's message id
        assertEquals(queue, send.getName());
        assertEquals(queue, received.getName());
        assertEquals(queue, received.getAttributes().get(AttributeKey.stringKey("messaging.destination.name")));
        String msgId = archivedColumn("msg_id::text");
        assertEquals(msgId, received.getAttributes().get(AttributeKey.stringKey("messaging.message.id")));
        assertEquals(msgId, send.getAttributes().get(AttributeKey.stringKey("messaging.message.id")));
    }

    private String archivedHeader(String name) throws java.sql.SQLException {
        return archivedColumn("headers->>'" + name + "'");
    }

    private String archivedColumn(String expression) throws java.sql.SQLException {
        try (var c = DB.dataSource().getConnection();
             var ps = c.prepareStatement("SELECT " + expression + " FROM pgmq.a_" + queue)) {
            try (var rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static String describe(List<SpanData> produced, List<SpanData> consumed) {
        return "\nproduced " + produced.stream().map(PgmqTracingTest::describe).collect(Collectors.joining(", "))
               + "\nconsumed " + consumed.stream().map(PgmqTracingTest::describe).collect(Collectors.joining(", "));
    }

    private static String describe(SpanData s) {
        return s.getName() + "(" + s.getKind() + " " + s.getTraceId() + "/" + s.getSpanId() + " parent "
               + s.getParentSpanId() + ")";
    }
}
