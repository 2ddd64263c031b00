package io.camelpgmq.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small TCP proxy for tests: forwards 127.0.0.1:{@link #port()} to a server, and can {@link #blackHole()} every
 * connection the way a dead network path does. A black hole neither forwards nor closes: bytes already sent sit in the
 * proxy (like packets a peer keeps retransmitting), new connections are accepted and hang, and nobody sees an error
 * until a timeout fires. {@link #restore()} forwards again, so a connection that outlived the outage carries on with
 * its stream intact.
 * <p>
 * Loopback only, and bounded: at most {@code maxConnections} connections (two pump threads each), further ones are
 * closed at once.
 */
public final class TcpProxy implements AutoCloseable {

    private static final int BUFFER = 16 * 1024;

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final ExecutorService threads;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean blackHoled;
    private volatile boolean closed;

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this(targetHost, targetPort, 32);
    }

    public TcpProxy(String targetHost, int targetPort, int maxConnections) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        AtomicInteger n = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(1, 1 + 2 * maxConnections, 10, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "tcp-proxy-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        threads.submit(this::acceptLoop);
    }

    /** A proxy in front of the host and port of a {@code jdbc:postgresql://host:port/...} URL. */
    public static TcpProxy forJdbcUrl(String jdbcUrl) throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("jdbc:postgresql://([^/:?]+)(?::(\\d+))?")
                .matcher(jdbcUrl);
        if (!m.find()) {
            throw new IllegalArgumentException("Not a single-host PostgreSQL JDBC URL: " + jdbcUrl);
        }
        return new TcpProxy(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)));
    }

    /** The URL with its host and port replaced by this proxy's. */
    public String proxiedUrl(String jdbcUrl) {
        return jdbcUrl.replaceFirst("jdbc:postgresql://[^/?]+", "jdbc:postgresql://127.0.0.1:" + port());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Stops forwarding, in both directions, on established and new connections, without closing any. */
    public void blackHole() {
        blackHoled = true;
    }

    /** Forwards again; connections that are still open carry on where they stopped. */
    public void restore() {
        synchronized (gate) {
            blackHoled = false;
            gate.notifyAll();
        }
    }

    @Override
    public void close() {
        closed = true;
        restore();
        closeQuietly(server);
        sockets.forEach(TcpProxy::closeQuietly);
        threads.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            sockets.add(client);
            try {
                threads.submit(() -> connect(client));
            } catch (RejectedExecutionException full) {
                closeQuietly(client);
            }
        }
    }

    private void connect(Socket client) {
        Socket upstream = null;
        try {
            awaitForwarding();
            upstream = new Socket();
            sockets.add(upstream);
            upstream.connect(new InetSocketAddress(targetHost, targetPort), 5000);
            Socket up = upstream;
            threads.submit(() -> pump(up, client));
            pump(client, upstream);
        } catch (IOException | RejectedExecutionException | InterruptedException e) {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    /** Copies from one socket to the other; holds what it read while black-holed. */
    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            while (!closed) {
                awaitForwarding();
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                awaitForwarding();
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side is gone: close both, as a proxy does
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    private void awaitForwarding() throws InterruptedException {
        synchronized (gate) {
            while (blackHoled && !closed) {
                gate.wait();
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
