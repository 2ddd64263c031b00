package io.camelpgmq.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import io.camelpgmq.client.GroupedRead;
import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.client.QueueNames;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConstants;
import io.camelpgmq.component.PgmqConsumer;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The measurements. Each makes its own queue (or table) and drops it afterwards, so one cannot slow the next through
 * a bloated table. Every timed section starts after the setup (fill, Camel context start) and ends when the last
 * message is not only processed but archived or deleted, for camel-pgmq and its baselines alike.
 */
// "try": CamelContext.close() declares Exception (so InterruptedException); the harness lets it propagate
@SuppressWarnings("try")
final class Scenarios {

    /** A small order-like payload of ~100 bytes; {@code seq} lets a latency sample recognise its own message. */
    static final String PAYLOAD = "{\"seq\":%d,\"customer\":\"c-42\",\"items\":[{\"sku\":\"A-1\",\"qty\":2}],"
                                  + "\"total\":19.99}";
    private static final long TIMEOUT_MINUTES = 10;
    /** The component's own notifyCoalesceWindow. */
    static final long DEFAULT_WINDOW = -1;

    private final PgmqTestDatabase db;
    private final PgmqClient client;
    /** The machine's busy cores during the last timed drain ({@link #rawDrain}, {@link #camelDrain}), and the JVM's. */
    private double lastBusyCores = Double.NaN;
    private double lastJvmCores = Double.NaN;
    private double lastJvmServiceCores = Double.NaN;
    private double[] lastServerCores = { Double.NaN, Double.NaN };

    Scenarios(PgmqTestDatabase db) {
        this.db = db;
        this.client = new PgmqClient(db.dataSource());
    }

    String serverVersion() throws SQLException {
        try (Connection c = db.dataSource().getConnection()) {
            return "PostgreSQL " + c.getMetaData().getDatabaseProductVersion();
        }
    }

