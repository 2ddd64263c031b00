package io.camelpgmq.examples.liveorders;

import java.io.InputStream;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.camelpgmq.examples.ExampleDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.Route;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.support.RoutePolicySupport;

/**
 * Pattern 2, table update + NOTIFY, on Camel Main.
 * <ul>
 * <li>{@code updater}: every second changes a random order's status and NOTIFYs its id, in one transaction.</li>
 * <li>{@code listener}: a {@code pgevent:} route hears the id, reads that order from the table and pushes it to the
 * open pages over Server-Sent Events; the page updates the row in place.</li>
 * <li>{@code page} and {@code table}: platform-http routes serving the page and the whole table as JSON, which the
 * page reads on load and whenever its event stream (re)connects.</li>
 * </ul>
 * The table stays the truth: a notification is only a hint. Pages also re-read the table when the listener (re)starts
 * (changes made while it was away notified nobody) and every 15 s (it may have reconnected on its own), so a missed
 * notification costs a moment, never the truth.
 * <p>
 * Options (system properties): {@code duration} seconds (default 30; 0 runs until Ctrl-C), {@code port} (default
 * 8080); {@code PGMQ_JDBC_URL} (+ {@code PGMQ_JDBC_USER}, {@code PGMQ_JDBC_PASSWORD}) for your own PostgreSQL.
 */
public final class LiveOrdersExample implements AutoCloseable {

    private static final String[] STATUSES = { "paid", "packed", "shipped", "delivered" };
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExampleDatabase db;
    private final OrderStore store;
    private final EventStreams pages = new EventStreams();
    private final Main main = new Main();
    // the updater's changes, and the notifications of them the listener heard: see stopUpdatesThenDrain
    private final AtomicLong updated = new AtomicLong();
    private final AtomicLong heard = new AtomicLong();

