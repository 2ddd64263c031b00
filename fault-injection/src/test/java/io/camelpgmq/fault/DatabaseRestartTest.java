package io.camelpgmq.fault;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqSchema;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConstants;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Scenario 2: PostgreSQL crashes (immediate shutdown: no checkpoint, sessions cut) and restarts on the same port and
 * data while a producer sends and a consumer consumes. A server of its own, so the shared test database is spared.
 */
class DatabaseRestartTest {

    private static final String QUEUE = "restart";
    private static final int CONSUMERS = 2;
    private static final int BATCH = 10;

    private static EmbeddedPostgres start(Path data, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                // zonky turns synchronous_commit off; a crash must not lose an acknowledged send
                .setServerConfig("synchronous_commit", "on")
                .start();
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void postgresCrashedAndRestartedMidRun() throws Exception {
        Path data = Path.of("target", "fault-restart-pgdata").toAbsolutePath();
        deleteTree(data);
        Files.createDirectories(data);
        int port = freeLoopbackPort();
        EmbeddedPostgres pg = start(data, port);
        try (Connection c = pg.getPostgresDatabase().getConnection()) {
            PgmqSchema.install(c);
            PgmqClient.onConnection(c).createQueue(QUEUE);
        }

        List<Long> processed = new CopyOnWriteArrayList<>();
        Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        Map<String, Long> failures = new ConcurrentHashMap<>();
        AtomicLong failedSends = new AtomicLong();
        AtomicLong longestSendMillis = new AtomicLong();
        AtomicBoolean producing = new AtomicBoolean(true);
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setUrl("jdbc:postgresql://127.0.0.1:" + port + "/postgres");
        pgmq.setUsername("postgres");
        // the listener's reconnection backoff grows to 30 s by default; a restart of a few seconds wants less
        pgmq.setListenerMaxReconnectDelay(2000);
        ctx.addComponent("pgmq", pgmq);
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + QUEUE + "?pollInterval=1000&visibilityTimeout=3&concurrentConsumers=" + CONSUMERS
                     + "&maxConcurrentConsumers=" + CONSUMERS + "&maxMessagesPerPoll=" + BATCH)
                        .process(e -> {
                            processed.add(ConsumerProcess.key(e.getMessage().getBody(String.class)));
                            Thread.sleep(2); // a few messages are always in flight
                        });
            }
        });
        long downMillis = 0;
        try {
            ctx.start();
            ProducerTemplate template = ctx.createProducerTemplate();
            Thread producer = new Thread(() -> {
                long n = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                try {
                    while (producing.get() && System.nanoTime() < deadline) {
                        n = sendWithRetry(template, n, acknowledged, failedSends, failures, longestSendMillis,
                                producing, deadline);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "fault-producer");
            producer.start();
            Thread.sleep(1500);

            long crashAt = System.nanoTime();
            // SIGQUIT to the postmaster: PostgreSQL's immediate shutdown, i.e. a crash (no checkpoint, sessions cut)
            stopServer(data, "QUIT");
            pg.close(); // releases zonky's lock on the data directory (its own stop fails: the server is gone)
            Thread.sleep(2000);
            pg = start(data, port);
            downMillis = Duration.ofNanos(System.nanoTime() - crashAt).toMillis();

            Thread.sleep(2500);
            producing.set(false);
            producer.join(70_000);

            EmbeddedPostgres server = pg;
            PgmqClient check = new PgmqClient(server.getPostgresDatabase());
            await(Duration.ofSeconds(40), () -> Set.copyOf(processed).containsAll(acknowledged)
                                                && check.metrics(QUEUE).queueLength() == 0,
                    "every acknowledged message processed and the queue drained");
            Thread.sleep(500);
            long ambiguous = Set.copyOf(processed).stream().filter(n -> !acknowledged.contains(n)).count();
            FaultReport r = FaultReport.of("2 PostgreSQL crashed and restarted", acknowledged, processed,
                    "down " + downMillis + " ms, " + failedSends.get() + " sends failed and retried "
                                                 + failures + ", longest send " + longestSendMillis.get() + " ms, "
                                                 + ambiguous
                                                 + " failed sends had committed");
            assertEquals(0, r.lost(), "lost");
            // a send in flight at the crash fails; one that starts while the server is down waits for a connection
            // until it is back (the pool's connection timeout is 30 s), as when the consumers' readers met the dead
            // connections first and the pool dropped them
            assertTrue(failedSends.get() > 0 || longestSendMillis.get() >= 1000,
                    "the producer saw the crash: a send failed or waited for the restart (longest send "
                                                                                 + longestSendMillis.get() + " ms)");
            assertTrue(r.duplicated() <= (long) CONSUMERS * BATCH + ambiguous,
                    "duplicates " + r.duplicated() + " bounded by what was in flight at the crash (" + CONSUMERS * BATCH
                                                                                + ") and ambiguous sends ("
                                                                                + ambiguous + ")");
        } finally {
            producing.set(false);
            ctx.close();
            // zonky stops its server with pg_ctl, which refuses to run as root: stop it ourselves (fast shutdown)
            stopServer(data, "INT");
            pg.close();
            deleteTree(data);
        }
    }

    /**
     * Sends key {@code n} until acknowledged, as a real producer retries; returns the next key. A failed send may
     * still have committed (the connection died after the commit, before the answer): its retry is then a second
     * message with the same key, which the report counts apart ("ambiguous").
     */
    private static long sendWithRetry(ProducerTemplate template, long n, Set<Long> acknowledged, AtomicLong failed,
                                      Map<String, Long> failures, AtomicLong longestMillis, AtomicBoolean producing,
                                      long deadline)
            throws InterruptedException {
        while (producing.get() && System.nanoTime() < deadline) {
            long started = System.nanoTime();
            Exchange done = template.request("pgmq:" + QUEUE, ex -> ex.getMessage().setBody(body(n)));
            longestMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), Math::max);
            if (done.getException() == null) {
                acknowledged.add(n);
                Thread.sleep(3);
                return n + 1;
            }
            failed.incrementAndGet();
            failures.merge(kind(done.getException()), 1L, Long::sum);
            Thread.sleep(50);
        }
        return n + 1;
    }

    private static String body(long n) {
        return "{\"n\": " + n + "}";
    }

    private static String kind(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }

    /** Signals the server's postmaster (its pid is the first line of postmaster.pid) and waits until it exits. */
    private static void stopServer(Path data, String signal) throws Exception {
        Path pidFile = data.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS)) {
            fail("kill -" + signal + " " + pid + " hung");
        }
        Optional<ProcessHandle> postmaster = ProcessHandle.of(pid);
        if (postmaster.isPresent()) {
            postmaster.get().onExit().get(30, TimeUnit.SECONDS);
        }
    }

    private static void await(Duration timeout, java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // the check itself may fail while the server comes back
            }
            Thread.sleep(25);
        }
        fail("Timed out after " + timeout + ": " + what);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