    /** The settings that move these figures most; zonky's embedded server turns synchronous_commit off. */
    String serverSettings() throws SQLException {
        StringBuilder settings = new StringBuilder();
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            for (String name : List.of("synchronous_commit", "fsync", "shared_buffers", "max_connections")) {
                try (ResultSet rs = st.executeQuery("SHOW " + name)) {
                    rs.next();
                    settings.append(settings.length() == 0 ? "" : ", ").append(name).append('=').append(rs.getString(1));
                }
            }
        }
        return settings.toString();
    }

    // ================================================================ 1. throughput: send -> consume -> archive

    /** A new queue holding {@code n} messages (sent in batches of 1000: the fill is setup, not measured). */
    String filledQueue(String prefix, int n) {
        String q = queue(prefix);
        fill(q, n);
        return q;
    }

    /**
     * A new queue holding {@code n} messages spread round-robin over {@code groups} FIFO groups (header
     * x-pgmq-group), so every group's messages are interleaved with the others', as they arrive in real traffic.
     */
    String groupedQueue(String prefix, int n, int groups) {
        return queueOfGroups(prefix, n, seq -> "g" + seq % groups);
    }

    /**
     * A new queue holding {@code n} messages, every other one in one busy group ("hot"), the rest spread round-robin
     * over {@code otherGroups} more: a large tenant among small ones.
     */
    String hotGroupQueue(String prefix, int n, int otherGroups) {
        return queueOfGroups(prefix, n, seq -> seq % 2 == 0 ? "hot" : "g" + seq / 2 % otherGroups);
    }

    /** A new queue holding {@code n} messages, the {@code seq}-th in FIFO group {@code groupOf(seq)}. */
    private String queueOfGroups(String prefix, int n, IntFunction<String> groupOf) {
        String q = queue(prefix);
        for (int i = 0; i < n; i += 1000) {
            List<Integer> seqs = IntStream.range(i, Math.min(n, i + 1000)).boxed().toList();
            client.sendBatch(q, seqs.stream().map(PAYLOAD::formatted).toList(),
                    seqs.stream().map(seq -> "{\"x-pgmq-group\":\"" + groupOf.apply(seq) + "\"}").toList(), 0);
        }
        return q;
    }

    /**
     * One thread loops {@code readGrouped(q, 30, batch)} (or plain {@code read} when {@code grouped} is false) +
     * {@code archive(ids)} until the queue is empty; returns messages per second.
     */
    double clientDrain(String q, int n, int batch, boolean grouped) {
        long t0 = System.nanoTime();
        List<PgmqMessage> msgs;
        while (!(msgs = grouped ? client.readGrouped(q, 30, batch) : client.read(q, 30, batch)).isEmpty()) {
            client.archive(q, msgs.stream().map(PgmqMessage::msgId).toList());
        }
        double rate = n / seconds(t0);
        checkArchived(q, n);
        return rate;
    }

    /**
     * One thread loops the consumer's own grouped read ({@code PgmqClient.readWithNextVisible(FILL, q, 30, batch)}) +
     * {@code archive(ids)} for the first {@code count} messages of the queue; returns messages per second.
     */
    double consumerGroupedReads(String q, int count, int batch) {
        long t0 = System.nanoTime();
        int done = 0;
        while (done < count) {
            List<PgmqMessage> msgs = client.readWithNextVisible(GroupedRead.FILL, q, 30, batch).messages();
            if (msgs.isEmpty()) {
                throw new IllegalStateException("queue " + q + " ran dry after " + done + " messages");
            }
            client.archive(q, msgs.stream().map(PgmqMessage::msgId).toList());
            done += msgs.size();
        }
        return done / seconds(t0);
    }

    /**
     * Takes the head of the queue's oldest group for ten minutes, as a reader whose route is slow (or whose message
     * waits for a retry) holds it: the rest of its group waits behind it.
     */
    void holdOldestGroup(String q) {
        if (client.readWithNextVisible(GroupedRead.FILL, q, 600, 1).messages().size() != 1) {
            throw new IllegalStateException("queue " + q + " has no group to hold");
        }
    }

    /** Adds the consumer's group index, as a grouped consumer with autoCreateQueue=true does. */
    void groupIndex(String q) {
        client.createGroupIndex(q);
    }

    /**
     * The ceiling: {@code threads} threads each loop {@code read(batch)} + {@code archive(ids)} through the plain
     * JDBC client until the queue is empty. Nothing a consumer could do on top of these two statements is cheaper.
     */
    double rawDrain(String q, int n, int threads, int batch) throws Exception {
        return rawLoop(q, n, threads, batch, () -> {
        });
    }

    /**
     * {@code threads} threads wait, then loop {@code read(batch)} + {@code archive(ids)} until the queue is empty;
     * timed from just before {@code release} (which runs before the threads go) to the last archive.
     */
    private double rawLoop(String q, int n, int threads, int batch, Runnable release) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            futures.add(pool.submit(() -> {
                go.await();
                List<PgmqMessage> msgs;
                // a message read stays invisible for 30 s, so an empty read means the queue is done
                while (!(msgs = client.read(q, 30, batch)).isEmpty()) {
                    client.archive(q, msgs.stream().map(PgmqMessage::msgId).toList());
                }
                return null;
            }));
        }
        MachineCpu.Sample cpu = MachineCpu.now();
        long t0 = System.nanoTime(); // the threads exist already: only the work is timed
        release.run();
        go.countDown();
        for (Future<?> f : futures) {
            f.get(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        }
        double rate = n / seconds(t0);
        cpuSince(cpu);
        pool.shutdown();
        checkArchived(q, n);
        return rate;
    }

    /**
     * The same work through a camel-pgmq route. The context is started first with the route stopped, so the timing
     * covers the consumer's own start (threads, LISTEN registration) but not Camel's boot.
     */
    double camelDrain(String q, int n, int consumers, int batch) throws Exception {
        return camelDrain(q, n, consumers, batch, "plain", 0);
    }

    /** {@link #camelDrain(String, int, int, int)} with the consumer's {@code readMode}. */
    double camelDrain(String q, int n, int consumers, int batch, String readMode) throws Exception {
        return camelDrain(q, n, consumers, batch, readMode, 0);
    }

    /** {@link #camelDrain}, with archive retention ({@code archiveRetention}, pruned every 200 ms) when not 0. */
    double camelDrain(String q, int n, int consumers, int batch, long retentionMillis) throws Exception {
        return camelDrain(q, n, consumers, batch, "plain", retentionMillis);
    }

    /**
     * {@link #camelDrain(String, int, int, int, String)} with a route that waits {@code workMillis} per message
     * without using the CPU (a call to another service): what more readers are for.
     */
    double camelDrainWithWork(String q, int n, int consumers, int batch, String readMode, long workMillis)
            throws Exception {
        return camelDrain(q, n, consumers, batch, readMode, 0, workMillis);
    }

    private double camelDrain(String q, int n, int consumers, int batch, String readMode, long retentionMillis)
            throws Exception {
        return camelDrain(q, n, consumers, batch, readMode, retentionMillis, 0);
    }

    private double camelDrain(String q, int n, int consumers, int batch, String readMode, long retentionMillis,
                              long workMillis) throws Exception {
        return drainIn(context(), q, n, consumers, batch, readMode, retentionMillis, workMillis, () -> {
        });
    }

    /**
     * How many of the machine's cores were busy, on average, during the last timed drain of {@link #rawDrain} or a
     * camel-pgmq drain of this class (NaN where the machine does not say).
     */
    double lastBusyCores() {
        return lastBusyCores;
    }

    /** The harness JVM's share of {@link #lastBusyCores} (the consumer's or the raw loop's threads, and the harness's). */
    double lastJvmCores() {
        return lastJvmCores;
    }

    /** The part of {@link #lastJvmCores} the JVM's JIT compilers, garbage collector and VM thread took. */
    double lastJvmServiceCores() {
        return lastJvmServiceCores;
    }

    /** PostgreSQL's share of {@link #lastBusyCores}: {its client backends, its other processes}. */
    double[] lastServerCores() {
        return lastServerCores;
    }

    private void cpuSince(MachineCpu.Sample start) {
        MachineCpu.Sample end = MachineCpu.now();
        lastBusyCores = MachineCpu.busyCores(start, end);
        lastJvmCores = MachineCpu.jvmCores(start, end);
        lastJvmServiceCores = MachineCpu.jvmServiceCores(start, end);
        lastServerCores = MachineCpu.serverCores(start, end);
    }

    /** The database's own JDBC URL (no pooler between). */
    String directUrl() {
        return db.jdbcUrl();
    }

    /**
     * {@link #camelDrain(String, int, int, int, String)} with the component's own pool from {@code url} (pgjdbc's
     * defaults, HikariCP) instead of the harness's DataSource, and LISTEN on a direct connection, as README sets it
     * up behind a pooler. {@code sessionPreparedReads}: the component's option, which acts only behind a transaction
     * pooler. {@code pooled}: whether {@code url} goes through one, which the component must have found.
     */
    double camelDrainFromUrl(String url, boolean pooled, boolean sessionPreparedReads, String q, int n, int consumers,
                             int batch, String readMode) throws Exception {
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setUrl(url);
        pgmq.setUsername(db.username());
        pgmq.setPassword(db.password());
        pgmq.setListenerUrl(db.jdbcUrl());
        pgmq.setSessionPreparedReads(sessionPreparedReads);
        ctx.addComponent("pgmq", pgmq);
        return drainIn(ctx, q, n, consumers, batch, readMode, 0, 0, () -> {
            if (pgmq.isTransactionPooled() != pooled) {
                throw new IllegalStateException("the component " + (pooled ? "did not find" : "found")
                                                + " a transaction pooler at " + url);
            }
        });
    }

    /** Drains {@code q} in {@code context} (closed after); {@code started} checks the context once it started. */
    private double drainIn(CamelContext context, String q, int n, int consumers, int batch, String readMode,
                           long retentionMillis, long workMillis, Runnable started) throws Exception {
        CountDownLatch processed = new CountDownLatch(n);
        try (CamelContext ctx = context) {
            ctx.getComponent("pgmq", PgmqComponent.class).setArchivePruneInterval(200);
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?concurrentConsumers=" + consumers + "&maxConcurrentConsumers=" + consumers
                         + "&maxMessagesPerPoll=" + batch + "&pollInterval=1000&readMode=" + readMode
                         + (retentionMillis > 0 ? "&archiveRetention=" + retentionMillis : ""))
                            .routeId("drain").autoStartup(false)
                            .process(e -> {
                                if (workMillis > 0) {
                                    Thread.sleep(workMillis);
                                }
                                processed.countDown();
                            });
                }
            });
            ctx.start();
            started.run();
            MachineCpu.Sample cpu = MachineCpu.now();
            long t0 = System.nanoTime();
            ctx.getRouteController().startRoute("drain");
            await(processed);
            // the route counted the last message before its archive statement: wait for that too
            awaitCompleted(ctx, "drain");
            double rate = n / seconds(t0);
            cpuSince(cpu);
            awaitNoRows("pgmq." + QueueNames.queueTable(q), null);
            checkArchived(q, n);
            return rate;
        }
    }

    /**
     * A new queue holding {@code n} messages that nobody can read yet (sent with a delay of an hour), for
     * {@link #reveal}.
     */
    String hiddenQueue(String prefix, int n) {
        String q = queue(prefix);
        sendHidden(q, n);
        return q;
    }

    /** Sends {@code n} messages that stay invisible for an hour (until {@link #reveal}). */
    private void sendHidden(String q, int n) {
        for (int i = 0; i < n; i += 1000) {
            int from = i;
            client.sendBatch(q, IntStream.range(from, Math.min(n, from + 1000)).mapToObj(PAYLOAD::formatted).toList(),
                    null, 3600);
        }
    }

    /** Makes every message of the queue visible in one commit that also NOTIFYs its channel, as a producer's would. */
    private void reveal(String q) {
        db.execute("WITH revealed AS (UPDATE pgmq.\"" + QueueNames.queueTable(q) + "\" SET vt = clock_timestamp()"
                   + " RETURNING 1) SELECT pg_notify('" + QueueNames.insertChannel(q) + "', '')"
                   + " FROM (SELECT count(*) FROM revealed) r");
    }

    /**
     * Warm steady state, the raw side: {@code threads} threads wait; a backlog of {@code n} is made visible in one
     * commit and they loop {@code read(batch)} + {@code archive(ids)} until the queue is empty. Timed from the commit
     * to the last archive.
     */
    double rawWarmDrain(int n, int threads, int batch) throws Exception {
        String q = hiddenQueue("warm_raw", n);
        try {
            return rawLoop(q, n, threads, batch, () -> reveal(q));
        } finally {
            drop(q);
        }
    }

    /**
     * Warm steady state through camel-pgmq: the consumer is running, idle and listening (a first message proved it);
     * a backlog of {@code n} is made visible in one commit with a NOTIFY. Timed from the commit to the last archive.
     */
    double camelWarmDrain(int n, int consumers, int batch) throws Exception {
        String q = hiddenQueue("warm_camel", n);
        CountDownLatch processed = new CountDownLatch(n + 1);
        try (CamelContext ctx = context()) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?concurrentConsumers=" + consumers + "&maxConcurrentConsumers=" + consumers
                         + "&maxMessagesPerPoll=" + batch + "&pollInterval=60000")
                            .routeId("drain").process(e -> processed.countDown());
                }
            });
            ctx.start();
            ctx.createProducerTemplate().sendBody("pgmq:" + q, "{\"ready\":true}");
            long ready = System.nanoTime();
            while (processed.getCount() > n && System.nanoTime() - ready < TimeUnit.SECONDS.toNanos(30)) {
                Thread.sleep(5);
            }
            awaitNoRows("pgmq." + QueueNames.queueTable(q), "vt < now()");
            long t0 = System.nanoTime();
            reveal(q);
            await(processed);
            awaitCompleted(ctx, "drain");
            double rate = n / seconds(t0);
            awaitNoRows("pgmq." + QueueNames.queueTable(q), null);
            checkArchived(q, n + 1);
            return rate;
        } finally {
            drop(q);
        }
    }

    /**
     * The drains of {@link #freshJvmDrains}: rates in msg/s, and the milliseconds the consumer JVM's JIT compilers
     * spent from the end of the previous drain (the first: from READY) to the end of each, and how long after the
     * backlog's commit returned each drain's route took its first message; and, over each drain (from the commit to the
     * consumer's report that it completed the last message), how many of the machine's cores were busy, and the CPU
     * seconds of the consumer JVM and of its JIT compiler threads (NaN where the machine does not say).
     */
    record FreshDrains(List<Double> rates, List<Long> compileMillis, List<Double> firstMessageMillis,
                       List<Double> busyCores, List<Double> jvmSeconds, List<Double> compilerSeconds) {
    }

    /**
     * An application's first drain in a fresh JVM against its later ones. A new JVM ({@link FreshJvmConsumer}: the
     * component given a URL, so its own pool, as an application starts) runs a consumer on each of {@code warm + 1}
     * queues, each holding a backlog of {@code n} sent with a delay, and proves each listens with one message. Then
     * each backlog in turn is made visible in one commit with a NOTIFY, as in the warm drain, and timed from that
     * commit until its route has processed the last message and the queue is empty. A queue of its own for each drain:
     * a drained queue's dead rows would slow the next drain's reads.
     *
     * @return each drain's rate and the consumer JVM's JIT compile time during it, the first drain's first
     */
    FreshDrains freshJvmDrains(int n, int consumers, int batch, int warm) throws Exception {
        List<String> queues = new ArrayList<>();
        for (int i = 0; i <= warm; i++) {
            queues.add(hiddenQueue("fresh", n));
        }
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx1g", "-Dlog4j2.configurationFile=log4j2-bench.properties",
                "-cp", System.getProperty("java.class.path"), FreshJvmConsumer.class.getName(),
                String.valueOf(consumers), String.valueOf(batch), String.valueOf(n)));
        // extra JVM arguments for the consumer's JVM (a JIT log, a recording), before its main class
        String extra = System.getenv("BENCH_CONSUMER_JVM_ARGS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(1, List.of(extra.trim().split("\\s+")));
        }
        command.addAll(queues);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put(FreshJvmConsumer.URL_ENV, db.jdbcUrl());
        Process consumer = builder.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(consumer.getInputStream(),
                StandardCharsets.UTF_8))) {
            long compiled = Long.parseLong(awaitLine(out, FreshJvmConsumer.READY, consumer));
            List<Double> rates = new ArrayList<>();
            List<Long> compileMillis = new ArrayList<>();
            List<Double> firstMessageMillis = new ArrayList<>();
            List<Double> busyCores = new ArrayList<>();
            List<Double> jvmSeconds = new ArrayList<>();
            List<Double> compilerSeconds = new ArrayList<>();
            for (String q : queues) {
                String table = "pgmq." + QueueNames.queueTable(q);
                awaitNoRows(table, "vt < now()");
                MachineCpu.Sample cpu = MachineCpu.now();
                long jvmTicks = MachineCpu.processTicks(consumer.pid());
                long compilerTicks = MachineCpu.compilerTicks(consumer.pid());
                long t0 = System.nanoTime();
                reveal(q);
                long committed = micros(Instant.now());
                long first = Long.parseLong(awaitLine(out, FreshJvmConsumer.FIRST, consumer));
                firstMessageMillis.add((first - committed) / 1000.0);
                long compiledAfter = Long.parseLong(awaitLine(out, FreshJvmConsumer.DRAINED, consumer));
                rates.add(n / seconds(t0));
                busyCores.add(MachineCpu.busyCores(cpu, MachineCpu.now()));
                jvmSeconds.add(ticksSince(jvmTicks, MachineCpu.processTicks(consumer.pid())));
                compilerSeconds.add(ticksSince(compilerTicks, MachineCpu.compilerTicks(consumer.pid())));
                awaitNoRows(table, null);
                compileMillis.add(compiledAfter - compiled);
                compiled = compiledAfter;
                checkArchived(q, n + 1);
            }
            return new FreshDrains(rates, compileMillis, firstMessageMillis, busyCores, jvmSeconds, compilerSeconds);
        } finally {
            consumer.getOutputStream().close();
            if (!consumer.waitFor(60, TimeUnit.SECONDS)) {
                consumer.destroyForcibly();
            }
            queues.forEach(this::drop);
        }
    }

    /** The CPU seconds between two tick counts of {@link MachineCpu}, NaN where either is unknown. */
    private static double ticksSince(long before, long after) {
        return before < 0 || after < 0 ? Double.NaN : MachineCpu.seconds(after - before);
    }

    /**
     * A new queue of {@code n} messages whose archive holds {@code old} rows archived two hours ago: what archive
     * retention finds to prune on its first round (inserted directly, with negative ids that no send will take).
     */
    String filledQueueWithOldArchive(String prefix, int n, int old) {
        String q = filledQueue(prefix, n);
        db.execute("INSERT INTO pgmq." + QueueNames.archiveTable(q) + " (msg_id, read_ct, enqueued_at, archived_at,"
                   + " vt, message) SELECT -g, 1, now() - interval '3 hours', now() - interval '2 hours', now(), '"
                   + PAYLOAD.formatted(0) + "'::jsonb FROM generate_series(1, " + old + ") g");
        db.execute("ANALYZE pgmq." + QueueNames.archiveTable(q));
        return q;
    }

    /** Rows of the queue's archive archived more than an hour ago. */
    long oldArchived(String q) {
        return db.queryLong("SELECT count(*) FROM pgmq." + QueueNames.archiveTable(q)
                            + " WHERE archived_at < now() - interval '1 hour'");
    }

    /**
     * A drain whose route inserts a row per message; with {@code transacted} the consumer's transaction
     * (transacted=true) holds the insert and the archive.
     */
    double camelDrainWithInsert(String q, int n, int consumers, int batch, boolean transacted) throws Exception {
        String table = "bench_rows_" + q;
        db.execute("CREATE TABLE " + table + " (msg_id bigint NOT NULL)");
        org.springframework.jdbc.core.JdbcTemplate jdbc = new org.springframework.jdbc.core.JdbcTemplate(
                db.dataSource());
        CountDownLatch processed = new CountDownLatch(n);
        try (CamelContext ctx = context()) {
            ctx.getRegistry().bind("txManager",
                    new org.springframework.jdbc.datasource.DataSourceTransactionManager(db.dataSource()));
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?concurrentConsumers=" + consumers + "&maxConcurrentConsumers=" + consumers
                         + "&maxMessagesPerPoll=" + batch + "&pollInterval=1000&transacted=" + transacted)
                            .routeId("drain").autoStartup(false)
                            .process(e -> {
                                jdbc.update("INSERT INTO " + table + " VALUES (?)",
                                        e.getMessage().getHeader("CamelPgmqMsgId", Long.class));
                                processed.countDown();
                            });
                }
            });
            ctx.start();
            long t0 = System.nanoTime();
            ctx.getRouteController().startRoute("drain");
            await(processed);
            awaitCompleted(ctx, "drain");
            double rate = n / seconds(t0);
            awaitNoRows("pgmq." + QueueNames.queueTable(q), null);
            checkArchived(q, n);
            if (db.queryLong("SELECT count(*) FROM " + table) != n) {
                throw new IllegalStateException(table + ": not one row per message");
            }
            return rate;
        } finally {
            db.execute("DROP TABLE " + table);
        }
    }

    void drop(String q) {
        client.dropQueue(q);
    }

    // ================================================================ 2. producer

    /** Baseline: the plain JDBC client's {@code pgmq.send}, one message per transaction, no NOTIFY. */
    double rawSend(int n, int threads) throws Exception {
        String q = queue("rawsend");
        try {
            return parallel(n, threads, i -> client.send(q, PAYLOAD.formatted(i)));
        } finally {
            client.dropQueue(q);
        }
    }

    /**
     * {@code n} messages through the camel-pgmq producer from {@code threads} threads; {@code batch} 1 is
     * {@code operation=send} (one message per transaction), more is {@code operation=sendBatch} (one statement, one
     * transaction and, with notify, one NOTIFY per batch).
     */
    double camelSend(int n, int threads, int batch, boolean notify) throws Exception {
        return camelSend(n, threads, batch, notify, DEFAULT_WINDOW);
    }

    /** The same with the component's {@code notifyCoalesceWindow} set to {@code window} ms (0: off). */
    double camelSend(int n, int threads, int batch, boolean notify, long window) throws Exception {
        String q = queue("send");
        try (CamelContext ctx = context(window)) {
            ctx.start();
            ProducerTemplate template = ctx.createProducerTemplate();
            Endpoint endpoint = ctx.getEndpoint("pgmq:" + q + "?notify=" + notify
                                                + (batch > 1 ? "&operation=sendBatch" : ""));
            template.sendBody(endpoint, batch > 1 ? List.of(PAYLOAD.formatted(-1)) : PAYLOAD.formatted(-1)); // warm
            return batch * parallel(n / batch, threads, i -> template.sendBody(endpoint, batch == 1
                    ? PAYLOAD.formatted(i)
                    : IntStream.range(i * batch, (i + 1) * batch).mapToObj(PAYLOAD::formatted).toList()));
        } finally {
            client.dropQueue(q);
        }
    }

    /**
     * NOTIFYs per 100 sends: {@code n} sends through the camel-pgmq producer from {@code threads} threads with the
     * component's {@code notifyCoalesceWindow} at {@code window} ms, while a bare LISTEN connection counts the
     * notifications (untimed: the listener's own cost must not weigh on the timed rows).
     */
    double notificationsPer100Sends(int n, int threads, long window) throws Exception {
        String q = queue("notifycount");
        try (CamelContext ctx = context(window); NotificationCounter counter = new NotificationCounter(q)) {
            ctx.start();
            ProducerTemplate template = ctx.createProducerTemplate();
            Endpoint endpoint = ctx.getEndpoint("pgmq:" + q);
            long c0 = counter.count();
            parallel(n, threads, i -> template.sendBody(endpoint, PAYLOAD.formatted(i)));
            return 100.0 * (counter.count() - c0) / n;
        } finally {
            client.dropQueue(q);
        }
    }

    // ================================================================ 3. the baseline users have today: camel-sql

    /**
     * camel-sql's polling consumer over a plain table, {@code maxMessagesPerPoll=batch}, polling again at once while
     * it finds rows ({@code greedy=true}, {@code delay=1}: its best case), and marking each row done with
     * {@code onConsume}: {@code delete} the row, or {@code update} a processed flag (a partial index keeps the
     * unprocessed rows cheap to find).
     */
    double sqlDrain(int n, int batch, boolean deleteRows) throws Exception {
        String table = "bench_sql_" + Long.toString(System.nanoTime(), 36);
        db.execute("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, payload jsonb NOT NULL,"
                   + " processed boolean NOT NULL DEFAULT false)");
        if (!deleteRows) {
            db.execute("CREATE INDEX ON " + table + " (id) WHERE NOT processed");
        }
        db.execute("INSERT INTO " + table + " (payload) SELECT format('" + PAYLOAD.replace("%d", "%s") + "', g)::jsonb"
                   + " FROM generate_series(1, " + n + ") g");
        db.execute("ANALYZE " + table);
        String onConsume = deleteRows
                ? "delete from " + table + " where id = :#id"
                : "update " + table + " set processed = true where id = :#id";
        CountDownLatch processed = new CountDownLatch(n);
        try (CamelContext ctx = context()) {
            ctx.getRegistry().bind("benchDs", db.dataSource());
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("sql:select id, payload from " + table + " where not processed order by id limit " + batch
                         + "?dataSource=#benchDs&onConsume=" + onConsume + "&maxMessagesPerPoll=" + batch
                         + "&initialDelay=0&delay=1&greedy=true")
                            .routeId("sql").autoStartup(false)
                            .process(e -> processed.countDown());
                }
            });
            ctx.start();
            long t0 = System.nanoTime();
            ctx.getRouteController().startRoute("sql");
            await(processed);
            // like camel-pgmq's archive, the last row's onConsume runs after the route: wait for it
            awaitNoRows(table, "not processed");
            return n / seconds(t0);
        } finally {
            db.execute("DROP TABLE " + table);
        }
    }

    // ================================================================ 4. wake-up latency

    /** Latency samples in ms (send call returned -> route's first processor) and the send calls' own durations. */
    record Latency(List<Double> millis, List<Double> sendCallMillis, int lost) {
    }

    /**
     * One message at a time into an idle queue: send (autocommit; the call returns after the commit), take
     * {@code System.nanoTime()} as soon as the call returns, and again in the route's first processor (same JVM, same
     * clock). Then wait until it was processed, pause, and send the next. {@code maxGapMillis} above a few ms
     * randomises the pause (fixed seed) so that the sends fall at every phase of a poll timer, as real traffic does.
     */
    Latency pgmqLatency(int samples, boolean listen, long pollInterval, long minGapMillis, long maxGapMillis)
            throws Exception {
        String q = queue("latency");
        BlockingQueue<long[]> arrivals = new LinkedBlockingQueue<>();
        try (CamelContext ctx = context()) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?listen=" + listen + "&pollInterval=" + pollInterval)
                            .process(e -> arrivals.add(new long[] { seq(e.getMessage().getBody(String.class)),
                                    System.nanoTime() }));
                }
            });
            ctx.start();
            ProducerTemplate template = ctx.createProducerTemplate();
            // a poll-only consumer has nobody to notify: its producer does not NOTIFY either
            Endpoint endpoint = ctx.getEndpoint("pgmq:" + q + "?notify=" + listen);
            Thread.sleep(500); // the listener has LISTENed, the consumer's first (empty) read is done
            return measureLatency(samples, pollInterval, minGapMillis, maxGapMillis, arrivals,
                    i -> template.sendBody(endpoint, PAYLOAD.formatted(i)));
        } finally {
            client.dropQueue(q);
        }
    }

    /**
     * The same with camel-sql's polling consumer at its default delay (500 ms) over a plain table; the sender is an
     * autocommit INSERT.
     */
    Latency sqlLatency(int samples, long minGapMillis, long maxGapMillis) throws Exception {
        String table = "bench_sqllat_" + Long.toString(System.nanoTime(), 36);
        db.execute("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, seq int NOT NULL, payload jsonb NOT NULL)");
        BlockingQueue<long[]> arrivals = new LinkedBlockingQueue<>();
        try (CamelContext ctx = context()) {
            ctx.getRegistry().bind("benchDs", db.dataSource());
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("sql:select id, seq, payload from " + table + " order by id?dataSource=#benchDs"
                         + "&onConsume=delete from " + table + " where id = :#id")
                            .process(e -> arrivals.add(new long[] {
                                    ((Number) e.getMessage().getBody(Map.class).get("seq")).longValue(),
                                    System.nanoTime() }));
                }
            });
            ctx.start();
            Thread.sleep(1500); // past camel-sql's default initialDelay of 1 s
            return measureLatency(samples, 500, minGapMillis, maxGapMillis, arrivals,
                    i -> db.execute("INSERT INTO " + table + " (seq, payload) VALUES (" + i + ", '"
                                    + PAYLOAD.formatted(i) + "')"));
        } finally {
            db.execute("DROP TABLE " + table);
        }
    }

    private static Latency measureLatency(int samples, long pollInterval, long minGapMillis, long maxGapMillis,
                                          BlockingQueue<long[]> arrivals, Task send) throws Exception {
        Random random = new Random(42);
        List<Double> millis = new ArrayList<>();
        List<Double> calls = new ArrayList<>();
        int lost = 0;
        int warmup = Math.min(20, samples / 10); // JIT and pooled connections warm; not recorded
        for (int i = -warmup; i < samples; i++) {
            long before = System.nanoTime();
            send.run(i);
            long returned = System.nanoTime();
            long arrived = awaitArrival(arrivals, i, TimeUnit.MILLISECONDS.toNanos(pollInterval) + 10_000_000_000L);
            if (i >= 0) {
                if (arrived == 0) {
                    lost++;
                } else {
                    // may be slightly negative: the commit is inside the call, and the wake-up can beat its return
                    millis.add((arrived - returned) / 1e6);
                    calls.add((returned - before) / 1e6);
                }
            }
            long gap = minGapMillis + (maxGapMillis > minGapMillis ? random.nextLong(maxGapMillis - minGapMillis) : 0);
            Thread.sleep(gap);
        }
        return new Latency(millis, calls, lost);
    }

    /** Blocks (no spinning: two cores are shared with PostgreSQL) until message {@code seq} arrives; 0 on timeout. */
    private static long awaitArrival(BlockingQueue<long[]> arrivals, long seq, long timeoutNanos)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            long left = deadline - System.nanoTime();
            long[] a = left <= 0 ? null : arrivals.poll(left, TimeUnit.NANOSECONDS);
            if (a == null) {
                return 0;
            }
            if (a[0] == seq) {
                return a[1];
            } // else a late arrival of an earlier sample that timed out: skip it
        }
    }

    private static long seq(String json) {
        int start = json.indexOf(':') + 1;
        return Long.parseLong(json.substring(start, json.indexOf(',', start)).trim());
    }

    // ================================================================ 4b. pickup: every way a message becomes readable

    /** Pickup samples of camel-pgmq and of the raw pgjdbc floor, taken alternately in the same run. */
    record Pickup(Latency camel, Latency floor) {
    }

    /**
     * One message at a time into an idle queue, camel-pgmq (a route with default options, the producer with the
     * component's default coalescing) against the floor: a bare pgjdbc connection LISTENing on another queue's
     * channel that reads that queue as soon as {@code getNotifications} returns, its sender {@code PgmqClient.send}
     * with {@code pg_notify} in the same statement. Samples alternate between the two; pickup is from the send
     * call's return (its commit) to the route's first processor, or to the floor's read returning.
     */
    Pickup pickupVersusFloor(int samples, long minGapMillis, long maxGapMillis) throws Exception {
        String q = queue("pickup");
        String fq = queue("floor");
        BlockingQueue<long[]> arrivals = new LinkedBlockingQueue<>();
        BlockingQueue<long[]> floorArrivals = new LinkedBlockingQueue<>();
        try (CamelContext ctx = context(); RawListenReader floor = new RawListenReader(fq, floorArrivals)) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q).process(e -> arrivals.add(new long[] {
                            seq(e.getMessage().getBody(String.class)), System.nanoTime() }));
                }
            });
            ctx.start();
            ProducerTemplate template = ctx.createProducerTemplate();
            Endpoint endpoint = ctx.getEndpoint("pgmq:" + q);
            String floorChannel = QueueNames.insertChannel(fq);
            Thread.sleep(500); // both have LISTENed, the consumer's first (empty) read is done
            Random random = new Random(7);
            List<Double> camel = new ArrayList<>();
            List<Double> camelCalls = new ArrayList<>();
            List<Double> raw = new ArrayList<>();
            List<Double> rawCalls = new ArrayList<>();
            int lost = 0;
            int floorLost = 0;
            for (int i = -20; i < samples; i++) {
                int seq = i;
                for (int k = 0; k < 2; k++) {
                    // alternate who goes first
                    boolean floorTurn = (i + k) % 2 == 0;
                    long before = System.nanoTime();
                    if (floorTurn) {
                        client.send(fq, PAYLOAD.formatted(seq), null, 0, floorChannel);
                    } else {
                        template.sendBody(endpoint, PAYLOAD.formatted(seq));
                    }
                    long returned = System.nanoTime();
                    long arrived = awaitArrival(floorTurn ? floorArrivals : arrivals, seq,
                            TimeUnit.SECONDS.toNanos(40));
                    if (i >= 0) {
                        if (arrived == 0) {
                            if (floorTurn) {
                                floorLost++;
                            } else {
                                lost++;
                            }
                        } else {
                            (floorTurn ? raw : camel).add((arrived - returned) / 1e6);
                            (floorTurn ? rawCalls : camelCalls).add((returned - before) / 1e6);
                        }
                    }
                    Thread.sleep(minGapMillis + (maxGapMillis > minGapMillis
                            ? random.nextLong(maxGapMillis - minGapMillis) : 0));
                }
            }
            return new Pickup(new Latency(camel, camelCalls, lost), new Latency(raw, rawCalls, floorLost));
        } finally {
            client.dropQueue(q);
            client.dropQueue(fq);
        }
    }

    /**
     * The floor's reader: one pgjdbc connection LISTENing on the queue's channel; whenever {@code getNotifications}
     * returns notifications it reads the queue (batch 10, again while full), takes the time, then archives.
     */
    private final class RawListenReader implements AutoCloseable {
        private final Connection connection;
        private final Thread thread;
        private volatile boolean running = true;

        RawListenReader(String q, BlockingQueue<long[]> arrivals) throws SQLException {
            connection = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
            try (Statement st = connection.createStatement()) {
                st.execute("LISTEN \"" + QueueNames.insertChannel(q) + "\"");
            }
            PGConnection pg = connection.unwrap(PGConnection.class);
            thread = new Thread(() -> {
                try {
                    while (running) {
                        PGNotification[] got = pg.getNotifications(100);
                        if (got == null || got.length == 0) {
                            continue;
                        }
                        List<PgmqMessage> msgs;
                        do {
                            msgs = client.read(q, 30, 10);
                            long t = System.nanoTime();
                            for (PgmqMessage m : msgs) {
                                arrivals.add(new long[] { seq(m.message()), t });
                            }
                            if (!msgs.isEmpty()) {
                                client.archive(q, msgs.stream().map(PgmqMessage::msgId).toList());
                            }
                        } while (msgs.size() == 10);
                    }
                } catch (SQLException e) {
                    if (running) {
                        throw new IllegalStateException("the floor's LISTEN connection failed", e);
                    }
                }
            }, "bench-raw-listen");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws Exception {
            running = false;
            thread.join(2_000);
            connection.close();
        }
    }

    /** A sustained rate's pickup and the notifications the producers sent meanwhile. */
    record Sustained(Latency latency, double achievedRate, double notificationsPerSecond) {
    }

    /** A consumer of {@code q} that records when each message (by its sequence number) reached the route. */
    private static RouteBuilder arrivals(String q, long pollInterval, long[] arrived, CountDownLatch all) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?pollInterval=" + pollInterval).process(e -> {
                    arrived[(int) seq(e.getMessage().getBody(String.class))] = System.nanoTime();
                    all.countDown();
                });
            }
        };
    }

    /**
     * {@code rate} msg/s for {@code seconds} from 4 producer threads (each paced at rate/4 on its own schedule) into
     * a queue with one camel-pgmq consumer (default options but {@code pollInterval}); the component coalesces
     * with {@code window} ms (0: off). Pickup per message from its send call's return to the route's first processor. A bare LISTEN connection
     * counts the notifications.
     */
    Sustained sustained(int rate, double seconds, long window, long pollInterval) throws Exception {
        String q = queue("sustained");
        int n = (int) (rate * seconds);
        long[] returned = new long[n];
        long[] arrived = new long[n];
        CountDownLatch all = new CountDownLatch(n);
        try (CamelContext ctx = context(window); NotificationCounter counter = new NotificationCounter(q)) {
            ctx.addRoutes(arrivals(q, pollInterval, arrived, all));
            ctx.start();
            ProducerTemplate template = ctx.createProducerTemplate();
            Endpoint endpoint = ctx.getEndpoint("pgmq:" + q);
            Thread.sleep(500);
            long period = 1_000_000_000L / rate;
            long t0 = System.nanoTime() + 10_000_000L;
            long c0 = counter.count();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                futures.add(pool.submit(() -> {
                    for (int i = first; i < n; i += 4) {
                        long wait = t0 + i * period - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        template.sendBody(endpoint, PAYLOAD.formatted(i));
                        returned[i] = System.nanoTime();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(TIMEOUT_MINUTES, TimeUnit.MINUTES);
            }
            double sendSeconds = seconds(t0);
            pool.shutdown();
            long notifications = counter.count() - c0;
            all.await(pollInterval + 30_000, TimeUnit.MILLISECONDS);
            List<Double> millis = new ArrayList<>();
            int lost = 0;
            for (int i = 0; i < n; i++) {
                if (arrived[i] == 0) {
                    lost++;
                } else {
                    millis.add((arrived[i] - returned[i]) / 1e6);
                }
            }
            return new Sustained(new Latency(millis, List.of(), lost), n / sendSeconds, notifications / sendSeconds);
        } finally {
            client.dropQueue(q);
        }
    }

    /** Counts the notifications on a queue's channel on a bare pgjdbc connection. */
    private final class NotificationCounter implements AutoCloseable {
        private final Connection connection;
        private final Thread thread;
        private final AtomicLong count = new AtomicLong();
        private volatile boolean running = true;

        NotificationCounter(String q) throws SQLException {
            connection = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
            try (Statement st = connection.createStatement()) {
                st.execute("LISTEN \"" + QueueNames.insertChannel(q) + "\"");
            }
            PGConnection pg = connection.unwrap(PGConnection.class);
            thread = new Thread(() -> {
                try {
                    while (running) {
                        PGNotification[] got = pg.getNotifications(100);
                        if (got != null) {
                            count.addAndGet(got.length);
                        }
                    }
                } catch (SQLException e) {
                    if (running) {
                        throw new IllegalStateException("the counter's LISTEN connection failed", e);
                    }
                }
            }, "bench-notify-counter");
            thread.setDaemon(true);
            thread.start();
        }

        long count() throws InterruptedException {
            Thread.sleep(150); // what was committed has been delivered to this connection and counted
            return count.get();
        }

        @Override
        public void close() throws Exception {
            running = false;
            thread.join(2_000);
            connection.close();
        }
    }

    /**
     * Messages sent with {@code CamelPgmqDelay} = {@code delaySeconds}, {@code spacingMillis} apart, into a queue whose
     * consumer polls every {@code pollInterval} ms; pickup after the message became visible, taken as the send
     * call's start + the delay (the visibility is set inside the call, so this overstates the pickup by at most the
     * call's duration). All samples are in flight together: the run takes about one delay, not one per sample.
     */
    Latency delayed(int samples, int delaySeconds, long spacingMillis, long pollInterval) throws Exception {
        String q = queue("delayed");
        long[] visible = new long[samples];
        long[] arrived = new long[samples];
        CountDownLatch all = new CountDownLatch(samples);
        try (CamelContext ctx = context()) {
            ctx.addRoutes(arrivals(q, pollInterval, arrived, all));
            ctx.start();
            ProducerTemplate template = ctx.createProducerTemplate();
            Endpoint endpoint = ctx.getEndpoint("pgmq:" + q);
            Thread.sleep(500);
            for (int i = 0; i < samples; i++) {
                long before = System.nanoTime();
                template.sendBodyAndHeader(endpoint, PAYLOAD.formatted(i), PgmqConstants.DELAY, delaySeconds);
                visible[i] = before + TimeUnit.SECONDS.toNanos(delaySeconds);
                Thread.sleep(spacingMillis);
            }
            all.await(delaySeconds * 1000L + pollInterval + 10_000, TimeUnit.MILLISECONDS);
            return collect(visible, arrived);
        } finally {
            client.dropQueue(q);
        }
    }

    /**
     * Messages whose first attempt fails (no retryDelay: the message comes back when its visibility timeout of
     * {@code vtSeconds} runs out), {@code spacingMillis} apart, consumer polling every {@code pollInterval} ms. Pickup
     * of the retry after the timeout: the second attempt's wall-clock time minus the visibility time the first read
     * set ({@code CamelPgmqVisibleAt}, the database's clock: both clocks are this host's when the database is local).
     */
    Latency retryAfterVisibilityTimeout(int samples, int vtSeconds, long spacingMillis, long pollInterval)
            throws Exception {
        String q = queue("retry");
        long[] visibleMicros = new long[samples];
        long[] arrivedMicros = new long[samples];
        CountDownLatch all = new CountDownLatch(samples);
        try (CamelContext ctx = context()) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    errorHandler(noErrorHandler());
                    from("pgmq:" + q + "?visibilityTimeout=" + vtSeconds + "&pollInterval=" + pollInterval)
                            .process(e -> {
                                long now = micros(Instant.now());
                                int seq = (int) seq(e.getMessage().getBody(String.class));
                                if (e.getMessage().getHeader(PgmqConstants.READ_COUNT, Integer.class) == 1) {
                                    visibleMicros[seq] = micros(e.getMessage()
                                            .getHeader(PgmqConstants.VISIBLE_AT, OffsetDateTime.class).toInstant());
                                    throw new IllegalStateException("first attempt fails (benchmark)");
                                }
                                if (arrivedMicros[seq] == 0) {
                                    arrivedMicros[seq] = now;
                                    all.countDown();
                                }
                            });
                }
            });
            ctx.start();
            ProducerTemplate template = ctx.createProducerTemplate();
            Endpoint endpoint = ctx.getEndpoint("pgmq:" + q);
            Thread.sleep(500);
            for (int i = 0; i < samples; i++) {
                template.sendBody(endpoint, PAYLOAD.formatted(i));
                Thread.sleep(spacingMillis);
            }
            all.await(vtSeconds * 1000L + pollInterval + 10_000, TimeUnit.MILLISECONDS);
            return collect(visibleMicros, arrivedMicros, 1e3);
        } finally {
            client.dropQueue(q);
        }
    }

    /**
     * Bursts of {@code perBurst} messages sent back to back with {@code PgmqClient.send} (no NOTIFY of its own)
     * into a queue with pgmq's trigger {@code pgmq.enable_notify_insert(q, throttleMillis)}: the trigger notifies the
     * first send of a throttle interval and nothing else inside it (the consumer reads on while it finds messages in
     * the interval, and at its end once more). Each burst waits until every
     * message arrived (or the poll's time passed); pickup from each send call's return.
     */
    Latency burstTail(int bursts, int perBurst, int throttleMillis, long pollInterval) throws Exception {
        String q = queue("bursttail");
        client.enableNotifyInsert(q, throttleMillis);
        int n = bursts * perBurst;
        long[] returned = new long[n];
        long[] arrived = new long[n];
        CountDownLatch[] done = new CountDownLatch[bursts];
        for (int b = 0; b < bursts; b++) {
            done[b] = new CountDownLatch(perBurst);
        }
        try (CamelContext ctx = context()) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?pollInterval=" + pollInterval).process(e -> {
                        int seq = (int) seq(e.getMessage().getBody(String.class));
                        arrived[seq] = System.nanoTime();
                        done[seq / perBurst].countDown();
                    });
                }
            });
            ctx.start();
            Thread.sleep(500);
            for (int b = 0; b < bursts; b++) {
                Thread.sleep(throttleMillis + 100L); // a quiet period: the trigger's throttle interval has passed
                for (int i = b * perBurst; i < (b + 1) * perBurst; i++) {
                    client.send(q, PAYLOAD.formatted(i));
                    returned[i] = System.nanoTime();
                }
                done[b].await(pollInterval + 10_000, TimeUnit.MILLISECONDS);
            }
            return collect(returned, arrived);
        } finally {
            client.dropQueue(q);
        }
    }

    /** Pickups of a trickle, and the consumer's reads while it lasted. */
    record Trickle(Latency latency, long reads) {
    }

    /**
     * A trickle: {@code messages} sends with {@code PgmqClient.send}, {@code spacingMillis} apart, into a queue with
     * pgmq's trigger {@code pgmq.enable_notify_insert(q, throttleMillis)}. With sends closer together than the throttle
     * the trigger announces only the first of each interval; the rest come unannounced, one at a time. Pickup from each
     * send call's return; reads counted by the consumer from the first send to the last pickup.
     */
    Trickle trickle(int messages, int spacingMillis, int throttleMillis, long pollInterval) throws Exception {
        String q = queue("trickle");
        client.enableNotifyInsert(q, throttleMillis);
        long[] returned = new long[messages];
        long[] arrived = new long[messages];
        CountDownLatch all = new CountDownLatch(messages);
        try (CamelContext ctx = context()) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?pollInterval=" + pollInterval).routeId("trickle").process(e -> {
                        arrived[(int) seq(e.getMessage().getBody(String.class))] = System.nanoTime();
                        all.countDown();
                    });
                }
            });
            ctx.start();
            Thread.sleep(500 + throttleMillis); // past the start-up reads and the trailing read after the connect
            PgmqConsumer consumer = (PgmqConsumer) ctx.getRoute("trickle").getConsumer();
            long reads0 = consumer.getReadCount();
            for (int i = 0; i < messages; i++) {
                client.send(q, PAYLOAD.formatted(i));
                returned[i] = System.nanoTime();
                Thread.sleep(spacingMillis);
            }
            all.await(pollInterval + 10_000, TimeUnit.MILLISECONDS);
            return new Trickle(collect(returned, arrived), consumer.getReadCount() - reads0);
        } finally {
            client.dropQueue(q);
        }
    }

    private static Latency collect(long[] from, long[] to) {
        return collect(from, to, 1e6);
    }

    /** Latencies {@code to[i] - from[i]} in ms ({@code perMilli} units a millisecond); a zero {@code to} is lost. */
    private static Latency collect(long[] from, long[] to, double perMilli) {
        List<Double> millis = new ArrayList<>();
        int lost = 0;
        for (int i = 0; i < from.length; i++) {
            if (to[i] == 0) {
                lost++;
            } else {
                millis.add((to[i] - from[i]) / perMilli);
            }
        }
        return new Latency(millis, List.of(), lost);
    }

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    // ================================================================ 5. idle cost

    /** {reads per minute by the consumer, committed transactions per minute in the whole database} while idle. */
    /**
     * Threads the JVM gains when {@code consumers} idle consumers, each on its own queue, run on one component (after
     * each has read once and the start-up reads' workers had a moment to finish).
     */
    int threadsForIdleConsumers(int consumers) throws Exception {
        List<String> queues = new ArrayList<>();
        for (int i = 0; i < consumers; i++) {
            queues.add(queue("threads"));
        }
        int before = Thread.activeCount();
        try (CamelContext ctx = context()) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    for (String q : queues) {
                        from("pgmq:" + q + "?pollInterval=30000").routeId("threads_" + q).process(e -> {
                        });
                    }
                }
            });
            ctx.start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline && !ctx.getRoutes().stream()
                    .allMatch(r -> ((PgmqConsumer) r.getConsumer()).getReadCount() > 0)) {
                Thread.sleep(20);
            }
            Thread.sleep(1000);
            return Thread.activeCount() - before;
        } finally {
            queues.forEach(client::dropQueue);
        }
    }

    /**
     * A database of its own for the idle rows, so that they count the commits of what runs in it and nothing else:
     * in the harness's database the earlier scenarios' hundreds of queue tables keep autovacuum busy for minutes, and
     * its commits there came to 44 a minute with no consumer at all (the embedded server). Counted from the harness's
     * database, so the measurement's own queries are not counted either. pgmq is installed in it as in the harness's
     * (the extension, or the compatible SQL). Where the role may not create a database, the harness's database.
     */
    IdleDatabase idleDatabase() {
        String name = "bench_idle_" + Long.toString(System.nanoTime(), 36);
        try {
            db.execute("CREATE DATABASE " + name);
        } catch (IllegalStateException e) {
            System.err.println("idle cost: measured in the harness's own database (" + e.getMessage() + ")");
            return new IdleDatabase(null, db.dataSource(), null);
        }
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        config.setJdbcUrl(db.jdbcUrl(name));
        config.setDataSourceProperties(db.credentials());
        config.setMaximumPoolSize(4);
        config.setPoolName("bench-idle");
        com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource(config);
        try {
            if (db.isRealExtension()) {
                try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                    st.execute("CREATE EXTENSION pgmq");
                }
            } else {
                io.camelpgmq.client.PgmqSchema.install(pool);
            }
        } catch (SQLException | RuntimeException e) {
            pool.close();
            db.execute("DROP DATABASE " + name + " WITH (FORCE)");
            throw new IllegalStateException("idle cost: installing pgmq in " + name + ": " + e.getMessage(), e);
        }
        return new IdleDatabase(name, pool, () -> {
            pool.close();
            db.execute("DROP DATABASE " + name + " WITH (FORCE)");
        });
    }

    /**
     * Where the idle rows run: {@code name} null for the harness's own database. {@code close} drops a database of
     * their own.
     */
    record IdleDatabase(String name, DataSource dataSource, Runnable dropper) implements AutoCloseable {
        boolean ownDatabase() {
            return name != null;
        }

        @Override
        public void close() {
            if (dropper != null) {
                dropper.run();
            }
        }
    }

    double[] pgmqIdle(IdleDatabase idle, int settleSeconds, int seconds, boolean listen, long pollInterval)
            throws Exception {
        PgmqClient idleClient = new PgmqClient(idle.dataSource());
        String q = PgmqTestDatabase.uniqueQueueName("bench_idle");
        idleClient.createQueue(q);
        try (CamelContext ctx = context(idle.dataSource())) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?listen=" + listen + "&pollInterval=" + pollInterval).routeId("idle")
                            .process(e -> {
                            });
                }
            });
            ctx.start();
            Thread.sleep(Math.max(1, settleSeconds) * 1000L); // past the start-up read and its statistics
            PgmqConsumer consumer = (PgmqConsumer) ctx.getRoute("idle").getConsumer();
            long reads0 = consumer.getReadCount();
            long commits0 = commits(idle);
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double minutes = seconds(t0) / 60;
            return new double[] { (consumer.getReadCount() - reads0) / minutes, (commits(idle) - commits0) / minutes };
        } finally {
            idleClient.dropQueue(q);
        }
    }

    /**
     * The consumer's reads after a burst: a message a millisecond for {@code burstMillis}, sent through the component's
     * producer (coalesced NOTIFY), read by one consumer with the given visibility timeout, then idle. After each short
     * read of the burst the consumer asks to be woken when the earliest of its messages in flight would become visible
     * again: counted are its reads from just before the first of those times (the burst's start plus the visibility
     * timeout) to 3 s past the last of them. The poll is an hour away.
     *
     * @return the consumer's reads in that window, and its reads during the burst
     */
    long[] readsAfterBurst(int burstMillis, int visibilitySeconds) throws Exception {
        String q = queue("burst");
        try (CamelContext ctx = context()) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?pollInterval=3600000&visibilityTimeout=" + visibilitySeconds).routeId("burst")
                            .process(e -> {
                            });
                }
            });
            ctx.start();
            PgmqConsumer consumer = (PgmqConsumer) ctx.getRoute("burst").getConsumer();
            Thread.sleep(1_000);
            ProducerTemplate producer = ctx.createProducerTemplate();
            long start = System.nanoTime();
            long reads0 = consumer.getReadCount();
            for (int i = 0; i < burstMillis; i++) {
                producer.sendBody("pgmq:" + q, "{\"n\":" + i + "}");
                long next = start + TimeUnit.MILLISECONDS.toNanos(i + 1);
                while (System.nanoTime() - next < 0) {
                    Thread.onSpinWait();
                }
            }
            long duringBurst = consumer.getReadCount() - reads0;
            sleepUntil(start, visibilitySeconds * 1_000L - 500);
            long before = consumer.getReadCount();
            sleepUntil(start, visibilitySeconds * 1_000L + burstMillis + 3_000);
            return new long[] { consumer.getReadCount() - before, duringBurst };
        } finally {
            client.dropQueue(q);
        }
    }

    private static void sleepUntil(long startNanos, long millis) throws InterruptedException {
        long until = startNanos + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() - until < 0) {
            Thread.sleep(Math.max(1, Math.min(50, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()))));
        }
    }

    /** Committed transactions per minute with camel-sql's consumer idle at its default delay. */
    double sqlIdle(IdleDatabase idle, int settleSeconds, int seconds) throws Exception {
        String table = "bench_sqlidle_" + Long.toString(System.nanoTime(), 36);
        executeIn(idle, "CREATE TABLE " + table + " (id bigserial PRIMARY KEY, payload jsonb NOT NULL)");
        try (CamelContext ctx = context(idle.dataSource())) {
            ctx.getRegistry().bind("benchDs", idle.dataSource());
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("sql:select id, payload from " + table + " order by id?dataSource=#benchDs"
                         + "&onConsume=delete from " + table + " where id = :#id")
                            .process(e -> {
                            });
                }
            });
            ctx.start();
            return idleCommitsPerMinute(idle, Math.max(2, settleSeconds), seconds); // past its initialDelay of 1 s

        } finally {
            executeIn(idle, "DROP TABLE " + table);
        }
    }

    private static void executeIn(IdleDatabase idle, String sql) throws SQLException {
        try (Connection c = idle.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** Committed transactions per minute with no consumer at all: what the measurement itself and PostgreSQL add. */
    double idleCommitsPerMinute(IdleDatabase idle, int settleSeconds, int seconds) throws InterruptedException {
        Thread.sleep(settleSeconds * 1000L);
        long commits0 = commits(idle);
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        return (commits(idle) - commits0) / (seconds(t0) / 60);
    }

    /**
     * {@code pg_stat_database.xact_commit} of the idle rows' database: every autocommit statement, read-only or not, is
     * one. Asked from the harness's database, so the question is not counted, unless the rows run there. Backends flush
     * these counters with a delay of up to seconds, so short windows are approximate.
     */
    private long commits(IdleDatabase idle) {
        // an autocommit statement is its own transaction, so it sees fresh statistics (no snapshot to clear); the name
        // is the harness's own (letters, digits, _)
        return db.queryLong("SELECT xact_commit FROM pg_stat_database WHERE datname = "
                            + (idle.ownDatabase() ? "'" + idle.name() + "'" : "current_database()"));
    }

    // ================================================================ 6. backlog and memory

    /** What the backlog scenario measured. Memory figures are bytes of this JVM after a full GC. */
    record Backlog(double fillRate, double rawRate, double camelSeconds, long heapBefore, long heapAfter,
                   long rssBefore, long rssAfter, long rssPeak) {
    }

    /**
     * Drains a backlog of {@code n} messages with 4 consumers reading 100 at a time, after the raw loop drained an
     * equal backlog with the same threads and batch (the baseline). Heap and RSS are read just before and just after
     * the camel-pgmq drain, with the route still running, so what the consumer holds on to counts.
     */
    Backlog backlog(int n) throws Exception {
        String rawQ = filledQueue("backlog_raw", n);
        double rawRate = rawDrain(rawQ, n, 4, 100);
        client.dropQueue(rawQ);

        String q = queue("backlog");
        long f0 = System.nanoTime();
        fill(q, n);
        double fillRate = n / seconds(f0);
        CountDownLatch processed = new CountDownLatch(n);
        try (CamelContext ctx = context()) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?concurrentConsumers=4&maxMessagesPerPoll=100&pollInterval=1000")
                            .routeId("backlog").autoStartup(false)
                            .process(e -> processed.countDown());
                }
            });
            ctx.start();
            long heap0 = heapAfterGc();
            long rss0 = procStatusKb("VmRSS") * 1024;
            long t0 = System.nanoTime();
            ctx.getRouteController().startRoute("backlog");
            await(processed);
            awaitCompleted(ctx, "backlog");
            double secs = seconds(t0);
            awaitNoRows("pgmq." + QueueNames.queueTable(q), null);
            checkArchived(q, n);
            long heap1 = heapAfterGc();
            long rss1 = procStatusKb("VmRSS") * 1024;
            return new Backlog(fillRate, rawRate, secs, heap0, heap1, rss0, rss1, procStatusKb("VmHWM") * 1024);
        } finally {
            client.dropQueue(q);
        }
    }

    // ================================================================ helpers

    @FunctionalInterface
    interface Task {
        void run(int i) throws Exception;
    }

    /** Runs task(0..n-1) spread over {@code threads} threads; returns tasks per second. */
    private static double parallel(int n, int threads, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            futures.add(pool.submit(() -> {
                go.await();
                for (int i = first; i < n; i += threads) {
                    task.run(i);
                }
                return null;
            }));
        }
        long t0 = System.nanoTime();
        go.countDown();
        for (Future<?> f : futures) {
            f.get(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        }
        double rate = n / seconds(t0);
        pool.shutdown();
        return rate;
    }

    private CamelContext context() {
        return context(DEFAULT_WINDOW);
    }

    /** A context whose pgmq component coalesces NOTIFYs with {@code window} ms (0: off; -1: its default). */
    private CamelContext context(long window) {
        return context(db.dataSource(), window);
    }

    /** A context whose pgmq component works on {@code dataSource} (coalescing NOTIFYs with its default window). */
    private CamelContext context(DataSource dataSource) {
        return context(dataSource, DEFAULT_WINDOW);
    }

    private CamelContext context(DataSource dataSource, long window) {
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setDataSource(dataSource);
        if (window >= 0) {
            pgmq.setNotifyCoalesceWindow(window);
        }
        ctx.addComponent("pgmq", pgmq);
        return ctx;
    }

    private String queue(String prefix) {
        String q = PgmqTestDatabase.uniqueQueueName("bench_" + prefix);
        client.createQueue(q);
        return q;
    }

    private void fill(String q, int n) {
        for (int i = 0; i < n; i += 1000) {
            int from = i;
            client.sendBatch(q, IntStream.range(from, Math.min(n, from + 1000)).mapToObj(PAYLOAD::formatted).toList(),
                    null, 0);
        }
    }

    private static void await(CountDownLatch latch) throws InterruptedException {
        if (!latch.await(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            throw new IllegalStateException("not all messages were processed within " + TIMEOUT_MINUTES + " minutes");
        }
    }

    /**
     * Reads the process's output up to a line that is {@code expected} or starts with it and a space; returns what
     * follows (empty when nothing does).
     */
    private static String awaitLine(BufferedReader out, String expected, Process process) throws Exception {
        String line;
        while ((line = out.readLine()) != null && !line.equals(expected) && !line.startsWith(expected + " ")) {
            // the process's own output, if any
        }
        if (line == null) {
            throw new IllegalStateException("the process ended before it printed " + expected + ": exit "
                                            + process.waitFor());
        }
        return line.substring(expected.length()).trim();
    }

    /** Waits, checking every millisecond, until {@code table} has no row (matching {@code where}). */
    /**
     * The end of a camel-pgmq drain, as the raw loop's end is its last archive returning: once the route has taken
     * the last message, every reader has returned from its last statement (the one completing it) and no message is
     * in flight. Seen in the consumer, not in the database: the harness's own query that the queue table is empty
     * reads every row the drain left dead (one such query took 11-46 ms after 60,000 messages, up to 3 % of the drain),
     * which the raw loop's timing never pays. That query and the archive count still run, after the clock stops.
     */
    private static void awaitCompleted(CamelContext ctx, String routeId) {
        PgmqConsumer consumer = (PgmqConsumer) ctx.getRoute(routeId).getConsumer();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
        while (FreshJvmConsumer.stillCompleting(consumer)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("route " + routeId + " still reading after " + TIMEOUT_MINUTES
                                                + " minutes");
            }
            LockSupport.parkNanos(100_000);
        }
    }

    private void awaitNoRows(String table, String where) throws InterruptedException {
        String sql = "SELECT count(*) FROM (SELECT 1 FROM " + table + (where == null ? "" : " WHERE " + where)
                     + " LIMIT 1) s";
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
        while (db.queryLong(sql) > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(table + " still has rows after " + TIMEOUT_MINUTES + " minutes");
            }
            Thread.sleep(1);
        }
    }

    /** A throughput figure counts only if every message really ended in the archive, once. */
    private void checkArchived(String q, int n) {
        // msg_id > 0: the retention scenario's old rows (negative ids) are not the drain's
        long archived = db.queryLong("SELECT count(*) FROM pgmq." + QueueNames.archiveTable(q) + " WHERE msg_id > 0");
        if (archived != n) {
            throw new IllegalStateException("queue " + q + ": " + archived + " archived, expected " + n);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A size line of /proc/self/status in kB (VmRSS: resident now, VmHWM: peak), or 0 where there is none. */
    static long procStatusKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (Exception e) {
            // not Linux: no figure
        }
        return 0;
    }
}
