package io.camelpgmq.examples.liveorders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The page, the table as JSON, and a Server-Sent Events stream that pushes changed orders. An SSE response stays open
 * for as long as the page does; Camel's platform-http answers a request with one message, so the stream is served by
 * the JDK's small HTTP server, on loopback.
 */
public class PageServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final List<OutputStream> streams = new CopyOnWriteArrayList<>();

    public PageServer(int port, OrderStore store) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "live-orders-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", ex -> {
            try (InputStream page = PageServer.class.getResourceAsStream("/web/index.html")) {
                send(ex, "text/html; charset=utf-8", page.readAllBytes());
            }
        });
        server.createContext("/orders.json", ex -> {
            try {
                send(ex, "application/json", JSON.writeValueAsBytes(store.all()));
            } catch (java.sql.SQLException e) {
                send(ex, "text/plain", ("database error: " + e.getMessage()).getBytes(StandardCharsets.UTF_8));
            }
        });
        server.createContext("/events", ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.getResponseHeaders().add("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            streams.add(out);
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public int pages() {
        return streams.size();
    }

    /** Pushes a changed order to every open page. */
    public void pushOrder(OrderStore.Order order) throws IOException {
        push("order", JSON.writeValueAsString(order));
    }

    /** Tells every page to read the whole table again: notifications may have been missed. */
    public void pushResync() {
        push("resync", "{}");
    }

    private void push(String event, String data) {
        byte[] bytes = ("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
        for (OutputStream out : streams) {
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                streams.remove(out); // the page went away
            }
        }
    }

    private static void send(HttpExchange ex, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
