package io.camelpgmq.examples.orders;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.camelpgmq.client.PgmqClient;

/** What the example published and what each queue's consumer did with it, and the line it prints every second. */
public class OrderEventsStats {

    final OrderQueues queues;
    final QueueLedger billing = new QueueLedger("billing");
    final QueueLedger shipping = new QueueLedger("shipping");
    final AtomicLong published = new AtomicLong();
    final AtomicLong copies = new AtomicLong();
    /** Sends whose count of copies (CamelPgmqRoutedQueues) differs from what the bindings said. */
    final AtomicLong misrouted = new AtomicLong();
    /** Per order, the events published, in sequence; per queue, the ones pgmq routed there. */
    private final Map<String, List<Integer>> publishedSeqs = new LinkedHashMap<>();
    private final Map<String, Map<String, List<Integer>>> routedSeqs = Map.of("billing", new LinkedHashMap<>(),
            "shipping", new LinkedHashMap<>());
    private volatile long startNanos = System.nanoTime();
    private volatile PgmqClient client;
    private volatile String phase = "starting";
    private volatile int openOrders;
    private volatile boolean publishingDone;

    OrderEventsStats(OrderQueues queues) {
        this.queues = queues;
    }

    /** The routes run: the report's clock starts, its depths come from {@code client}. */
    void started(PgmqClient client) {
        this.startNanos = System.nanoTime();
        this.client = client;
    }

    void setClient(PgmqClient client) {
        this.client = client;
    }

    /** The generator has published every event of every order it opened. */
    void publishingDone() {
        this.publishingDone = true;
    }

    boolean isPublishingDone() {
        return publishingDone;
    }

    void setPhase(String phase, int openOrders) {
        this.phase = phase;
        this.openOrders = openOrders;
    }

    /** Event {@code seq} of {@code order} was sent to the topic and pgmq put a copy in each of {@code routedTo}. */
    synchronized void published(String order, int seq, List<String> routedTo) {
        published.incrementAndGet();
        copies.addAndGet(routedTo.size());
        publishedSeqs.computeIfAbsent(order, o -> new ArrayList<>()).add(seq);
        for (String label : routedTo) {
            routedSeqs.get(label).computeIfAbsent(order, o -> new ArrayList<>()).add(seq);
        }
    }

    /** The events published for {@code order}, in sequence. */
    synchronized List<Integer> publishedSeqs(String order) {
        return new ArrayList<>(publishedSeqs.getOrDefault(order, List.of()));
    }

    synchronized List<String> orders() {
        return new ArrayList<>(publishedSeqs.keySet());
    }

    /** The events of {@code order} that pgmq routed to the queue labelled {@code label}, in sequence. */
    synchronized List<Integer> routed(String label, String order) {
        return new ArrayList<>(routedSeqs.get(label).getOrDefault(order, List.of()));
    }

    synchronized long routedCount(String label) {
        return routedSeqs.get(label).values().stream().mapToLong(List::size).sum();
    }

    QueueLedger ledger(String label) {
        return "billing".equals(label) ? billing : shipping;
    }

    long depth(String queue) {
        PgmqClient c = client;
        return c == null ? 0 : c.metrics(queue).queueLength();
    }

    /** One line a second: called by the reporter route. */
    public void report() {
        long seconds = (System.nanoTime() - startNanos) / 1_000_000_000L;
        System.out.printf("[%3ds] published %4d (%4d copies)  billing: done %4d retried %3d dead %d depth %3d"
                          + "  shipping: done %4d retried %3d dead %d depth %3d  (%d open orders, %s)%n",
                seconds, published.get(), copies.get(),
                billing.processed(), billing.retried(), billing.deadLetterCount(), depth(queues.billing()),
                shipping.processed(), shipping.retried(), shipping.deadLetterCount(), depth(queues.shipping()),
                openOrders, phase);
    }
}
