package io.camelpgmq.component;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqRoutedMessage;
import io.camelpgmq.component.producer.PgmqMessageGroup;
import io.camelpgmq.component.producer.PgmqNotifyCoalescer;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.StreamCache;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.DefaultProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Performs the endpoint's operation. {@code send} writes the message and its NOTIFY in one statement, so one
 * transaction: the consumer is woken exactly when the message becomes readable, and a rolled-back send wakes nobody.
 * The component's {@link PgmqNotifyCoalescer} lets sends inside a recent notification's window skip their NOTIFY.
 * With header {@link PgmqConstants#CONNECTION} every operation runs on the caller's connection and joins its
 * transaction; without it, on the component's producerDataSource when one is set (a transaction-aware DataSource
 * joins the caller's transaction there too). Every operation is a single statement on a connection it closes: it
 * never commits, rolls back or changes auto-commit, so a transaction-bound connection stays the transaction's.
 */
public class PgmqProducer extends DefaultProducer {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqProducer.class);
    // marks a header value that cannot go into pgmq's JSON headers
    private static final Object NOT_JSON = new Object();

    private final PgmqConfiguration configuration;
    private final String queueName;
    private final Set<String> skippedHeaders = ConcurrentHashMap.newKeySet();
    private PgmqMessageGroup group;

    public PgmqProducer(PgmqEndpoint endpoint) {
        super(endpoint);
        this.configuration = endpoint.getConfiguration();
        this.queueName = configuration.getQueueName();
    }

    @Override
    public PgmqEndpoint getEndpoint() {
        return (PgmqEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        group = new PgmqMessageGroup(getEndpoint().getCamelContext(), configuration.getMessageGroupId());
        // functions and privileges of the configured operation (and the queue, with autoCreateQueue)
        getEndpoint().checkProducer();
        if (!configuration.bindingPatterns().isEmpty()) {
            getEndpoint().ensureQueue(queueName);
        }
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Message in = exchange.getMessage();
        PgmqOperations operation = operation(in);
        Connection joined = in.getHeader(PgmqConstants.CONNECTION, Connection.class);
        PgmqClient client = joined != null ? PgmqClient.onConnection(joined) : getEndpoint().getProducerClient();
        switch (operation) {
            case send -> {
                String json = bodyAsJson(exchange, in.getBody());
                String headers = PgmqMessageGroup.withGroup(pgmqHeaders(exchange), group.of(exchange));
                int delay = delay(in);
                in.setHeader(PgmqConstants.MSG_ID, notifying(client,
                        (channel, choice) -> client.send(queueName, json, headers, delay, channel, choice)));
            }
            case sendBatch -> in.setHeader(PgmqConstants.MSG_IDS, sendBatch(exchange, client));
            case read -> in.setBody(client.read(queueName, visibilityTimeout(in), quantity(in)));
            case pop -> in.setBody(client.pop(queueName, quantity(in)));
            case archive -> in.setBody(hasIds(in) ? client.archive(queueName, ids(in))
                    : (Object) client.archive(queueName, id(in, operation)));
            case delete -> in.setBody(hasIds(in) ? client.delete(queueName, ids(in))
                    : (Object) client.delete(queueName, id(in, operation)));
            case setVt -> in.setBody(hasIds(in) ? client.setVt(queueName, ids(in), visibilityTimeout(in))
                    : client.setVt(queueName, id(in, operation), visibilityTimeout(in)).orElse(null));
            case purge -> in.setBody(client.purgeQueue(queueName));
            case metrics -> in.setBody(client.metrics(queueName));
            case createQueue -> client.createQueue(queueName);
            case dropQueue -> in.setBody(client.dropQueue(queueName));
            case listQueues -> in.setBody(client.listQueues());
            case sendTopic -> in.setHeader(PgmqConstants.ROUTED_QUEUES,
                    client.sendTopic(routingKey(in), bodyAsJson(exchange, in.getBody()),
                            PgmqMessageGroup.withGroup(pgmqHeaders(exchange), group.of(exchange)), delay(in),
                            configuration.isNotify()));
            case sendBatchTopic -> sendBatchTopic(exchange, client);
            case bindTopic -> client.bindTopic(topicPattern(in, operation), queueName);
            case unbindTopic -> in.setBody(client.unbindTopic(topicPattern(in, operation), queueName));
            case listTopicBindings -> in.setBody(client.listTopicBindings(queueName));
            case testRouting -> in.setBody(client.testRouting(routingKey(in)));
            default -> throw new IllegalArgumentException("Unsupported pgmq operation: " + operation);
        }
    }

    private List<Long> sendBatch(Exchange exchange, PgmqClient client) {
        List<String> jsons = batchBodies(exchange, PgmqOperations.sendBatch);
        List<String> headerList = batchHeaders(exchange, jsons.size());
        int delay = delay(exchange.getMessage());
        return notifying(client, (channel, choice) -> client.sendBatch(queueName, jsons, headerList, delay, channel,
                choice));
    }

    private void sendBatchTopic(Exchange exchange, PgmqClient client) {
        Message in = exchange.getMessage();
        List<String> jsons = batchBodies(exchange, PgmqOperations.sendBatchTopic);
        List<PgmqRoutedMessage> copies = client.sendBatchTopic(routingKey(in), jsons,
                batchHeaders(exchange, jsons.size()), delay(in), configuration.isNotify());
        in.setHeader(PgmqConstants.ROUTED_MESSAGES, copies);
        in.setHeader(PgmqConstants.ROUTED_QUEUES,
                (int) copies.stream().map(PgmqRoutedMessage::queueName).distinct().count());
    }

    private static List<String> batchBodies(Exchange exchange, PgmqOperations operation) {
        Object body = exchange.getMessage().getBody();
        List<Object> elements = asList(body);
        if (elements == null) {
            throw new IllegalArgumentException("operation=" + operation + " needs a List, Collection or array body (one"
                                               + " element per message), but the body is "
                                               + (body == null ? "null" : "a " + body.getClass().getName()) + ".");
        }
        List<String> jsons = new ArrayList<>(elements.size());
        for (Object element : elements) {
            jsons.add(bodyAsJson(exchange, element));
        }
        return jsons;
    }

    /** The pgmq headers of each element of a batch: the exchange's, with each element's group; null for none. */
    private List<String> batchHeaders(Exchange exchange, int size) {
        String headers = pgmqHeaders(exchange);
        List<String> groups = group.ofBatch(exchange, size);
        if (groups == null) {
            return headers == null ? null : Collections.nCopies(size, headers);
        }
        List<String> each = new ArrayList<>(size);
        for (String g : groups) {
            each.add(PgmqMessageGroup.withGroup(headers, g));
        }
        return each;
    }

    private String routingKey(Message in) {
        String key = in.getHeader(PgmqConstants.ROUTING_KEY, String.class);
        if (key == null) {
            key = configuration.getRoutingKey();
        }
        if (key == null) {
            throw new IllegalArgumentException("A topic operation needs a routing key: set routingKey on the endpoint"
                                               + " or header " + PgmqConstants.ROUTING_KEY + " (for example"
                                               + " 'orders.created').");
        }
        return key;
    }

    private static String topicPattern(Message in, PgmqOperations operation) {
        String pattern = in.getHeader(PgmqConstants.TOPIC_PATTERN, String.class);
        if (pattern == null) {
            throw new IllegalArgumentException("operation=" + operation + " needs the pattern in header "
                                               + PgmqConstants.TOPIC_PATTERN + " (for example 'orders.*').");
        }
        return pattern;
    }

    /** A send given the channel to notify (null for none) and how its NOTIFY is chosen. */
    @FunctionalInterface
    private interface SendCall<T> {
        T send(String channel, PgmqClient.NotifyChoice choice);
    }

    /**
     * Runs a send with its NOTIFY: every send notifies when coalescing is off; else the component's coalescer
     * decides, and a send that skipped its NOTIFY but outlived the window (or failed, perhaps at commit) notifies on
     * its own afterwards, so that nothing it committed waits for the poll.
     */
    private <T> T notifying(PgmqClient client, SendCall<T> call) {
        if (!configuration.isNotify()) {
            return call.send(null, null);
        }
        String channel = getEndpoint().getChannel();
        PgmqNotifyCoalescer coalescer = getEndpoint().getComponent().getNotifyCoalescer();
        if (coalescer == null) {
            return call.send(channel, PgmqClient.NotifyChoice.ALWAYS);
        }
        PgmqNotifyCoalescer.Send send = coalescer.begin(channel);
        T result;
        try {
            result = call.send(channel, send);
        } catch (RuntimeException e) {
            if (send.failed()) {
                notifyAlone(coalescer, channel, e);
            }
            throw e;
        }
        if (send.returned()) {
            notifyAlone(coalescer, channel, null);
        }
        return result;
    }

    private void notifyAlone(PgmqNotifyCoalescer coalescer, String channel, RuntimeException sendFailure) {
        PgmqNotifyCoalescer.Send own = coalescer.notifyAlone(channel);
        try {
            getEndpoint().getClient().notify(channel, own.payload(true));
            own.returned();
        } catch (RuntimeException e) {
            own.failed();
            if (sendFailure != null) {
                sendFailure.addSuppressed(e);
            } else {
                // the message is committed: failing the exchange now would only make the caller send it twice; the
                // consumers' poll (or their read after reconnecting) still finds it
                LOG.warn("A message was sent to pgmq queue '{}' but its NOTIFY on '{}' failed ({}); consumers will find"
                         + " it at their next poll.", queueName, channel, e.getMessage());
            }
        }
    }

    private PgmqOperations operation(Message in) {
        Object header = in.getHeader(PgmqConstants.OPERATION);
        if (header == null) {
            return configuration.getOperation();
        }
        if (header instanceof PgmqOperations op) {
            return op;
        }
        try {
            return PgmqOperations.valueOf(header.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Header " + PgmqConstants.OPERATION + " names an unknown operation '"
                                               + header + "'; use one of " + List.of(PgmqOperations.values()) + ".");
        }
    }

    private int delay(Message in) {
        Integer delay = in.getHeader(PgmqConstants.DELAY, Integer.class);
        return delay != null ? delay : configuration.getDelay();
    }

    private int visibilityTimeout(Message in) {
        Integer vt = in.getHeader(PgmqConstants.VISIBILITY_TIMEOUT, Integer.class);
        return vt != null ? vt : configuration.getVisibilityTimeout();
    }

    private int quantity(Message in) {
        Integer qty = in.getHeader(PgmqConstants.QUANTITY, Integer.class);
        return qty != null ? qty : configuration.getMaxMessagesPerPoll();
    }

    private static boolean hasIds(Message in) {
        return in.getHeader(PgmqConstants.MSG_IDS) != null;
    }

    private static List<Long> ids(Message in) {
        List<Object> raw = asList(in.getHeader(PgmqConstants.MSG_IDS));
        if (raw == null) {
            throw new IllegalArgumentException("Header " + PgmqConstants.MSG_IDS + " must be a List of message ids.");
        }
        List<Long> ids = new ArrayList<>(raw.size());
        for (Object id : raw) {
            ids.add(id instanceof Number n ? n.longValue() : Long.parseLong(id.toString()));
        }
        return ids;
    }

    private static long id(Message in, PgmqOperations operation) {
        Long id = in.getHeader(PgmqConstants.MSG_ID, Long.class);
        if (id == null) {
            throw new IllegalArgumentException("operation=" + operation + " needs the message id in header "
                                               + PgmqConstants.MSG_ID + " (or a List of ids in "
                                               + PgmqConstants.MSG_IDS + ").");
        }
        return id;
    }

    /** The body as JSON text: text is taken as JSON, anything else is serialized (Map, List, POJO, number). */
    private static String bodyAsJson(Exchange exchange, Object body) {
        if (body == null || body instanceof String) {
            return (String) body;
        }
        if (body instanceof byte[] bytes) {
            return utf8(bytes);
        }
        if (body instanceof java.io.Reader) {
            return exchange.getContext().getTypeConverter().convertTo(String.class, exchange, body);
        }
        if (body instanceof StreamCache || body instanceof java.io.InputStream) {
            return utf8(exchange.getContext().getTypeConverter().convertTo(byte[].class, exchange, body));
        }
        return PgmqJson.toJson(body);
    }

    /**
     * Bytes as UTF-8 text, strictly: a lenient decode would store bytes in another charset (Latin-1 "M\u00fcller") as
     * replacement characters ("M\uFFFDller"), losing them without a word.
     */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("The pgmq message body is " + bytes.length + " bytes that are not valid"
                                               + " UTF-8 (" + e + "), and pgmq stores JSON text, so nothing was sent."
                                               + " Send text or JSON (convert the bytes from their charset first, e.g."
                                               + " convertBodyTo(String.class, \"ISO-8859-1\")), or base64 binary data"
                                               + " into a JSON string.",
                    e);
        }
    }

    /** pgmq headers: header CamelPgmqHeaders as given, else the Camel headers the filter lets through. */
    private String pgmqHeaders(Exchange exchange) {
        Message in = exchange.getMessage();
        Object explicit = in.getHeader(PgmqConstants.PGMQ_HEADERS);
        if (explicit != null) {
            return PgmqJson.toJson(explicit);
        }
        HeaderFilterStrategy filter = getEndpoint().getHeaderFilterStrategy();
        Map<String, Object> mapped = new LinkedHashMap<>();
        for (Map.Entry<String, Object> header : in.getHeaders().entrySet()) {
            String name = header.getKey();
            Object value = header.getValue();
            if (filter.applyFilterToCamelHeaders(name, value, exchange)) {
                continue;
            }
            Object json = jsonHeaderValue(value);
            if (json == NOT_JSON) {
                if (skippedHeaders.add(name)) {
                    LOG.warn("Header '{}' (a {}) cannot be stored in pgmq's JSON headers and is not sent. Convert it to"
                             + " a String, number, boolean, Map or List, or remove it before the pgmq endpoint.",
                            name, value.getClass().getName());
                }
                continue;
            }
            mapped.put(name, json);
        }
        return mapped.isEmpty() ? null : PgmqJson.toJson(mapped);
    }

    private static Object jsonHeaderValue(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Character || value instanceof Enum<?> || value instanceof TemporalAccessor) {
            return value.toString();
        }
        if (value instanceof Date date) {
            return date.toInstant().toString();
        }
        if ((value instanceof Map<?, ?> || value instanceof Collection<?>) && PgmqJson.isSerializable(value)) {
            return value;
        }
        return NOT_JSON;
    }

    private static List<Object> asList(Object value) {
        if (value instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        if (value instanceof Collection<?> collection) {
            return new ArrayList<>(collection);
        }
        if (value != null && value.getClass().isArray() && !(value instanceof byte[])) {
            int n = Array.getLength(value);
            List<Object> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(Array.get(value, i));
            }
            return list;
        }
        return null;
    }
}
