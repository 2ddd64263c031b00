package io.camelpgmq.examples.orders;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.camelpgmq.component.PgmqConstants;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * The publisher, in Java DSL: a timer publishes the events of a few orders at a time, interleaved at random, to the
 * topic with routing key {@code orders.<event>} and the order id as FIFO group ({@code CamelPgmqGroupId}). pgmq's
 * bindings put a copy in every matching queue in the sending statement, and the producer NOTIFYs each of them.
 * Each order's events come in sequence: created, paid, shipped, delivered. Order 3's payment carries an amount
 * billing cannot read: the poison event. A few seconds before the end it starts no new orders, finishes the open
 * ones and stops, so the queues drain.
 */
public class OrderEventGenerator extends RouteBuilder {

    static final List<String> EVENTS = List.of("created", "paid", "shipped", "delivered");
    static final String POISON_ORDER = orderId(3);
    static final int POISON_SEQ = EVENTS.indexOf("paid") + 1;

    private final OrderEventsStats stats;
    private final int rate;
    private final int openTarget;
    private final long stopOpeningMillis;
    private final Random random = new Random();
    /** Open orders and the sequence number of the event each publishes next; touched by the timer thread only. */
    private final Map<String, Integer> open = new LinkedHashMap<>();
    private volatile Map<String, List<String>> routing = Map.of();
    private int opened;
    private long startMillis;

    public OrderEventGenerator(OrderEventsStats stats, int rate, int openOrders, int durationSeconds) {
        this.stats = stats;
        this.rate = rate;
        this.openTarget = openOrders;
        this.stopOpeningMillis = Math.max(2000, (durationSeconds - 4) * 1000L);
    }

    static String orderId(int n) {
        return String.format("order-%03d", n);
    }

    /** Per event, the labels of the queues pgmq routes {@code orders.<event>} to (asked once, before publishing). */
    void setRouting(Map<String, List<String>> routing) {
        this.routing = routing;
    }

    @Override
    public void configure() {
        from("timer:order-events?period=" + Math.max(1, 1000 / rate) + "&includeMetadata=false")
                .routeId("generator")
                .autoStartup(false) // started once the consumers have bound their queues to the topic
                .process(this::nextEvent)
                .filter(exchangeProperty("order").isNotNull())
                    .to("pgmq:" + OrderQueues.TOPIC + "?operation=sendTopic")
                    .process(this::published);
    }

    private void nextEvent(Exchange e) {
        long now = System.currentTimeMillis();
        if (startMillis == 0) {
            startMillis = now;
        }
        boolean opening = now - startMillis < stopOpeningMillis;
        while (opening && open.size() < openTarget) {
            open.put(orderId(++opened), 1);
        }
        if (open.isEmpty()) {
            stats.setPhase("all orders published: draining", 0);
            stats.publishingDone();
            e.setRouteStop(true);
            return;
        }
        stats.setPhase(opening ? "publishing" : "opening no new orders", open.size());
        List<String> candidates = new ArrayList<>(open.keySet());
        String order = candidates.get(random.nextInt(candidates.size()));
        int seq = open.get(order);
        if (seq == EVENTS.size()) {
            open.remove(order);
        } else {
            open.put(order, seq + 1);
        }
        String event = EVENTS.get(seq - 1);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("orderId", order);
        body.put("seq", seq);
        body.put("event", event);
        body.put("amount", order.equals(POISON_ORDER) && seq == POISON_SEQ ? "n/a"
                : BigDecimal.valueOf(1000 + random.nextInt(9000), 2).toPlainString());
        e.getMessage().setBody(body);
        e.getMessage().setHeader(PgmqConstants.ROUTING_KEY, OrderQueues.TOPIC + "." + event);
        e.getMessage().setHeader(PgmqConstants.GROUP_ID, order);
        e.setProperty("order", order);
        e.setProperty("seq", seq);
        e.setProperty("event", event);
    }

    private void published(Exchange e) {
        List<String> routedTo = routing.getOrDefault(e.getProperty("event", String.class), List.of());
        int copies = e.getMessage().getHeader(PgmqConstants.ROUTED_QUEUES, Integer.class);
        if (copies != routedTo.size()) {
            stats.misrouted.incrementAndGet();
            System.out.println("        pgmq routed " + e.getProperty("event") + " to " + copies
                               + " queue(s), the bindings say " + routedTo);
        }
        stats.published(e.getProperty("order", String.class), e.getProperty("seq", Integer.class), routedTo);
    }
}
