package io.camelpgmq.component.producer;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.camelpgmq.component.PgmqConstants;
import io.camelpgmq.component.PgmqJson;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;

/**
 * The FIFO group of what a producer sends, written to pgmq's {@code x-pgmq-group} header: header
 * {@link PgmqConstants#GROUP_ID} when present, else the endpoint's {@code messageGroupId} (a constant or a simple
 * expression such as {@code ${header.orderId}}), else none (pgmq then puts the message in its one default group).
 */
public final class PgmqMessageGroup {

    private final Expression expression;

    /** The groups for an endpoint whose {@code messageGroupId} is a constant, a simple expression, or null. */
    public PgmqMessageGroup(CamelContext context, String messageGroupId) {
        this.expression = messageGroupId == null || messageGroupId.isBlank() ? null
                : context.resolveLanguage("simple").createExpression(messageGroupId);
    }

    /** The group of one message, or {@code null} for none. */
    public String of(Exchange exchange) {
        Object header = exchange.getMessage().getHeader(PgmqConstants.GROUP_ID);
        if (header instanceof Collection<?> || header != null && header.getClass().isArray()) {
            throw new IllegalArgumentException("Header " + PgmqConstants.GROUP_ID + " holds a list of groups, which"
                                               + " only sendBatch and sendBatchTopic take (one per element); give"
                                               + " one group as a String.");
        }
        return header != null ? text(header) : fromExpression(exchange);
    }

    /**
     * The groups of a batch of {@code size} messages: a List in header {@link PgmqConstants#GROUP_ID} gives one per
     * element (entries may be null), a single value or the endpoint's expression one for all; {@code null} for none.
     */
    public List<String> ofBatch(Exchange exchange, int size) {
        Object header = exchange.getMessage().getHeader(PgmqConstants.GROUP_ID);
        if (header instanceof List<?> list) {
            if (list.size() != size) {
                throw new IllegalArgumentException("Header " + PgmqConstants.GROUP_ID + " has " + list.size()
                                                   + " groups for a batch of " + size + " messages: give one group per"
                                                   + " element, or a single String for all of them.");
            }
            return list.stream().map(PgmqMessageGroup::text).toList();
        }
        String one = header != null ? text(header) : fromExpression(exchange);
        return one == null ? null : Collections.nCopies(size, one);
    }

    /** pgmq headers (JSON object text, or null) with {@code x-pgmq-group} set; unchanged when the group is null. */
    public static String withGroup(String headersJson, String group) {
        if (group == null) {
            return headersJson;
        }
        if (headersJson != null && !headersJson.stripLeading().startsWith("{")) {
            throw new IllegalArgumentException("A message group goes into pgmq's headers, which must then be a JSON"
                                               + " object, but they are: " + headersJson);
        }
        Map<String, Object> headers = new LinkedHashMap<>(PgmqJson.headersFromJson(headersJson));
        headers.put(PgmqConstants.PGMQ_GROUP, group);
        return PgmqJson.toJson(headers);
    }

    private String fromExpression(Exchange exchange) {
        if (expression == null) {
            return null;
        }
        String group = expression.evaluate(exchange, String.class);
        return group == null || group.isEmpty() ? null : group;
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
