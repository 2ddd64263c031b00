package io.camelpgmq.examples.orders;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqQueue;
import io.camelpgmq.client.PgmqTopicBinding;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.examples.ExampleDatabase;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * pgmq topics + FIFO groups: order events published to a topic are fanned out by pgmq's bindings to a billing queue
 * ({@code orders.*}) and a shipping queue ({@code orders.paid}, {@code orders.shipped}, {@code orders.delivered});
 * each queue's consumer reads with {@code readMode=grouped}, the group being the order id, so every order's events
 * are handled in sequence while orders run in parallel. Transient failures are retried with back-off and hold only
 * their order; one poison event ends in billing's dead-letter queue while the other orders keep flowing. The
 * summary checks, from what each consumer recorded, that every order's events were handled in sequence.
 * <p>
 * Options (system properties): {@code duration} seconds (default 20), {@code rate} events per second (default 40),
 * {@code openOrders} orders in progress at once (default 8), {@code readMode} (default grouped; {@code plain} shows
 * what goes wrong without FIFO groups); {@code PGMQ_JDBC_URL} (+ {@code PGMQ_JDBC_USER},
 * {@code PGMQ_JDBC_PASSWORD}) for your own PostgreSQL. The queues are the example's own (a random suffix) and are
 * dropped at the end.
 */
public final class OrderEventsExample {

    private OrderEventsExample() {
    }

    public static void main(String[] args) throws Exception {
        Summary summary = run(Integer.getInteger("duration", 20), Integer.getInteger("rate", 40),
                Integer.getInteger("openOrders", 8), System.getProperty("readMode", "grouped"));
        System.out.println(summary);
    }

    /** What one consuming queue did. */
    public record QueueSummary(String label, long routed, long processed, long retried, long deadLettered,
                               Map<String, Set<Integer>> deadLetters, int ordersKept, int orders,
                               long leftInQueue, long leftInDeadLetterQueue) {
        @Override
        public String toString() {
            return String.format("  %-8s %4d events routed here: processed %4d, retried %3d, dead-lettered %d %s;"
                                 + " order kept for %d of %d orders; left in queue %d, in its DLQ %d",
                    label, routed, processed, retried, deadLettered, deadLetters.isEmpty() ? "" : deadLetters,
                    ordersKept, orders, leftInQueue, leftInDeadLetterQueue);
        }
    }

    /** What one run did. */
    public record Summary(String queuePrefix, long published, long copies, long misrouted, int orders,
                          QueueSummary billing, QueueSummary shipping, String poisonOrder, int poisonSeq, int otherOrdersCompleted,
                          List<String> queuesLeftAfterDrop) {

        /** Whether the poison event, and only it, reached billing's dead-letter queue. */
        public boolean poisonDeadLettered() {
            return billing.deadLetters().equals(Map.of(poisonOrder, Set.of(poisonSeq)));
        }

        @Override
        public String toString() {
            return String.format("""

                    Summary (queues %s_*)
                      published %d events of %d orders to topic %s.*: %d copies in the bound queues, as the bindings say: %s
                    %s
                    %s
                      the poison event (%s #%d) is in billing's dead-letter queue: %s
                      the %d other orders completed in both queues: %d
                      queues left after the drop: %s
                    """, queuePrefix, published, orders, OrderQueues.TOPIC, copies,
                    misrouted == 0 ? "yes" : "NO (" + misrouted + " sends differ)", billing, shipping,
                    poisonOrder, poisonSeq, poisonDeadLettered() ? "yes" : "NO",
                    orders - 1, otherOrdersCompleted, queuesLeftAfterDrop.isEmpty() ? "none" : queuesLeftAfterDrop);
        }
    }

    public static Summary run(int durationSeconds, int rate, int openOrders) throws Exception {
        return run(durationSeconds, rate, openOrders, "grouped");
    }

    /** A run whose consumers read with {@code readMode} (grouped, groupedRoundRobin, groupedHead, or plain). */
    public static Summary run(int durationSeconds, int rate, int openOrders, String readMode) throws Exception {
        return run(ExampleDatabase.start(), durationSeconds, rate, openOrders, readMode);
    }

