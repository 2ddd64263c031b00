package io.camelpgmq.examples.liveorders;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * The open pages' Server-Sent Events streams ({@code GET /events}), on the same HTTP server as the platform-http routes.
 * <p>
 * Why not a platform-http route: a route answers a request with one message, and an SSE response is a stream that
 * stays open for as long as the page does. Camel 4.17's platform-http (Vert.x) can send an {@code InputStream} body,
 * but it reads it in 16 KB buffers and writes a buffer only once it is full or the stream ends, so a 100-byte event
 * would wait. This handler is a plain Vert.x handler on platform-http's own router: the page, the table and the stream
 * share one server and one port.
 */
final class EventStreams implements Handler<RoutingContext> {

    /** One open page: its response, written on the Vert.x context that owns it. */
    private record Stream(Context context, HttpServerResponse response) {
    }

    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-store");
        Stream stream = new Stream(Vertx.currentContext(), response);
        streams.add(stream);
        response.closeHandler(v -> streams.remove(stream));
        // retry: how soon the browser reconnects (and so re-reads the table) after the stream broke
        response.write("retry: 1000\n: connected\n\n");
    }

    /** How many pages are open. */
    int size() {
        return streams.size();
    }

    /** Sends one event to every open page. */
    void send(String event, String data) {
        Buffer bytes = Buffer.buffer("event: " + event + "\ndata: " + data + "\n\n");
        for (Stream s : streams) {
            s.context().runOnContext(v -> {
                if (s.response().closed() || s.response().ended()) {
                    streams.remove(s);
                } else {
                    s.response().write(bytes);
                }
            });
        }
    }
}
