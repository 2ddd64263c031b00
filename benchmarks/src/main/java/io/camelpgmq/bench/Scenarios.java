package io.camelpgmq.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConsumer;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

/** The measurements. Each one makes its own queue (or table) and drops it afterwards. */
final class Scenarios {

    // a small order-like payload of ~100 bytes
    private static final String PAYLOAD = "{\"order\":%d,\"customer\":\"c-42\",\"items\":[{\"sku\":\"A-1\",\"qty\":2}],"
                                          + "\"total\":19.99}";
    private static final long TIMEOUT_MINUTES = 10;

    private final PgmqTestDatabase db;
    private final PgmqClient client;

    Scenarios(PgmqTestDatabase db, PgmqClient client) {
        this.db = db;
        this.client = client;
    }

    String serverVersion() throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 'PostgreSQL ' || current_setting('server_version')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    // ---------------------------------------------------------------- throughput

    double rawThroughput(int n, int threads, int batch) throws Exception {
        String q = queue("raw");
        fill(q, n);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            futures.add(pool.submit(() -> {
                List<PgmqMessage> msgs;
                while (!(msgs = client.read(q, 30, batch)).isEmpty()) {
                    client.archive(q, msgs.stream().map(PgmqMessage::msgId).toList());
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        }
        double rate = n / seconds(t0);
        pool.shutdown();
        client.dropQueue(q);
        return rate;
    }

    double camelThroughput(int n, int threads, int batch) throws Exception {
        String q = queue("camel");
        fill(q, n);
        CountDownLatch processed = new CountDownLatch(n);
        CamelContext ctx = context();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?concurrentConsumers=" + threads + "&maxMessagesPerPoll=" + batch
                     + "&pollInterval=200").process(e -> processed.countDown());
            }
        });
        long t0 = System.nanoTime();
        ctx.start();
        processed.await(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        awaitEmpty(q);
        double rate = n / seconds(t0);
        ctx.close();
        client.dropQueue(q);
        return rate;
    }

