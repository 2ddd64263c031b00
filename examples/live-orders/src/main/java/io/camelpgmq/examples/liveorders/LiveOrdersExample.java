package io.camelpgmq.examples.liveorders;

import java.util.concurrent.ThreadLocalRandom;

import io.camelpgmq.examples.ExampleDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.RoutePolicySupport;

/**
 * Pattern 2, table update + NOTIFY. An updater route changes an order's status and NOTIFYs its id in the same
 * statement; a {@code pgevent:} route hears the id, reads the order from the table and pushes it to the open pages,
 * which show it at once. The table stays the truth: a page reads it on load and on every (re)connection, the server
 * asks pages to read it again whenever its listener (re)starts and every 15 s, so a missed notification costs nothing
 * but a moment.
 * <p>
 * Options: {@code -Dduration=30} seconds (0 runs until Ctrl-C), {@code -Dport=8080};
 * {@code PGMQ_JDBC_URL} (+ {@code PGMQ_JDBC_USER}, {@code PGMQ_JDBC_PASSWORD}) for your own PostgreSQL.
 */
public final class LiveOrdersExample implements AutoCloseable {

    private static final String[] STATUSES = { "paid", "packed", "shipped", "delivered" };

    private final ExampleDatabase db;
    private final OrderStore store;
    private final PageServer pages;
    private final CamelContext camel = new DefaultCamelContext();

    /** Starts the database, the page on {@code port} (0: any free port) and the routes. */
    public LiveOrdersExample(int port, boolean autoUpdate) throws Exception {
        db = ExampleDatabase.start();
        store = new OrderStore(db);
        store.reset();
        pages = new PageServer(port, store);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // the durable change and its wake-up, in one statement
                from("timer:updates?period=1000&includeMetadata=false").routeId("updater").autoStartup(autoUpdate)
                        .process(e -> {
                            int id = ThreadLocalRandom.current().nextInt(1, 9);
                            String status = STATUSES[ThreadLocalRandom.current().nextInt(STATUSES.length)];
                            store.updateAndNotify(id, status);
                            System.out.println("order " + id + " -> " + status + " (table updated, NOTIFY sent)");
                        });
                // the instant push: the notification carries the id, the table gives the order
                from(db.pgeventUri(OrderStore.CHANNEL)).routeId("listener").routePolicy(new ResyncOnStart())
                        .process(e -> {
                            OrderStore.Order order = store.find(Integer.parseInt(e.getMessage().getBody(String.class)));
                            if (order != null) {
                                pages.pushOrder(order);
                                System.out.println("   pushed order " + order.id() + " to " + pages.pages() + " page(s)");
                            }
                        });
                // the fallback: pages re-read the table now and then, whatever happened to notifications
                from("timer:resync?period=15000&delay=15000&includeMetadata=false").routeId("refresh")
                        .process(e -> pages.pushResync());
            }
        });
        camel.start();
    }

    /** After the listener (re)starts, pages re-read the table: changes made while it was away notified nobody. */
    private final class ResyncOnStart extends RoutePolicySupport {
        @Override
        public void onStart(Route route) {
            pages.pushResync();
        }
    }

    public OrderStore store() {
        return store;
    }

    public CamelContext camel() {
        return camel;
    }

    public String pageUrl() {
        return "http://127.0.0.1:" + pages.port() + "/";
    }

    @Override
    public void close() throws java.io.IOException {
        camel.stop();
        pages.close();
        db.close();
    }

    public static void main(String[] args) throws Exception {
        int duration = Integer.getInteger("duration", 30);
        try (LiveOrdersExample example = new LiveOrdersExample(Integer.getInteger("port", 8080), true)) {
            System.out.println("Live orders on " + example.db.description + ": open " + example.pageUrl()
                               + (duration > 0 ? " (running " + duration + " s)" : " (Ctrl-C to stop)"));
            Thread.sleep(duration > 0 ? duration * 1000L : Long.MAX_VALUE);
        }
    }
}