    /** A run on {@code database} (a test's, for one), closed at the end. */
    public static Summary run(ExampleDatabase database, int durationSeconds, int rate, int openOrders, String readMode)
            throws Exception {
        OrderQueues queues = OrderQueues.random();
        OrderEventsStats stats = new OrderEventsStats(queues);
        try (ExampleDatabase db = database) {
            System.out.println("Order events example on " + db.description + ": " + rate + " events/s, "
                               + openOrders + " orders at a time, for " + durationSeconds + " s, readMode="
                               + readMode + "; queues " + queues.prefix() + "_*");
            PgmqClient client = new PgmqClient(db.dataSource());
            OrderEventGenerator generator = new OrderEventGenerator(stats, rate, openOrders, durationSeconds);
            Main main = new Main();
            main.configure().withRoutesIncludePattern("classpath:routes/order-events.yaml")
                    .withDurationMaxSeconds(durationSeconds)
                    .withShutdownTimeout(5);
            main.configure().addRoutesBuilder(generator);
            main.addInitialProperty("orders.readMode", readMode);
            main.addInitialProperty("billing.queue", queues.billing());
            main.addInitialProperty("billing.dlq", queues.billingDlq());
            main.addInitialProperty("shipping.queue", queues.shipping());
            main.addInitialProperty("shipping.dlq", queues.shippingDlq());
            main.bind("stats", stats);
            main.bind("handlers", new OrderHandlers(stats));
            PgmqComponent pgmq = new PgmqComponent();
            pgmq.setUrl(db.url);
            pgmq.setUsername(db.username);
            pgmq.setPassword(db.password);
            // the embedded server has no pgmq extension: install camel-pgmq's compatible SQL (skipped where the
            // real extension is installed)
            pgmq.setInstallSchema(true);
            main.bind("pgmq", pgmq);
            Map<String, Long> depthAtEnd = new LinkedHashMap<>();
            main.addMainListener(new MainListenerSupport() {
                @Override
                public void afterStart(BaseMainSupport m) {
                    // the consumers have bound their queues: ask pgmq where each event goes, then publish
                    generator.setRouting(routing(client, queues));
                    stats.started(client);
                    try {
                        m.getCamelContext().getRouteController().startRoute("generator");
                    } catch (Exception e) {
                        throw new IllegalStateException("Could not start the generator route", e);
                    }
                }

                @Override
                public void beforeStop(BaseMainSupport m) {
                    // the routes still run: give a slow machine up to 15 s more to publish and drain everything
                    long deadline = System.nanoTime() + 15_000_000_000L;
                    if (!drained(client, queues, stats)) {
                        System.out.println("Stopping: waiting up to 15 s for the queues to drain");
                    }
                    while (!drained(client, queues, stats) && System.nanoTime() < deadline
                           && !Thread.currentThread().isInterrupted()) {
                        sleep(200);
                    }
                    for (String queue : queues.all()) {
                        depthAtEnd.put(queue, client.metrics(queue).queueLength());
                    }
                    stats.setClient(null);
                }
            });
            try {
                main.run();
            } finally {
                for (String queue : queues.all()) {
                    client.dropQueue(queue); // also removes the queue's topic bindings
                }
            }
            List<String> left = new ArrayList<>();
            for (PgmqQueue q : client.listQueues()) {
                if (q.queueName().startsWith(queues.prefix())) {
                    left.add(q.queueName());
                }
            }
            return summarize(stats, queues, depthAtEnd, left);
        }
    }

    private static boolean drained(PgmqClient client, OrderQueues queues, OrderEventsStats stats) {
        if (!stats.isPublishingDone()) {
            return false;
        }
        for (String queue : queues.all()) {
            if (client.metrics(queue).queueLength() > 0) {
                return false;
            }
        }
        return true;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Per event, the labels of the queues whose bindings match {@code orders.<event>}, as pgmq reports them. */
    static Map<String, List<String>> routing(PgmqClient client, OrderQueues queues) {
        Map<String, List<String>> routing = new LinkedHashMap<>();
        for (String event : OrderEventGenerator.EVENTS) {
            List<String> labels = new ArrayList<>();
            for (PgmqTopicBinding b : client.testRouting(OrderQueues.TOPIC + "." + event)) {
                String label = queues.label(b.queueName());
                if (label != null) {
                    labels.add(label);
                }
            }
            routing.put(event, labels);
        }
        return routing;
    }

    private static Summary summarize(OrderEventsStats stats, OrderQueues queues, Map<String, Long> depth,
                                     List<String> left) {
        List<String> orders = stats.orders();
        int completed = 0;
        for (String order : orders) {
            boolean complete = stats.publishedSeqs(order).size() == OrderEventGenerator.EVENTS.size();
            for (String label : List.of("billing", "shipping")) {
                // every routed event handled successfully, in whatever order (the order is checked apart)
                List<Integer> done = stats.ledger(label).done(order);
                List<Integer> routed = stats.routed(label, order);
                complete &= done.size() == routed.size() && new HashSet<>(done).equals(new HashSet<>(routed));
            }
            if (complete && !order.equals(OrderEventGenerator.POISON_ORDER)) {
                completed++;
            }
        }
        return new Summary(queues.prefix(), stats.published.get(), stats.copies.get(), stats.misrouted.get(),
                orders.size(),
                queueSummary(stats, "billing", orders, depth.getOrDefault(queues.billing(), -1L),
                        depth.getOrDefault(queues.billingDlq(), -1L)),
                queueSummary(stats, "shipping", orders, depth.getOrDefault(queues.shipping(), -1L),
                        depth.getOrDefault(queues.shippingDlq(), -1L)),
                OrderEventGenerator.POISON_ORDER, OrderEventGenerator.POISON_SEQ, completed, left);
    }

    private static QueueSummary queueSummary(OrderEventsStats stats, String label, List<String> orders, long depth,
                                             long dlqDepth) {
        QueueLedger ledger = stats.ledger(label);
        int withEvents = 0;
        int kept = 0;
        for (String order : orders) {
            List<Integer> expected = stats.routed(label, order);
            if (expected.isEmpty()) {
                continue;
            }
            withEvents++;
            if (ledger.orderKept(order, expected)) {
                kept++;
            }
        }
        return new QueueSummary(label, stats.routedCount(label), ledger.processed(), ledger.retried(),
                ledger.deadLetterCount(), ledger.deadLetters(), kept, withEvents, depth, dlqDepth);
    }
}
