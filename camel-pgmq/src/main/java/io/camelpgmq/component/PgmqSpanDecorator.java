package io.camelpgmq.component;

import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.telemetry.Span;
import org.apache.camel.telemetry.TagConstants;
import org.apache.camel.telemetry.decorators.AbstractMessagingSpanDecorator;

/**
 * Names pgmq spans for Camel's telemetry SPI (camel-telemetry: camel-opentelemetry2, camel-telemetry-dev) as messaging
 * spans: the queue as the span name and {@code messaging.destination.name}, the pgmq message id as
 * {@code messaging.message.id}. Found by camel-telemetry through {@code java.util.ServiceLoader}; without camel-telemetry
 * nothing loads it (an optional dependency). The trace context itself needs nothing of it: the tracer writes W3C
 * {@code traceparent} into the exchange's headers before the send, the producer stores them as pgmq headers, and the
 * consumer maps them back before the route starts.
 */
public class PgmqSpanDecorator extends AbstractMessagingSpanDecorator {

    @Override
    public String getComponent() {
        return "pgmq";
    }

    @Override
    public String getComponentClassName() {
        return PgmqComponent.class.getName();
    }

    /** The queue, without options. */
    @Override
    protected String getDestination(Exchange exchange, Endpoint endpoint) {
        return endpoint instanceof PgmqEndpoint pgmq
                ? pgmq.getConfiguration().getQueueName() : super.getDestination(exchange, endpoint);
    }

    /** The consumer's message id (header CamelPgmqMsgId), known when the consuming route's span starts. */
    @Override
    protected String getMessageId(Exchange exchange) {
        Object id = exchange.getMessage().getHeader(PgmqConstants.MSG_ID);
        return id == null ? null : id.toString();
    }

    /** A send's message id is known only after it: tag the producer's span with it then. */
    @Override
    public void afterTracingEvent(Span span, Exchange exchange) {
        super.afterTracingEvent(span, exchange);
        String id = getMessageId(exchange);
        if (id != null) {
            span.setTag(TagConstants.MESSAGE_ID, id);
        }
    }
}
