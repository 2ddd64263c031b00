package io.camelpgmq.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import java.util.stream.IntStream;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.client.QueueNames;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConsumer;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

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

    private final PgmqTestDatabase db;
    private final PgmqClient client;

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
        String q = queue(prefix);
        for (int i = 0; i < n; i += 1000) {
            int from = i;
            List<Integer> seqs = IntStream.range(from, Math.min(n, from + 1000)).boxed().toList();
            client.sendBatch(q, seqs.stream().map(PAYLOAD::formatted).toList(),
                    seqs.stream().map(seq -> "{\"x-pgmq-group\":\"g" + seq % groups + "\"}").toList(), 0);
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
     * The ceiling: {@code threads} threads each loop {@code read(batch)} + {@code archive(ids)} through the plain
     * JDBC client until the queue is empty. Nothing a consumer could do on top of these two statements is cheaper.
     */
    double rawDrain(String q, int n, int threads, int batch) throws Exception {
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
        long t0 = System.nanoTime(); // the threads exist already: only the work is timed
        go.countDown();
        for (Future<?> f : futures) {
            f.get(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        }
        double rate = n / seconds(t0);
        pool.shutdown();
        checkArchived(q, n);
        return rate;
    }

    /**
     * The same work through a camel-pgmq route. The context is started first with the route stopped, so the timing
     * covers the consumer's own start (threads, LISTEN registration) but not Camel's boot.
     */
    double camelDrain(String q, int n, int consumers, int batch) throws Exception {
        CountDownLatch processed = new CountDownLatch(n);
        try (CamelContext ctx = context()) {
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + q + "?concurrentConsumers=" + consumers + "&maxMessagesPerPoll=" + batch
                         + "&pollInterval=1000")
                            .routeId("drain").autoStartup(false)
                            .process(e -> processed.countDown());
                }
            });
            ctx.start();
            long t0 = System.nanoTime();
            ctx.getRouteController().startRoute("drain");
            await(processed);
            // the route counted the last message before its archive statement: wait for that too
            awaitNoRows("pgmq." + QueueNames.queueTable(q), null);
            double rate = n / seconds(t0);
            checkArchived(q, n);
            return rate;
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
        String q = queue("send");
        try (CamelContext ctx = context()) {
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

    // ================================================================ 5. idle cost

    /** {reads per minute by the consumer, committed transactions per minute in the whole database} while idle. */
    double[] pgmqIdle(int settleSeconds, int seconds, boolean listen, long pollInterval) throws Exception {
        String q = queue("idle");
        try (CamelContext ctx = context()) {
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
            long commits0 = commits();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double minutes = seconds(t0) / 60;
            return new double[] { (consumer.getReadCount() - reads0) / minutes, (commits() - commits0) / minutes };
        } finally {
            client.dropQueue(q);
        }
    }

    /** Committed transactions per minute with camel-sql's consumer idle at its default delay. */
    double sqlIdle(int settleSeconds, int seconds) throws Exception {
        String table = "bench_sqlidle_" + Long.toString(System.nanoTime(), 36);
        db.execute("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, payload jsonb NOT NULL)");
        try (CamelContext ctx = context()) {
            ctx.getRegistry().bind("benchDs", db.dataSource());
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
            return idleCommitsPerMinute(Math.max(2, settleSeconds), seconds); // past its initialDelay of 1 s

        } finally {
            db.execute("DROP TABLE " + table);
        }
    }

    /** Committed transactions per minute with no consumer at all: what the measurement itself and PostgreSQL add. */
    double idleCommitsPerMinute(int settleSeconds, int seconds) throws InterruptedException {
        Thread.sleep(settleSeconds * 1000L);
        long commits0 = commits();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        return (commits() - commits0) / (seconds(t0) / 60);
    }

    /**
     * {@code pg_stat_database.xact_commit} of this database: every autocommit statement, read-only or not, is one.
     * Backends flush these counters with a delay of up to seconds, so short windows are approximate.
     */
    private long commits() {
        // an autocommit statement is its own transaction, so it sees fresh statistics (no snapshot to clear)
        return db.queryLong("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
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
            awaitNoRows("pgmq." + QueueNames.queueTable(q), null);
            double secs = seconds(t0);
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
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setDataSource(db.dataSource());
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

    /** Waits, checking every millisecond, until {@code table} has no row (matching {@code where}). */
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
        long archived = db.queryLong("SELECT count(*) FROM pgmq." + QueueNames.archiveTable(q));
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
