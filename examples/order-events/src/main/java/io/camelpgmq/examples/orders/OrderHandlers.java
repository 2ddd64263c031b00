package io.camelpgmq.examples.orders;

import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.camelpgmq.component.PgmqConstants;
import org.apache.camel.Body;
import org.apache.camel.Header;

/**
 * Billing and shipping. Each records in its ledger when an attempt begins and ends, so the order can be checked.
 * About one first attempt in ten fails (a transient error: the consumer retries it after a back-off, and the
 * order's later events wait for it). Billing cannot read the poison payment's amount: it fails every attempt and
 * ends in billing's dead-letter queue, while shipping handles the same event.
 */
public class OrderHandlers {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final OrderEventsStats stats;

    public OrderHandlers(OrderEventsStats stats) {
        this.stats = stats;
    }

    public void bill(@Body String body, @Header(PgmqConstants.READ_COUNT) int attempt,
                     @Header(PgmqConstants.GROUP_ID) String group) throws Exception {
        handle(stats.billing, body, attempt, group, event -> new BigDecimal((String) event.get("amount")));
    }

    public void ship(@Body String body, @Header(PgmqConstants.READ_COUNT) int attempt,
                     @Header(PgmqConstants.GROUP_ID) String group) throws Exception {
        handle(stats.shipping, body, attempt, group, event -> event.get("event"));
    }

    public void billingDeadLetter(@Body String body, @Header(PgmqConstants.DLQ_REASON) String reason)
            throws Exception {
        deadLetter(stats.billing, body, reason);
    }

    public void shippingDeadLetter(@Body String body, @Header(PgmqConstants.DLQ_REASON) String reason)
            throws Exception {
        deadLetter(stats.shipping, body, reason);
    }

    private interface Work {
        Object on(Map<?, ?> event) throws Exception;
    }

    private void handle(QueueLedger ledger, String body, int attempt, String group, Work work) throws Exception {
        Map<?, ?> event = JSON.readValue(body, Map.class);
        String order = (String) event.get("orderId");
        int seq = ((Number) event.get("seq")).intValue();
        if (!order.equals(group)) {
            ledger.wrongGroup(order);
        }
        ledger.begin(order, seq, attempt);
        boolean ok = false;
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(5)); // the work takes a moment
            if (attempt == 1 && ThreadLocalRandom.current().nextInt(10) == 0) {
                throw new IllegalStateException(ledger.label + ": " + order + " " + event.get("event")
                                                + " failed for now (attempt 1)");
            }
            work.on(event);
            ok = true;
        } finally {
            ledger.end(order, seq, ok);
        }
    }

    private void deadLetter(QueueLedger ledger, String body, String reason) throws Exception {
        Map<?, ?> event = JSON.readValue(body, Map.class);
        ledger.deadLettered((String) event.get("orderId"), ((Number) event.get("seq")).intValue());
        System.out.println("        " + ledger.label + " dead letter: " + body + " <- " + reason);
    }
}