    double camelSqlThroughput(int n, int batch) throws Exception {
        String table = "bench_sql_" + Long.toString(System.nanoTime(), 36);
        sql("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, payload jsonb NOT NULL)");
        sql("INSERT INTO " + table + " (payload) SELECT format('" + PAYLOAD.replace("%d", "%s") + "', g)::jsonb"
            + " FROM generate_series(1, " + n + ") g");
        CountDownLatch processed = new CountDownLatch(n);
        CamelContext ctx = context();
        ctx.getRegistry().bind("benchDs", db.dataSource());
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("sql:select id, payload from " + table + " order by id limit " + batch
                     + "?dataSource=#benchDs&onConsume=delete from " + table + " where id = :#id"
                     + "&maxMessagesPerPoll=" + batch + "&delay=1&greedy=true")
                        .process(e -> processed.countDown());
            }
        });
        long t0 = System.nanoTime();
        ctx.start();
        processed.await(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        double rate = n / seconds(t0);
        ctx.close();
        sql("DROP TABLE " + table);
        return rate;
    }

    // ---------------------------------------------------------------- producers

    double rawSend(int n, int threads) throws Exception {
        String q = queue("rawsend");
        double rate = parallel(n, threads, i -> client.send(q, PAYLOAD.formatted(i)));
        client.dropQueue(q);
        return rate;
    }

    double camelSend(int n, int threads, boolean notify) throws Exception {
        String q = queue("send");
        CamelContext ctx = context();
        ctx.start();
        ProducerTemplate template = ctx.createProducerTemplate();
        String uri = "pgmq:" + q + "?notify=" + notify;
        double rate = parallel(n, threads, i -> template.sendBody(uri, PAYLOAD.formatted(i)));
        ctx.close();
        client.dropQueue(q);
        return rate;
    }

    double camelSendBatch(int n, int batch) throws Exception {
        String q = queue("batch");
        CamelContext ctx = context();
        ctx.start();
        ProducerTemplate template = ctx.createProducerTemplate();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i += batch) {
            int from = i;
            template.sendBody("pgmq:" + q + "?operation=sendBatch",
                    IntStream.range(from, from + batch).mapToObj(PAYLOAD::formatted).toList());
        }
        double rate = n / seconds(t0);
        ctx.close();
        client.dropQueue(q);
        return rate;
    }

    // ---------------------------------------------------------------- latency

    /** Milliseconds from the start of each send to the route's processor, one message at a time. */
    List<Double> latencyPgmq(int samples, boolean listen, long pollInterval) throws Exception {
        String q = queue("latency");
        AtomicLong arrived = new AtomicLong();
        CamelContext ctx = context();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?listen=" + listen + "&pollInterval=" + pollInterval)
                        .process(e -> arrived.set(System.nanoTime()));
            }
        });
        ctx.start();
        Thread.sleep(500); // let the listener LISTEN
        ProducerTemplate template = ctx.createProducerTemplate();
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            arrived.set(0);
            long t0 = System.nanoTime();
            template.sendBody("pgmq:" + q, PAYLOAD.formatted(i));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(pollInterval / 1000 + 10);
            while (arrived.get() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            if (arrived.get() != 0) {
                millis.add((arrived.get() - t0) / 1e6);
            }
            // an idle queue between messages; without LISTEN, vary the phase against the poll as real traffic does
            Thread.sleep(listen ? 3 : 3 + (i * 37L) % pollInterval);
        }
        ctx.close();
        client.dropQueue(q);
        return millis;
    }

    List<Double> latencySql(int samples) throws Exception {
        String table = "bench_sqllat_" + Long.toString(System.nanoTime(), 36);
        sql("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, payload jsonb NOT NULL)");
        AtomicLong arrived = new AtomicLong();
        CamelContext ctx = context();
        ctx.getRegistry().bind("benchDs", db.dataSource());
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("sql:select id, payload from " + table + " order by id?dataSource=#benchDs"
                     + "&onConsume=delete from " + table + " where id = :#id")
                        .process(e -> arrived.set(System.nanoTime()));
            }
        });
        ctx.start();
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            arrived.set(0);
            long t0 = System.nanoTime();
            sql("INSERT INTO " + table + " (payload) VALUES ('{}')");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (arrived.get() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            if (arrived.get() != 0) {
                millis.add((arrived.get() - t0) / 1e6);
            }
            // vary the phase against the 500 ms poll, as real traffic does
            Thread.sleep(3 + (i * 37) % 500);
        }
        ctx.close();
        sql("DROP TABLE " + table);
        return millis;
    }

    // ---------------------------------------------------------------- idle cost

    /** {reads per minute by the consumer, committed transactions per minute in the database} while idle. */
    double[] idleCost(int seconds, boolean listen, long pollInterval) throws Exception {
        String q = queue("idle");
        CamelContext ctx = context();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?listen=" + listen + "&pollInterval=" + pollInterval).routeId("idle")
                        .process(e -> {
                        });
            }
        });
        ctx.start();
        Thread.sleep(1000);
        PgmqConsumer consumer = (PgmqConsumer) ctx.getRoute("idle").getConsumer();
        long reads0 = consumer.getReadCount();
        long xact0 = commits();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double minutes = seconds(t0) / 60;
        double reads = (consumer.getReadCount() - reads0) / minutes;
        double xacts = (commits() - xact0) / minutes;
        ctx.close();
        client.dropQueue(q);
        return new double[] { reads, xacts };
    }

    private long commits() throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rs = st.executeQuery(
                    "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    // ---------------------------------------------------------------- backlog and memory

    void backlog(BenchReport report, int n) throws Exception {
        String q = queue("backlog");
        long f0 = System.nanoTime();
        fill(q, n);
        report.add("backlog", "fill " + n + " msgs (sendBatch of 1000)", n / seconds(f0), "msg/s", Double.NaN, null,
                null);
        long heap0 = heapAfterGc();
        long rss0 = rssKb();
        CountDownLatch processed = new CountDownLatch(n);
        CamelContext ctx = context();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + q + "?concurrentConsumers=4&maxMessagesPerPoll=100&pollInterval=200")
                        .process(e -> processed.countDown());
            }
        });
        long t0 = System.nanoTime();
        ctx.start();
        processed.await(TIMEOUT_MINUTES * 3, TimeUnit.MINUTES);
        awaitEmpty(q);
        double secs = seconds(t0);
        ctx.close();
        long heap1 = heapAfterGc();
        long rss1 = rssKb();
        report.add("backlog", "drain " + n + " msgs, 4 consumers, batch 100", secs, "s", Double.NaN, null,
                String.format("%,.0f msg/s", n / secs));
        report.add("memory", "heap after GC, before -> after drain", heap1 / 1024.0 / 1024, "MiB", heap0 / 1024.0 / 1024,
                "before", null);
        report.add("memory", "process RSS, before -> after drain", rss1 / 1024.0, "MiB", rss0 / 1024.0, "before",
                "this JVM; PostgreSQL runs in its own process");
        client.dropQueue(q);
    }

    // ---------------------------------------------------------------- helpers

    @FunctionalInterface
    interface Task {
        void run(int i) throws Exception;
    }

    private static double parallel(int n, int threads, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            futures.add(pool.submit(() -> {
                for (int i = first; i < n; i += threads) {
                    task.run(i);
                }
                return null;
            }));
        }
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

    private void awaitEmpty(String q) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
        while (client.metrics(q).queueLength() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private void sql(String sql) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return 0;
    }

    static List<Double> sorted(List<Double> values) {
        List<Double> copy = new ArrayList<>(values);
        Collections.sort(copy);
        return copy;
    }
}
