package io.camelpgmq.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.test.PgmqTestDatabase;

/**
 * camel-pgmq's benchmarks: throughput, producer cost, wake-up latency, idle cost and a large backlog, each against a
 * baseline measured in the same run on the same database (a raw JDBC loop over the same pgmq functions, or camel-sql's
 * polling consumer, which is what Camel users on PostgreSQL use today).
 * <p>
 * {@code bash src/bench/run.sh [--smoke] [--backlog N]}; the database is the tests' (embedded PostgreSQL unless
 * {@code PGMQ_TEST_JDBC_URL} names one). These are measurements, not tests: nothing here passes or fails.
 */
public final class PgmqBenchmark {

    private PgmqBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        // the tests' DEBUG logging comes along in camel-pgmq's test-jar; the benchmark wants only warnings
        System.setProperty("log4j2.configurationFile", "log4j2-bench.properties");
        boolean smoke = List.of(args).contains("--smoke");
        int backlog = smoke ? 20_000 : 1_000_000;
        // a smoke run must not overwrite the full run's published results
        Path out = repositoryRoot().resolve(smoke ? "src/bench/results/smoke.md" : "src/bench/results/latest.md");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--backlog")) {
                backlog = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--out")) {
                out = Path.of(args[++i]);
            }
        }
        BenchReport report = run(smoke, backlog);
        report.write(out);
    }

    /** Runs every scenario; smoke runs are small and take well under a minute. */
    public static BenchReport run(boolean smoke, int backlog) throws Exception {
        PgmqTestDatabase db = PgmqTestDatabase.get();
        BenchReport report = new BenchReport();
        Scenarios s = new Scenarios(db, new PgmqClient(db.dataSource()));
        report.line("# camel-pgmq benchmark results" + (smoke ? " (smoke run: small sizes, figures are noisy)" : ""));
        report.line("");
        report.line("Run " + LocalDate.now() + " on " + machine() + "; " + s.serverVersion() + " with "
                    + db.installation() + "; Java " + System.getProperty("java.version") + ".");
        report.line("Throughput is send -> consume -> archive of a pre-filled backlog; latency is from the start of"
                    + " the sending call (its commit is inside it) to the route's first processor.");

        int scale = smoke ? 10 : 1;
        // 1. throughput: camel-pgmq routes vs the raw JDBC loop at the same batch size and thread count
        int[] batches = { 1, 10, 100 };
        int[] threads = smoke ? new int[] { 1, 4 } : new int[] { 1, 4, 16 };
        for (int b : batches) {
            int n = (b == 1 ? 3_000 : b == 10 ? 10_000 : 20_000) / scale;
            for (int c : threads) {
                double raw = s.rawThroughput(n, c, b);
                double camel = s.camelThroughput(n, c, b);
                report.add("throughput", "batch " + b + ", " + c + " consumer(s), " + n + " msgs", camel, "msg/s",
                        raw, "raw JDBC read+archive loop", null);
            }
        }
        // 2. producers: notify on vs off, one per transaction vs batches
        int sends = 4_000 / scale;
        double rawSend1 = s.rawSend(sends, 1);
        report.add("producer", "send, 1 thread, notify=true", s.camelSend(sends, 1, true), "msg/s", rawSend1,
                "raw send, no notify", null);
        report.add("producer", "send, 1 thread, notify=false", s.camelSend(sends, 1, false), "msg/s", rawSend1,
                "raw send, no notify", null);
        double rawSend8 = s.rawSend(sends, 8);
        report.add("producer", "send, 8 threads, notify=true", s.camelSend(sends, 8, true), "msg/s", rawSend8,
                "raw send, no notify", null);
        report.add("producer", "send, 8 threads, notify=false", s.camelSend(sends, 8, false), "msg/s", rawSend8,
                "raw send, no notify", null);
        report.add("producer", "sendBatch of 100, 1 thread, notify=true", s.camelSendBatch(sends * 5, 100), "msg/s",
                rawSend1, "raw send, no notify", "one transaction and one NOTIFY per 100");
        // 3. what Camel users on PostgreSQL do today: camel-sql polling a table, one consumer
        for (int b : new int[] { 10, 100 }) {
            int n = 10_000 / scale;
            double sql = s.camelSqlThroughput(n, b);
            double camel = s.camelThroughput(n, 1, b);
            report.add("vs camel-sql", "batch " + b + ", 1 consumer, " + n + " msgs", camel, "msg/s", sql,
                    "camel-sql onConsume=delete", null);
        }
        // 4. wake-up latency
        List<Double> listen = s.latencyPgmq(smoke ? 100 : 1_000, true, 30_000);
        addLatency(report, "LISTEN (pollInterval 30 s)", listen, null);
        List<Double> poll1s = s.latencyPgmq(smoke ? 5 : 60, false, 1_000);
        addLatency(report, "poll only, pollInterval 1 s", poll1s, "expected ~500 ms median");
        List<Double> sql = s.latencySql(smoke ? 5 : 60);
        addLatency(report, "camel-sql, default delay 500 ms", sql, null);
        // 5. idle cost
        int idleSeconds = smoke ? 4 : 30;
        double[] idleListen = s.idleCost(idleSeconds, true, 30_000);
        double[] idlePoll = s.idleCost(idleSeconds, false, 1_000);
        report.add("idle cost", "LISTEN, pollInterval 30 s: reads/min", idleListen[0], "reads/min", idlePoll[0],
                "poll only at 1 s", "plus a connection check every 5 s without notifications");
        report.add("idle cost", "LISTEN, pollInterval 30 s: commits/min", idleListen[1], "xact/min", idlePoll[1],
                "poll only at 1 s", "pg_stat_database.xact_commit, whole database");
        // 6. backlog and memory
        s.backlog(report, backlog);
        return report;
    }

    private static void addLatency(BenchReport report, String setting, List<Double> millis, String note) {
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        String n = " (" + sorted.size() + " msgs)";
        report.add("latency p50", setting + n, pct(sorted, 50), "ms", Double.NaN, null, note);
        report.add("latency p95", setting + n, pct(sorted, 95), "ms", Double.NaN, null, null);
        report.add("latency p99", setting + n, pct(sorted, 99), "ms", Double.NaN, null, null);
        report.add("latency max", setting + n, sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1), "ms",
                Double.NaN, null, null);
    }

    static double pct(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)));
    }

    private static String machine() {
        long memKb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (Exception e) {
            // not Linux: leave memory out
        }
        return Runtime.getRuntime().availableProcessors() + " cores" + (memKb > 0 ? ", " + memKb / 1024 / 1024 + " GiB" : "")
               + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch");
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(".ci"))) {
                return p;
            }
        }
        return dir;
    }
}