    /**
     * Creates the orders table and the application; {@link #run()} or {@link #start()} starts it.
     *
     * @param port            the page's port on 127.0.0.1 (0: any free port)
     * @param autoUpdate      whether the updater route changes an order every second
     * @param durationSeconds how long {@link #run()} runs (0: until Ctrl-C)
     */
    public LiveOrdersExample(ExampleDatabase db, int port, boolean autoUpdate, int durationSeconds) throws Exception {
        this.db = db;
        this.store = new OrderStore(db);
        store.create();
        main.configure().httpServer().withEnabled(true).withHost("127.0.0.1").withPort(port);
        main.configure().withDurationMaxSeconds(durationSeconds).withShutdownTimeout(5);
        main.configure().addRoutesBuilder(new Routes(autoUpdate));
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeStop(BaseMainSupport m) {
                stopUpdatesThenDrain();
            }
        });
    }

    /**
     * Before Camel stops: stop the updater, then give the listener a moment to hear the notifications of its last
     * changes. Otherwise a notification that arrives while the listener route is shutting down is refused by Camel
     * (a RejectedExecutionException in the log), which says nothing about the example.
     */
    private void stopUpdatesThenDrain() {
        try {
            main.getCamelContext().getRouteController().stopRoute("updater");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (heard.get() < updated.get() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // stopping anyway
        }
    }

    private final class Routes extends RouteBuilder {
        private final boolean autoUpdate;

        Routes(boolean autoUpdate) {
            this.autoUpdate = autoUpdate;
        }

        @Override
        public void configure() throws Exception {
            // the durable change and its wake-up, in one transaction
            from("timer:updates?period=1000&includeMetadata=false").routeId("updater").autoStartup(autoUpdate)
                    .process(e -> {
                        int id = ThreadLocalRandom.current().nextInt(1, OrderStore.CUSTOMERS.length + 1);
                        String status = STATUSES[ThreadLocalRandom.current().nextInt(STATUSES.length)];
                        store.updateAndNotify(id, status);
                        updated.incrementAndGet();
                        System.out.println("order " + id + " -> " + status + "  (table updated and NOTIFY "
                                           + store.channel() + " '" + id + "' sent, in one transaction)");
                    });

            // the instant push: the notification carries the id, the table gives the order
            from(db.pgeventUri(store.channel())).routeId("listener").routePolicy(new ResyncOnStart())
                    .process(e -> {
                        heard.incrementAndGet();
                        OrderStore.Order order = store.find(Integer.parseInt(e.getMessage().getBody(String.class)));
                        if (order != null) {
                            pages.send("order", JSON.writeValueAsString(order));
                            System.out.println("   heard order " + order.id() + ", read it from the table, pushed it"
                                               + " to " + pages.size() + " open page(s)");
                        }
                    });

            // the fallback: now and then every page re-reads the table, whatever happened to notifications
            from("timer:resync?period=15000&delay=15000&includeMetadata=false").routeId("resync")
                    .process(e -> pages.send("resync", "{}"));

            // the page, and the whole table (read on load and on every reconnection of the event stream)
            byte[] page;
            try (InputStream in = LiveOrdersExample.class.getResourceAsStream("/web/index.html")) {
                page = in.readAllBytes();
            }
            from("platform-http:/?httpMethodRestrict=GET").routeId("page")
                    .removeHeaders("*")
                    .setHeader(Exchange.CONTENT_TYPE, constant("text/html; charset=utf-8"))
                    .process(e -> e.getMessage().setBody(page));
            from("platform-http:/orders.json?httpMethodRestrict=GET").routeId("table")
                    .removeHeaders("*")
                    .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                    .setHeader("Cache-Control", constant("no-store"))
                    .process(e -> e.getMessage().setBody(JSON.writeValueAsBytes(store.all())));

            // the event stream, on platform-http's own server once it runs (see EventStreams for why not a route)
            getContext().addStartupListener(new ExtendedStartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                    VertxPlatformHttpRouter.lookup(context, VertxPlatformHttpRouter.getRouterNameFromPort(
                            main.configure().httpServer().getPort())).get("/events").handler(pages);
                }
            });
        }
    }

    /** After the listener (re)starts, pages re-read the table: changes made while it was away notified nobody. */
    private final class ResyncOnStart extends RoutePolicySupport {
        @Override
        public void onStart(Route route) {
            pages.send("resync", "{}");
        }
    }

    /** Runs until the duration is over or Ctrl-C. */
    public void run() throws Exception {
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterStart(BaseMainSupport m) {
                int duration = main.configure().getDurationMaxSeconds();
                System.out.println("Live orders: open " + pageUrl() + " in a browser ("
                                   + (duration > 0 ? "running " + duration + " s, -Dduration=N for longer"
                                           : "Ctrl-C to stop") + ")");
            }

            @Override
            public void beforeStop(BaseMainSupport m) {
                System.out.println("Stopping.");
            }
        });
        try {
            main.run();
        } finally {
            store.drop();
        }
    }

    /** Starts and returns at once; {@link #close()} stops. */
    public void start() throws Exception {
        main.start();
    }

    public OrderStore store() {
        return store;
    }

    /** Changes made by the updater route, and the notifications of them the listener heard. */
    long[] updatedAndHeard() {
        return new long[] { updated.get(), heard.get() };
    }

    public CamelContext camel() {
        return main.getCamelContext();
    }

    /** The page's address (the actual port when started on port 0). */
    public String pageUrl() {
        VertxPlatformHttpServer server = camel().hasService(VertxPlatformHttpServer.class);
        return "http://127.0.0.1:" + server.getPort() + "/";
    }

    /** Stops the application started by {@link #start()} and drops this run's table. */
    @Override
    public void close() throws Exception {
        main.stop();
        store.drop();
    }

    public static void main(String[] args) throws Exception {
        try (ExampleDatabase db = ExampleDatabase.start()) {
            new LiveOrdersExample(db, Integer.getInteger("port", 8080), true, Integer.getInteger("duration", 30)).run();
        }
    }
}
