package io.camelpgmq.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.camelpgmq.bench.BenchReport.Check;
import io.camelpgmq.bench.BenchReport.Row;
import io.camelpgmq.test.PgBouncer;
import io.camelpgmq.test.PgmqTestDatabase;

/**
 * camel-pgmq's benchmarks, each figure next to a baseline measured in the same run on the same database: the raw
 * JDBC loop over the same pgmq functions (the ceiling), and camel-sql's polling consumer over a plain table (what
 * Camel users on PostgreSQL use today).
 * <p>
 * {@code bash src/bench/run.sh [--smoke] [--backlog N | --large] [--out FILE]}. The database is the tests' (an
 * embedded PostgreSQL unless {@code PGMQ_TEST_JDBC_URL} names one). These are measurements: a missed target is
 * reported in the table, it does not fail the run.
 */
public final class PgmqBenchmark {

    static final int DEFAULT_BACKLOG = 200_000;
    static final int LARGE_BACKLOG = 1_000_000;

    private PgmqBenchmark() {
    }

    /**
     * What to run. {@code smoke} shrinks every size so the whole run takes well under a minute (figures are then
     * noisy; it proves the harness works, not the speed).
     */
    record Options(boolean smoke, int backlog, Path out, Set<String> only, long window, List<int[]> settings) {

        /** The scenarios, in the order they run; {@code --only} picks some of them. */
        static final List<String> SCENARIOS = List.of("throughput", "fresh", "producer", "camel-sql", "latency",
                "pickup", "idle", "grouped", "backlog", "retention", "transacted", "pooler");

        static Options parse(String[] args) {
            boolean smoke = false;
            Integer backlog = null;
            Path out = null;
            Set<String> only = new LinkedHashSet<>();
            long window = Scenarios.DEFAULT_WINDOW;
            List<int[]> settings = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--smoke" -> smoke = true;
                    case "--large" -> backlog = LARGE_BACKLOG;
                    case "--backlog" -> backlog = Integer.parseInt(args[++i].replace("_", "").replace(",", ""));
                    case "--out" -> out = Path.of(args[++i]);
                    case "--only" -> only.addAll(List.of(args[++i].split(",")));
                    case "--window" -> window = Long.parseLong(args[++i]);
                    case "--settings" -> settings.addAll(Stream.of(args[++i].split(","))
                            .map(bc -> Stream.of(bc.split("/")).mapToInt(Integer::parseInt).toArray()).toList());
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                            + "'; usage: [--smoke] [--backlog N | --large] [--only " + String.join(",", SCENARIOS)
                            + "] [--window MS] [--settings B/C,...] [--out FILE]");
                }
            }
            if (!SCENARIOS.containsAll(only)) {
                throw new IllegalArgumentException("--only takes some of " + SCENARIOS + ", not " + only);
            }
            if (backlog == null) {
                backlog = smoke ? 5_000 : DEFAULT_BACKLOG;
            }
            if (out == null && !only.isEmpty()) {
                // a partial run must not overwrite the published full results either
                out = repositoryRoot().resolve("benchmarks/target/bench-partial.md");
            }
            if (out == null) {
                // a smoke run must not overwrite the full run's published results
                out = repositoryRoot().resolve(smoke ? "src/bench/results/smoke.md" : "src/bench/results/latest.md");
            }
            return new Options(smoke, backlog, out, only, window, settings);
        }
    }

    /** Whether scenario {@code name} is part of this run. */
    private static boolean runs(Options o, String name) {
        return o.only().isEmpty() || o.only().contains(name);
    }

    public static void main(String[] args) throws Exception {
        // camel-pgmq's test-jar brings the tests' DEBUG logging along; the benchmark wants warnings only
        System.setProperty("log4j2.configurationFile", "log4j2-bench.properties");
        Options options = Options.parse(args);
        BenchReport report = run(options);
        report.write(options.out());
        // the embedded PostgreSQL stops in a shutdown hook; exec's JVM must not wait for Camel's leftover threads
        System.exit(0);
    }

    /** Runs every scenario in order and returns the table (not yet written). */
    public static BenchReport run(Options o) throws Exception {
        long started = System.nanoTime();
        PgmqTestDatabase db = PgmqTestDatabase.get();
        Scenarios s = new Scenarios(db);
        BenchReport report = new BenchReport();
        report.line("# camel-pgmq benchmark results" + (o.smoke() ? " (SMOKE run: tiny sizes, figures are noise)" : ""));
        report.line("");
        report.line("Run " + LocalDate.now() + " on " + machine() + ".  ");
        report.line(s.serverVersion() + " (" + server(db) + ") with " + db.installation() + "; "
                    + s.serverSettings() + ".  ");
        report.line("Java " + System.getProperty("java.version") + ", max heap "
                    + Runtime.getRuntime().maxMemory() / 1024 / 1024 + " MiB, JVM arguments "
                    + ManagementFactory.getRuntimeMXBean().getInputArguments() + ".  ");
        report.line("Command: `bash src/bench/run.sh" + (o.smoke() ? " --smoke" : "")
                    + (o.backlog() != (o.smoke() ? 5_000 : DEFAULT_BACKLOG) ? " --backlog " + o.backlog() : "")
                    + (o.only().isEmpty() ? "" : " --only " + String.join(",", o.only()))
                    + (o.window() >= 0 ? " --window " + o.window() : "") + "`.");

        if (runs(o, "throughput")) {
            throughput(report, s, o.smoke(), o.settings());
        }
        if (runs(o, "fresh")) {
            firstDrain(report, s, o.smoke());
        }
        if (runs(o, "producer")) {
            producer(report, s, o.smoke(), o.window());
        }
        if (runs(o, "camel-sql")) {
            versusCamelSql(report, s, o.smoke());
        }
        if (runs(o, "latency")) {
            latency(report, s, o.smoke());
        }
        if (runs(o, "pickup")) {
            pickup(report, s, o.smoke());
        }
        if (runs(o, "idle")) {
            idle(report, s, o.smoke());
        }
        if (runs(o, "grouped")) {
            grouped(report, s, o.smoke());
        }
        if (runs(o, "backlog")) {
            backlog(report, s, o.backlog());
        }
        if (runs(o, "retention")) {
            retention(report, s, o.smoke());
        }
        if (runs(o, "transacted")) {
            transacted(report, s, o.smoke());
        }
        if (runs(o, "pooler")) {
            pooler(report, s, o.smoke());
        }

        report.note("How to read it:");
        report.note("");
        report.note("- **throughput**: a queue pre-filled with the stated number of ~100-byte messages is drained;"
                    + " timed from the start of the consumer to the last message archived (camel-pgmq: when its"
                    + " readers have returned from the statement that archived it, as the raw loop's last archive"
                    + " returns; the harness's own checks that the queue is empty and the archive whole run after the"
                    + " clock stops). camel-pgmq is"
                    + " `from(\"pgmq:q?concurrentConsumers=C&maxConcurrentConsumers=C&maxMessagesPerPoll=B"
                    + "&pollInterval=1000\")`, the baseline"
                    + " is C threads looping `PgmqClient.read(q, 30, B)` + `archive(ids)`. Each figure is the median of"
                    + " the repetitions (raw and camel alternate their order). **warm drain**: the consumer is already"
                    + " running and idle in a warm JVM; the backlog (sent with a delay) is made visible in one commit"
                    + " with a NOTIFY, and both sides are timed from that commit to the last archive. **scaling**"
                    + " compares camel-pgmq's C=16 with its C=4: on 2 cores shared with PostgreSQL, flat is the best"
                    + " there is; the target is the raw loop's own C=16/C=4 ratio. **machine busy** (Linux): how many"
                    + " of the machine's cores were busy during the timed drains, from the kernel's counters, median of"
                    + " the repetitions: the harness JVM's share (and of it, its JIT compilers, garbage collector and VM"
                    + " thread), PostgreSQL's client backends and its other processes (a server on this machine); the"
                    + " rest is everything else on it.");
        report.note("- **producer**: one ProducerTemplate call per message (`operation=send`, one transaction each)"
                    + " or per list of 100 (`operation=sendBatch`, one statement); notify=true adds `pg_notify` in the"
                    + " same statement. No LISTENer is connected: NOTIFY's cost is at the sender's commit. 'coalesced'"
                    + " is the component's `notifyCoalesceWindow` (default unless `--window`), 'every send' is"
                    + " `notifyCoalesceWindow=0`.");
        report.note("- **vs camel-sql**: camel-sql's consumer `sql:select ... where not processed order by id limit B"
                    + "?maxMessagesPerPoll=B&greedy=true&delay=1&onConsume=...` (its fastest setting: it polls again"
                    + " at once while it finds rows), one consumer like camel-pgmq C=1 with the same B. camel-pgmq"
                    + " archives (a copy is kept), which is more work than camel-sql's delete.");
        report.note("- **latency**: one message at a time into an idle queue; from the return of the send call"
                    + " (autocommit: the commit is inside it) to the route's first processor, both System.nanoTime()"
                    + " in one JVM. LISTEN samples are 12-20 ms apart (until 2026-11-29: 5 ms; a send within half a"
                    + " NOTIFY coalescing window of the previous one skips its NOTIFY and is found by the consumer's"
                    + " trailing read: the sustained pickup rows measure that); poll samples are spread at random over the poll"
                    + " period so they see every phase. The pollInterval 30 s rows are analytic (uniform arrival"
                    + " over the period), checked by the 1 s rows. The ratio is against camel-sql's same"
                    + " percentile.");
        report.note("- **pickup**: from the return of the send call (its commit) to the route's first processor."
                    + " *idle queue*: one message at a time, 12-20 ms apart, camel-pgmq (default options) and the floor"
                    + " alternate; the"
                    + " floor is a bare pgjdbc LISTEN connection that reads its queue as soon as `getNotifications`"
                    + " returns (its sender `PgmqClient.send` + `pg_notify`). *sustained*: 4 producer threads paced to"
                    + " the rate, one consumer (default options), coalescing on (the component's default) against off"
                    + " in the same run. *delayed*: `CamelPgmqDelay` 2, pickup after the message became visible (send"
                    + " call start + 2 s: overstated by at most the call). *retry*: the first attempt fails,"
                    + " visibilityTimeout 1 s, no retryDelay; pickup of the second attempt after the visibility time"
                    + " the first read set (the database's clock against this JVM's wall clock, one host). *burst"
                    + " tail*: bursts sent with `PgmqClient.send` (no NOTIFY of its own) into a queue with"
                    + " `pgmq.enable_notify_insert(q, 250)`. The delayed, retry and burst-tail rows state their"
                    + " pollInterval: a figure near it means the poll delivered the message.");
        report.note("- **idle cost**: reads are counted by the consumer (`PgmqConsumer.getReadCount()`); commits are"
                    + " `pg_stat_database.xact_commit` of a database created for these rows (every autocommit"
                    + " statement counts, whoever issues it), read from the harness's database; until 2026-12-03 they"
                    + " were the harness's database's own, where autovacuum after the earlier scenarios added up to 44"
                    + " a minute; 'no consumer' is the background the other rows include. **reads after a"
                    + " burst**: one consumer (poll an hour away) reads a burst of sends through the producer, one a"
                    + " millisecond; after each short read it asks to be woken when the earliest of its messages in flight"
                    + " would be visible again; counted are its reads from half a second before the burst's start plus"
                    + " the visibility timeout to 3 s after the burst's end plus it. Wake-ups a hundredth of their delay"
                    + " apart may share one, so the baseline is the burst's length over that hundredth.");
        report.note("- **grouped reads**: one thread drains a queue whose messages are spread round-robin over G FIFO"
                    + " groups (header x-pgmq-group), looping `PgmqClient.readGrouped(q, 30, 10)` + `archive(ids)`;"
                    + " the baseline loops plain `read(q, 30, 10)` + `archive(ids)` over an identical queue, in the"
                    + " same run (order alternating). A grouped read first finds every group's oldest message, so"
                    + " its cost grows with the queue's length, not only with the batch.");
        report.note("- **grouped reads through the component** (issue 19): `readMode=grouped` reads with the consumer's"
                    + " own statement (`PgmqClient.readWithNextVisible(FILL, ...)`, the group index on each queue),"
                    + " not pgmq's read_grouped; against `readMode=plain` over an identical backlog, the same read's"
                    + " first messages of a 10x larger backlog, a backlog over 100 groups read while the busiest"
                    + " group's head is held (its later messages pile up at the front of the queue as the other groups"
                    + " are read) against the same with none held, and 4 readers against 1, with an empty route and with"
                    + " a route that waits 1 ms a message (as a call to another service would; plain reads' own"
                    + " ratio under the same work beside it). A drain is timed to the last archive, as in throughput."
                    + " **strict FIFO**: every message in one group, 4 readers against 1 (the extra readers find no"
                    + " free group: their reads must cost little).");
        report.note("- **transacted**: a pre-filled queue drained by one consumer whose route inserts a row per"
                    + " message with JdbcTemplate; `transacted=true` (a DataSourceTransactionManager over the"
                    + " component's DataSource: the insert and the archive commit together, one transaction per"
                    + " message) against the default (the insert commits on its own, the archive of a read's"
                    + " messages is one statement at the end of the batch), same run, order alternating.");
        report.note("- **pooler**: a real PgBouncer (Debian's, `pool_mode=transaction`, 4 server connections) in front"
                    + " of the same database; the component is given its URL (its own HikariCP pool, pgjdbc's defaults)"
                    + " and `listenerUrl` direct, as README sets it up. It finds the pooler and runs every statement"
                    + " unprepared; `sessionPreparedReads=true` (its default there) prepares the consumer's reads in"
                    + " the server session under names from their text. Against the option off, and against the same"
                    + " component connected directly; 3 rounds, the three in alternating order, after a round that"
                    + " warms each up.");
        report.note("- **first drain**: a new JVM starts a consumer (`concurrentConsumers=4&maxConcurrentConsumers=4"
                    + "&maxMessagesPerPoll=10`, the component given a URL: its own pool, as an application starts it)"
                    + " and proves it listens with one message; a backlog sent with a delay is then made visible in one"
                    + " commit with a NOTIFY and timed from that commit until the route has processed the last message"
                    + " and the queue is empty; two more backlogs follow in the same JVM (a queue and a running"
                    + " consumer each, made visible one after the other), and the third drain is the baseline. The note"
                    + " gives the consumer JVM's JIT compile time during the first and third drain (the compilers'"
                    + " elapsed time, as the JVM counts it: on a busy machine it includes their waits for a core),"
                    + " when each drain's first message reached the route, from the return of the commit (both JVMs"
                    + " read the machine's clock), the machine's busy cores and the consumer JVM's CPU seconds (its"
                    + " JIT compiler threads' among them) in each, and the most the machine allows the first drain"
                    + " against the third: all its cores busy at the third drain's cost (the whole machine's CPU"
                    + " during the third) plus what the consumer JVM spent more in the first, its JIT compilers' alone"
                    + " (an upper bound) and its whole CPU.");
        report.note("- **backlog / memory**: heap after System.gc() and VmRSS of this JVM (PostgreSQL is another"
                    + " process), read with the route started (before) and after the last message was archived"
                    + " (after).");
        report.note("- **retention**: the throughput drain (C=4, B=10) of a queue whose archive also holds old rows"
                    + " (archived two hours ago), with `archiveRetention=1h` (the component's pruner, every 200 ms,"
                    + " deleting them in batches of 1000 while the consumer archives) against the same drain without"
                    + " it, alternating, in the same run.");
        report.note("");
        report.note(String.format("The run took %.0f s.", (System.nanoTime() - started) / 1e9));
        return report;
    }

    // ---------------------------------------------------------------- archive retention

    private static void retention(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        // five pairs: the difference looked for (5 %) is smaller than one drain's spread on a shared machine
        int reps = smoke ? 1 : 5;
        int n = smoke ? 2_000 : 20_000;
        int old = smoke ? 5_000 : 100_000;
        // warm-up, not recorded: run alone (--only retention) the first drains pay for class loading and the JIT,
        // which swung single drains by 3x
        for (int i = 0; i < (smoke ? 1 : 2); i++) {
            String q = s.filledQueue("warm", n / 4);
            s.camelDrain(q, n / 4, 4, 10);
            s.drop(q);
        }
        List<Double> on = new ArrayList<>();
        List<Double> off = new ArrayList<>();
        long left = 0;
        for (int rep = 0; rep < reps; rep++) {
            for (int k = 0; k < 2; k++) {
                boolean pruning = (rep + k) % 2 == 0;
                String q = s.filledQueueWithOldArchive(pruning ? "pruned" : "unpruned", n, old);
                if (pruning) {
                    on.add(s.camelDrain(q, n, 4, 10, 3_600_000));
                    left += s.oldArchived(q);
                } else {
                    off.add(s.camelDrain(q, n, 4, 10, 0));
                }
                s.drop(q);
            }
        }
        report.add(new Row("retention", "B=10, C=4, " + n + " msgs, " + old + " old archived rows", median(on),
                "msg/s", median(off), "pruning off", Check.RATIO_AT_LEAST, 0.95,
                (reps > 1 ? "on " + range(on) + ", off " + range(off) + "; " : "")
                + String.format("%.0f%% of the old rows pruned during the drains", 100.0 - 100.0 * left / (old * reps))));
    }

    // ---------------------------------------------------------------- 1. throughput and scaling

    /** @param only {batch, consumers} pairs to run (--settings), or empty for all, with the warm drains and scaling */
    private static void throughput(BenchReport report, Scenarios s, boolean smoke, List<int[]> only) throws Exception {
        int reps = smoke ? 1 : 3;
        int[] batches = { 1, 10, 100 };
        int[] consumers = { 1, 4, 16 };
        // warm-up, not recorded: the first runs pay for class loading and the JIT. Two pairs of drains were not enough:
        // the compilers still took 0.2-0.8 of the 2 cores during the first rows (the rows' "JIT and GC"), so the
        // warm-up goes on until a round (raw and camel-pgmq drains at batch 1, 10 and 100) compiles little, within a bound
        int rounds = 0;
        long lastRoundJit;
        do {
            long jitBefore = jitMillis();
            for (int batch : new int[] { 1, 10, 100 }) {
                int n = batch == 1 ? 1_000 : 5_000;
                String q = s.filledQueue("warm", n);
                s.rawDrain(q, n, 2, batch);
                s.drop(q);
                q = s.filledQueue("warm", n);
                s.camelDrain(q, n, 2, batch);
                s.drop(q);
            }
            lastRoundJit = jitMillis() - jitBefore;
            rounds++;
        } while (!smoke && rounds < WARM_UP_ROUNDS_AT_MOST && (rounds < 2 || lastRoundJit > WARM_UP_QUIET_JIT_MILLIS));
        report.line(String.format(Locale.ROOT, "Throughput warm-up: %d round(s) of raw and camel-pgmq drains at batch"
                                               + " 1, 10 and 100; the JIT compiled for %d ms in the last.", rounds,
                lastRoundJit));
        Map<String, Double> camel = new LinkedHashMap<>();
        Map<String, Double> raw = new LinkedHashMap<>();
        Map<String, Busy> camelCores = new LinkedHashMap<>();
        Map<String, Busy> rawCores = new LinkedHashMap<>();
        for (int b : batches) {
            // batch 1 costs two statements per message, batch 100 a fiftieth of that: the sizes keep every run over a
            // second (20,000 at batch 100 drained in 0.5 s, where the consumer's start and the spread between runs
            // weighed as much as what was measured)
            int n = smoke ? (b == 1 ? 300 : 2_000) : (b == 1 ? 4_000 : b == 10 ? 20_000 : 60_000);
            for (int c : consumers) {
                if (!only.isEmpty() && only.stream().noneMatch(bc -> bc[0] == b && bc[1] == c)) {
                    continue;
                }
                List<Double> rawRates = new ArrayList<>();
                List<Double> camelRates = new ArrayList<>();
                List<Busy> rawBusy = new ArrayList<>();
                List<Busy> camelBusy = new ArrayList<>();
                for (int rep = 0; rep < reps; rep++) {
                    // alternate who goes first, so neither always meets a freshly vacuumed (or bloated) database
                    for (int k = 0; k < 2; k++) {
                        boolean rawTurn = (rep + k) % 2 == 0;
                        String q = s.filledQueue(rawTurn ? "raw" : "camel", n);
                        if (rawTurn) {
                            rawRates.add(s.rawDrain(q, n, c, b));
                            rawBusy.add(Busy.last(s));
                        } else {
                            camelRates.add(s.camelDrain(q, n, c, b));
                            camelBusy.add(Busy.last(s));
                        }
                        s.drop(q);
                    }
                }
                String key = b + "/" + c;
                camel.put(key, median(camelRates));
                raw.put(key, median(rawRates));
                camelCores.put(key, Busy.median(camelBusy));
                rawCores.put(key, Busy.median(rawBusy));
                report.add(new Row("throughput", "B=" + b + ", C=" + c + ", " + n + " msgs", camel.get(key), "msg/s",
                        raw.get(key), "raw JDBC read+archive loop", Check.RATIO_AT_LEAST, throughputTarget(b, c),
                        notes(reps > 1 ? "camel " + range(camelRates) + ", raw " + range(rawRates) : "",
                                busyCores("camel", camelCores.get(key), "raw", rawCores.get(key)))));
            }
        }
        if (!only.isEmpty()) {
            return;
        }
        warmDrain(report, s, smoke, reps);
        for (int b : batches) {
            // 16 readers on 2 cores shared with PostgreSQL cannot beat 4: the target is to degrade no more than the
            // raw loop itself does
            double rawScaling = raw.get(b + "/16") / raw.get(b + "/4");
            report.add(new Row("scaling", "B=" + b + ": camel-pgmq C=16 vs C=4", camel.get(b + "/16"), "msg/s",
                    camel.get(b + "/4"), "camel-pgmq C=4", Check.RATIO_AT_LEAST, Math.floor(rawScaling * 100) / 100,
                    notes(String.format("the target is the raw loop's own C=16/C=4: %.2fx", rawScaling),
                            busyCores("camel-pgmq C=16", camelCores.get(b + "/16"), "C=4", camelCores.get(b + "/4")))));
        }
    }

    /** The warm-up's most rounds, and the JIT time in a round below which the JVM counts as warm. */
    private static final int WARM_UP_ROUNDS_AT_MOST = 8;
    private static final long WARM_UP_QUIET_JIT_MILLIS = 150;

    /** The JIT compilers' time so far (summed over them), or 0 where the JVM does not say. */
    private static long jitMillis() {
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /**
     * Issue 16's targets: a busy consumer completes a batch in the statement that reads the next one, so it should
     * beat the raw two-statement loop at batch 10 and 100 and match it at batch 1 (1 and 4 readers); with 16 readers
     * on 2 cores the older 0.8x floor stays.
     */
    private static double throughputTarget(int batch, int consumers) {
        if (consumers > 4) {
            return 0.8;
        }
        return batch == 1 ? 1.0 : 1.1;
    }

    /**
     * Warm steady state: consumers already running (the JVM warmed by the rows before) drain a backlog that becomes
     * visible in one commit; the raw loop's threads start at the same commit.
     */
    private static void warmDrain(BenchReport report, Scenarios s, boolean smoke, int reps) throws Exception {
        // {readers, batch, backlog}: batch 100 too, where the drain's own start and end weigh most on the cold rows
        int[][] settings = { { 4, 10, smoke ? 2_000 : 20_000 }, { 1, 1, smoke ? 300 : 4_000 },
                { 4, 100, smoke ? 2_000 : 60_000 }, { 1, 100, smoke ? 2_000 : 60_000 } };
        for (int[] setting : settings) {
            int c = setting[0];
            int b = setting[1];
            int n = setting[2];
            List<Double> rawRates = new ArrayList<>();
            List<Double> camelRates = new ArrayList<>();
            for (int rep = 0; rep < reps; rep++) {
                if (rep % 2 == 0) {
                    rawRates.add(s.rawWarmDrain(n, c, b));
                    camelRates.add(s.camelWarmDrain(n, c, b));
                } else {
                    camelRates.add(s.camelWarmDrain(n, c, b));
                    rawRates.add(s.rawWarmDrain(n, c, b));
                }
            }
            report.add(new Row("warm drain", "B=" + b + ", C=" + c + ", " + n + " msgs visible in one commit",
                    median(camelRates), "msg/s", median(rawRates), "raw JDBC read+archive loop",
                    Check.RATIO_AT_LEAST, b == 1 ? 1.0 : 1.1,
                    reps > 1 ? "camel " + range(camelRates) + ", raw " + range(rawRates) : null));
        }
    }

    // ---------------------------------------------------------------- first drain in a fresh JVM

    private static void firstDrain(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        int n = smoke ? 2_000 : 20_000;
        int reps = smoke ? 1 : 3;
        List<Double> first = new ArrayList<>();
        List<Double> warm = new ArrayList<>();
        List<Long> firstJit = new ArrayList<>();
        List<Long> warmJit = new ArrayList<>();
        List<Double> firstPickup = new ArrayList<>();
        List<Double> warmPickup = new ArrayList<>();
        List<Scenarios.FreshDrains> runs = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            Scenarios.FreshDrains drains = s.freshJvmDrains(n, 4, 10, 2);
            runs.add(drains);
            first.add(drains.rates().get(0));
            warm.add(drains.rates().get(drains.rates().size() - 1));
            firstJit.add(drains.compileMillis().get(0));
            warmJit.add(drains.compileMillis().get(drains.compileMillis().size() - 1));
            firstPickup.add(drains.firstMessageMillis().get(0));
            warmPickup.add(drains.firstMessageMillis().get(drains.firstMessageMillis().size() - 1));
        }
        // what the consumer JVM's JIT compilers took during the drains (on 2 cores they compete with the readers)
        String jit = "JIT compiling during the first drain " + firstJit + " ms, the third " + warmJit + " ms";
        // the first message of each drain, from the return of the backlog's commit (issue 16: "a fast start")
        String pickup = "first message after the commit: first drain " + millisList(firstPickup) + " ms, the third "
                        + millisList(warmPickup) + " ms";
        report.add(new Row("first drain", "fresh JVM, B=10, C=4, " + n + " msgs visible in one commit",
                median(first), "msg/s", median(warm), "the same JVM's third drain", Check.RATIO_AT_LEAST, 0.9,
                notes(reps > 1 ? "first " + range(first) + ", third " + range(warm) + "; " + pairedRatios(first, warm)
                        : "", jit, pickup, firstDrainCeiling(runs, n))));
    }

    /**
     * What the machine allows the first drain: the machine busy and the consumer JVM's CPU (its JIT compilers' part)
     * in the first and the third drain, and the first drain's best rate against the third's were the machine's cores all
     * busy at the third drain's cost (all of the machine's CPU during the third, the database's too) plus what the
     * consumer JVM spent more in the first: cores x T3 / (busy3 x T3 + extra). Twice: with its JIT compilers' extra
     * CPU only (an upper bound: the first drain also runs code not yet compiled, which costs more a message), and with
     * the whole JVM's. "" where the machine does not say.
     */
    private static String firstDrainCeiling(List<Scenarios.FreshDrains> runs, int n) {
        int cores = MachineCpu.cores();
        List<Double> jitCeilings = new ArrayList<>();
        List<Double> jvmCeilings = new ArrayList<>();
        List<String> busy = new ArrayList<>();
        List<String> cpu = new ArrayList<>();
        for (Scenarios.FreshDrains run : runs) {
            int third = run.rates().size() - 1;
            double thirdSeconds = n / run.rates().get(third);
            double thirdCpu = run.busyCores().get(third) * thirdSeconds;
            double extraJit = run.compilerSeconds().get(0) - run.compilerSeconds().get(third);
            double extraJvm = run.jvmSeconds().get(0) - run.jvmSeconds().get(third);
            if (cores == 0 || Double.isNaN(thirdCpu) || Double.isNaN(extraJit) || Double.isNaN(extraJvm)) {
                return "";
            }
            jitCeilings.add(cores * thirdSeconds / (thirdCpu + Math.max(0, extraJit)));
            jvmCeilings.add(cores * thirdSeconds / (thirdCpu + Math.max(0, extraJvm)));
            busy.add(String.format(Locale.ROOT, "%.2f / %.2f", run.busyCores().get(0), run.busyCores().get(third)));
            cpu.add(String.format(Locale.ROOT, "%.2f (JIT %.2f) / %.2f (JIT %.2f)", run.jvmSeconds().get(0),
                    run.compilerSeconds().get(0), run.jvmSeconds().get(third), run.compilerSeconds().get(third)));
        }
        return String.format(Locale.ROOT, "machine busy, first / third drain: %s of %d cores; the consumer JVM's CPU"
                                          + " seconds, first / third: %s; with all %d cores at the third drain's cost,"
                                          + " what the first spent more allows at most: its JIT's %.2fx %s, the whole"
                                          + " JVM's %.2fx %s", busy, cores, cpu, cores, median(jitCeilings),
                ratios(jitCeilings), median(jvmCeilings), ratios(jvmCeilings));
    }

    /** Ratios with two decimals, in the order measured: {@code [0.92, 0.82]}. */
    private static String ratios(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).toList().toString();
    }

    // ---------------------------------------------------------------- transacted completion

    private static void transacted(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        int reps = smoke ? 1 : 3;
        String warm = s.filledQueue("warm_tx", 1_000);
        s.camelDrainWithInsert(warm, 1_000, 1, 10, true);
        s.drop(warm);
        for (int b : new int[] { 1, 10 }) {
            int n = smoke ? 500 : (b == 1 ? 3_000 : 10_000);
            List<Double> tx = new ArrayList<>();
            List<Double> plain = new ArrayList<>();
            for (int rep = 0; rep < reps; rep++) {
                for (int k = 0; k < 2; k++) {
                    boolean txTurn = (rep + k) % 2 == 0;
                    String q = s.filledQueue(txTurn ? "tx" : "notx", n);
                    (txTurn ? tx : plain).add(s.camelDrainWithInsert(q, n, 1, b, txTurn));
                    s.drop(q);
                }
            }
            report.add(new Row("transacted", "B=" + b + ", C=1, " + n + " msgs, an INSERT per message",
                    median(tx), "msg/s", median(plain), "default completion (insert, then archive per read)",
                    Check.NONE, Double.NaN, reps > 1 ? "transacted " + range(tx) + ", default " + range(plain) : null));
        }
    }

    // ---------------------------------------------------------------- 2. producer

    private static void producer(BenchReport report, Scenarios s, boolean smoke, long window) throws Exception {
        int reps = smoke ? 1 : 3;
        int n = smoke ? 1_000 : 10_000;
        int nBatch = n * 5; // sendBatch is several times faster: more messages keep its runs long enough to time
        // warm-up, not recorded: the first sends pay for class loading and the JIT
        s.rawSend(n / 2, 1);
        s.camelSend(n / 2, 1, 1, true);
        s.camelSend(n / 2, 1, 100, true);
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (int rep = 0; rep < reps; rep++) {
            rates.computeIfAbsent("raw1", k -> new ArrayList<>()).add(s.rawSend(n, 1));
            rates.computeIfAbsent("raw8", k -> new ArrayList<>()).add(s.rawSend(n, 8));
            for (int threads : new int[] { 1, 8 }) {
                // alternate the order of the three send settings, so none always runs on a fresher database
                String[] kinds = rep % 2 == 0 ? new String[] { "off", "every", "coalesced" }
                        : new String[] { "coalesced", "every", "off" };
                for (String kind : kinds) {
                    rates.computeIfAbsent("send" + threads + kind, k -> new ArrayList<>()).add(switch (kind) {
                        case "off" -> s.camelSend(n, threads, 1, false);
                        case "every" -> s.camelSend(n, threads, 1, true, 0);
                        default -> s.camelSend(n, threads, 1, true, window);
                    });
                }
                for (boolean notify : new boolean[] { false, true }) {
                    rates.computeIfAbsent("batch" + threads + notify, k -> new ArrayList<>())
                            .add(s.camelSend(nBatch, threads, 100, notify, 0));
                }
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        rates.forEach((k, v) -> m.put(k, median(v)));
        String coalesced = window >= 0 ? window + " ms" : "default";
        for (int t : new int[] { 1, 8 }) {
            String threads = t + (t == 1 ? " thread" : " threads");
            String spread = reps > 1 ? "; " + range(rates.get("send" + t + "off")) + " (notify=false)" : "";
            report.add("producer", "send, " + threads + ", notify=false", m.get("send" + t + "off"), "msg/s",
                    m.get("raw" + t), "raw PgmqClient.send, " + threads, "camel producer overhead; " + n + " msgs");
            report.add("producer", "send, " + threads + ", NOTIFY every send", m.get("send" + t + "every"), "msg/s",
                    m.get("send" + t + "off"), "same, notify=false", "notifyCoalesceWindow=0: the commit lock"
                            + (reps > 1 ? "; " + range(rates.get("send" + t + "every")) : ""));
            report.add(new Row("producer", "send, " + threads + ", NOTIFY coalesced (" + coalesced + ")",
                    m.get("send" + t + "coalesced"), "msg/s", m.get("send" + t + "off"), "same, notify=false",
                    Check.RATIO_AT_LEAST, 0.9,
                    (reps > 1 ? range(rates.get("send" + t + "coalesced")) + spread + "; " : "")
                            + pairedRatios(rates.get("send" + t + "coalesced"), rates.get("send" + t + "off"))));
            report.add("producer", "NOTIFYs per 100 sends, " + threads + ", coalesced (" + coalesced + ")",
                    s.notificationsPer100Sends(n, t, window), "NOTIFYs", 100, "NOTIFY every send",
                    "counted by a bare LISTEN connection in an untimed run of " + n + " sends");
            report.add("producer", "sendBatch of 100, " + threads + ", notify=false", m.get("batch" + t + false),
                    "msg/s", m.get("send" + t + "off"), "send one per transaction, notify=false", nBatch + " msgs");
            report.add("producer", "sendBatch of 100, " + threads + ", notify=true", m.get("batch" + t + true),
                    "msg/s", m.get("send" + t + "every"), "send one per transaction, NOTIFY every send",
                    "one NOTIFY per 100");
        }
    }

    // ---------------------------------------------------------------- 3. vs camel-sql

    private static void versusCamelSql(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        int reps = smoke ? 1 : 3;
        for (int b : new int[] { 1, 10, 100 }) {
            int n = smoke ? (b == 1 ? 300 : 1_000) : (b == 1 ? 3_000 : 10_000);
            List<Double> pgmq = new ArrayList<>();
            List<Double> delete = new ArrayList<>();
            List<Double> update = new ArrayList<>();
            for (int rep = 0; rep < reps; rep++) {
                String q = s.filledQueue("vssql", n);
                pgmq.add(s.camelDrain(q, n, 1, b));
                s.drop(q);
                delete.add(s.sqlDrain(n, b, true));
                update.add(s.sqlDrain(n, b, false));
            }
            String setting = "B=" + b + ", 1 consumer, " + n + " msgs";
            String spread = reps > 1 ? "; camel-pgmq " + range(pgmq) + ", camel-sql " : "";
            report.add(new Row("vs camel-sql", setting + ", camel-sql onConsume=delete", median(pgmq), "msg/s",
                    median(delete), "camel-sql", Check.RATIO_AT_LEAST, 1.0,
                    "camel-pgmq archives" + (reps > 1 ? spread + range(delete) : "")));
            report.add(new Row("vs camel-sql", setting + ", camel-sql onConsume=update flag", median(pgmq), "msg/s",
                    median(update), "camel-sql", Check.RATIO_AT_LEAST, 1.0,
                    "camel-pgmq archives" + (reps > 1 ? spread + range(update) : "")));
        }
    }

    // ---------------------------------------------------------------- 4. latency

    private static void latency(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        // 12-20 ms apart: more than half the default NOTIFY coalescing window, so each send is the first of a quiet
        // period, as "one message at a time into an idle queue" means; closer sends coalesce (the sustained rows)
        Scenarios.Latency listen = s.pgmqLatency(smoke ? 50 : 1_000, true, 30_000, 12, 20);
        Scenarios.Latency poll = s.pgmqLatency(smoke ? 3 : 60, false, 1_000, 0, 1_000);
        Scenarios.Latency sql = s.sqlLatency(smoke ? 3 : 100, 0, 500);
        int[] percentiles = { 50, 95, 99, 100 };
        List<Double> l = sorted(listen.millis());
        List<Double> p = sorted(poll.millis());
        List<Double> q = sorted(sql.millis());
        String sqlName = "camel-sql, delay 500 ms";
        for (int pct : percentiles) {
            String name = pct == 100 ? "max" : "p" + pct;
            Check check = pct == 50 || pct == 99 ? Check.VALUE_BELOW : Check.NONE;
            double threshold = pct == 50 ? 5 : 50;
            String note = pct != 50 ? null
                    : String.format("send call itself p50 %.2f ms; %d of %d samples negative; %d lost",
                            pct(sorted(listen.sendCallMillis()), 50), l.stream().filter(v -> v < 0).count(), l.size(),
                            listen.lost());
            report.add(new Row("latency", "LISTEN (pollInterval 30 s), " + name + ", " + l.size() + " msgs",
                    pct(l, pct), "ms", pct(q, pct), sqlName, check, threshold, note));
        }
        for (int pct : percentiles) {
            String name = pct == 100 ? "max" : "p" + pct;
            report.add("latency", "poll only (listen=false, pollInterval 1 s), " + name + ", " + p.size() + " msgs",
                    pct(p, pct), "ms", pct(q, pct), sqlName,
                    pct == 50 ? String.format("uniform over 1 s predicts %.0f ms; %d lost", 1000 * pct / 100.0,
                            poll.lost()) : null);
        }
        for (int pct : percentiles) {
            String name = pct == 100 ? "max" : "p" + pct;
            // no wake-up at all: a message waits for the next poll, so the latency is uniform over the period
            report.add("latency", "poll only, pollInterval 30 s, " + name + " (analytic)", 30_000 * pct / 100.0,
                    "ms", pct(q, pct), sqlName, pct == 50 ? "uniform over 30 s, plus one read" : null);
        }
        for (int pct : percentiles) {
            String name = pct == 100 ? "max" : "p" + pct;
            report.add("latency", "camel-sql, default delay 500 ms, " + name + ", " + q.size() + " msgs", pct(q, pct),
                    "ms", pct == 50 ? String.format("uniform over 500 ms predicts 250 ms; %d lost", sql.lost())
                            : null);
        }
    }

    // ---------------------------------------------------------------- 4b. pickup

    private static void pickup(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        // sends at least 12 ms apart: each is the first of a quiet period for the default 20 ms window (a send within
        // half a window of the previous one skips its NOTIFY and is a stream's pickup, measured below)
        Scenarios.Pickup idle = s.pickupVersusFloor(smoke ? 30 : 500, 12, 20);
        List<Double> camel = sorted(idle.camel().millis());
        List<Double> floor = sorted(idle.floor().millis());
        String floorName = "raw pgjdbc LISTEN + read";
        report.add(new Row("pickup", "idle queue, one at a time, p50, " + camel.size() + " msgs", pct(camel, 50), "ms",
                // issue 16: p50 at most 1.1x the floor (the harness judged 1.2x, an earlier issue's bound, until
                // 2026-12-03; README gave 1.1x)
                pct(floor, 50), floorName, Check.RATIO_AT_MOST, 1.1,
                String.format("send call p50 %.2f ms (floor's %.2f ms); %d lost (floor %d)",
                        pct(sorted(idle.camel().sendCallMillis()), 50), pct(sorted(idle.floor().sendCallMillis()), 50),
                        idle.camel().lost(), idle.floor().lost())));
        report.add(new Row("pickup", "idle queue, one at a time, p99, " + camel.size() + " msgs", pct(camel, 99), "ms",
                pct(floor, 99), floorName, Check.VALUE_BELOW, 10,
                String.format("max %.2f ms (floor's %.2f ms)", pct(camel, 100), pct(floor, 100))));

        double seconds = smoke ? 0.5 : 5;
        // the default poll in a full run; a smoke run must not wait 30 s for a message a trailing read would find
        long sustainedPoll = smoke ? 1_000 : 30_000;
        for (int rate : new int[] { 1_000, 5_000 }) {
            Scenarios.Sustained off = s.sustained(rate, seconds, 0, sustainedPoll);
            Scenarios.Sustained on = s.sustained(rate, seconds, Scenarios.DEFAULT_WINDOW, sustainedPoll);
            List<Double> onMs = sorted(on.latency().millis());
            List<Double> offMs = sorted(off.latency().millis());
            String setting = rate + " msg/s from 4 threads for " + seconds + " s, coalescing on"
                             + (smoke ? " (pollInterval 1 s)" : "");
            String base = "coalescing off, same rate";
            report.add(new Row("pickup", setting + ", p50", pct(onMs, 50), "ms", pct(offMs, 50), base, Check.NONE,
                    Double.NaN, String.format("achieved %.0f msg/s (off: %.0f); NOTIFYs %.0f/s (off: %.0f/s)",
                            on.achievedRate(), off.achievedRate(), on.notificationsPerSecond(),
                            off.notificationsPerSecond())));
            report.add(new Row("pickup", setting + ", p99", pct(onMs, 99), "ms", pct(offMs, 99), base,
                    Check.VALUE_BELOW, 20, String.format("max %.2f ms (off: %.2f ms); %d lost (off: %d)",
                            pct(onMs, 100), pct(offMs, 100), on.latency().lost(), off.latency().lost())));
        }

        // until the consumer wakes at visibility and after throttled notifications, these wait for the poll: a
        // shorter poll keeps the run short, and the rows say which poll it was
        long poll = smoke ? 1_000 : 10_000;
        List<Double> delayed = sorted(s.delayed(smoke ? 3 : 20, 2, 150, poll).millis());
        addTail(report, "delayed message (delay 2 s), after it became visible", delayed, poll, 50, floor);
        List<Double> retry = sorted(s.retryAfterVisibilityTimeout(smoke ? 3 : 20, 1, 150, poll).millis());
        addTail(report, "retry after the visibility timeout (1 s), after the timeout", retry, poll, 50, floor);
        List<Double> tail = sorted(s.burstTail(smoke ? 1 : 5, smoke ? 5 : 20, 250, poll).millis());
        // the rest of a burst is read as it comes (the reader reads on inside the trigger's window), not at the
        // window's end: until 2026-12-03 p99 was just over the 250 ms throttle
        addTail(report, "burst through pgmq's trigger (throttle 250 ms), after the send", tail, poll, 50, floor);
        // one unannounced send at a time inside the trigger's windows: three of every four sends here are unannounced.
        // With a single look 20 ms after an empty read (until 2026-12-03) they waited for the window's end: p50 72 ms,
        // p99 195 ms on both databases
        int trickleCount = smoke ? 10 : 100;
        Scenarios.Trickle trickle = s.trickle(trickleCount, 60, 250, poll);
        List<Double> trickleMs = sorted(trickle.latency().millis());
        String trickleSetting = "trickle through pgmq's trigger (throttle 250 ms, a send every 60 ms), after the send"
                                + " (pollInterval " + poll / 1000 + " s)";
        report.add(new Row("pickup", trickleSetting + ", p50, " + trickleMs.size() + " msgs", pct(trickleMs, 50), "ms",
                pct(floor, 50), "raw pgjdbc LISTEN + read, idle", Check.NONE, Double.NaN,
                String.format("%.1f reads a message; %d lost", (double) trickle.reads() / trickleCount,
                        trickle.latency().lost())));
        report.add(new Row("pickup", trickleSetting + ", p99, " + trickleMs.size() + " msgs", pct(trickleMs, 99), "ms",
                pct(floor, 99), "raw pgjdbc LISTEN + read, idle", Check.VALUE_BELOW, 100,
                String.format("max %.0f ms", pct(trickleMs, 100))));
    }

    private static void addTail(BenchReport report, String what, List<Double> millis, long poll, double p99Target,
                                List<Double> floor) {
        String setting = what + " (pollInterval " + poll / 1000 + " s)";
        report.add(new Row("pickup", setting + ", p50, " + millis.size() + " msgs", pct(millis, 50), "ms",
                pct(floor, 50), "raw pgjdbc LISTEN + read, idle", Check.NONE, Double.NaN, null));
        report.add(new Row("pickup", setting + ", p99, " + millis.size() + " msgs", pct(millis, 99), "ms",
                pct(floor, 99), "raw pgjdbc LISTEN + read, idle", Check.VALUE_BELOW, p99Target,
                String.format("max %.0f ms", pct(millis, 100))));
    }

    // ---------------------------------------------------------------- 5. idle cost

    private static void idle(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        int seconds = smoke ? 2 : 30;
        // PostgreSQL flushes an idle backend's counters up to 10 s late (PGSTAT_IDLE_INTERVAL): without a pause,
        // a window would count the tail of whatever ran before it
        int settle = smoke ? 0 : 11;
        double background;
        double[] listen;
        double[] poll;
        double sql;
        String where;
        try (Scenarios.IdleDatabase idle = s.idleDatabase()) {
            background = s.idleCommitsPerMinute(idle, settle, seconds);
            listen = s.pgmqIdle(idle, settle, seconds, true, 30_000);
            poll = s.pgmqIdle(idle, settle, seconds, false, 1_000);
            sql = s.sqlIdle(idle, settle, seconds);
            where = idle.ownDatabase() ? "a database of their own" : "the harness's database";
        }
        String window = seconds + " s window after " + settle + " s idle";
        // targets: no higher than before the wake-ups at visibility and the trailing reads (2 reads, 14 commits)
        report.add(new Row("idle cost", "LISTEN (pollInterval 30 s): consumer reads", listen[0], "reads/min", poll[0],
                "poll only, 1 s", Check.VALUE_AT_MOST, 2, window));
        report.add(new Row("idle cost", "LISTEN (pollInterval 30 s): database commits", listen[1], "xact/min", sql,
                "camel-sql idle, delay 500 ms", Check.VALUE_AT_MOST, 14, "in " + where + "; includes the background row;"
                + " not counted: the listener's connection checks (isValid every 5 s of silence, 12 empty transactions"
                + " a minute, which PostgreSQL counts only when that session ends)"));
        report.add("idle cost", "poll only (pollInterval 1 s): consumer reads", poll[0], "reads/min", window);
        report.add("idle cost", "poll only (pollInterval 1 s): database commits", poll[1], "xact/min", sql,
                "camel-sql idle, delay 500 ms", "in " + where + "; includes the background row");
        report.add("idle cost", "camel-sql, default delay 500 ms: database commits", sql, "xact/min",
                "in " + where + "; includes the background row");
        report.add("idle cost", "no consumer: database commits (background)", background, "xact/min",
                "in " + where + ": PostgreSQL's own" + (where.startsWith("a") ? "" : " and the measurement's queries"));
        // a burst's wake-ups at its messages' visibility timeouts share one per hundredth of their delay: 3 s of short
        // reads, 30 s ahead, are a read every 300 ms (10) 30 s later, not one per short read
        int burstMillis = smoke ? 1_000 : 3_000;
        int visibility = smoke ? 3 : 30;
        long[] burst = s.readsAfterBurst(burstMillis, visibility);
        double shared = burstMillis / (visibility * 1_000 / 100.0);
        report.add(new Row("idle cost", "reads after a " + burstMillis + " ms burst (a send a millisecond, one consumer), "
                                        + "when its visibility timeouts (" + visibility + " s) run out",
                burst[0], "reads", shared, "a read per hundredth of the timeout the burst lasted", Check.VALUE_AT_MOST,
                shared + 4, burst[1] + " reads during the burst; before 9320c23 a wake-up per short read"));
        int many = smoke ? 50 : 200;
        int one = s.threadsForIdleConsumers(1);
        int threads = s.threadsForIdleConsumers(many);
        // before the consumers shared the component's workers and timer: a reader and a timer thread per consumer
        report.add(new Row("idle cost", many + " idle consumers on one component: threads", threads, "threads", one,
                "1 idle consumer", Check.VALUE_AT_MOST, 50, "was " + (2 * many + 5) + " (a reader and a timer each)"));
    }

    // ---------------------------------------------------------------- 6. backlog and memory

    // ---------------------------------------------------------------- 6. grouped reads (FIFO) vs plain reads

    private static void grouped(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        int reps = smoke ? 1 : 3;
        int n = smoke ? 1_000 : 10_000;
        // warm-up, not recorded
        s.clientDrain(s.groupedQueue("grp_warm", n / 5, 10), n / 5, 10, true);
        s.clientDrain(s.groupedQueue("grp_warm", n / 5, 10), n / 5, 10, false);
        for (int groups : new int[] { 10, 1_000 }) {
            List<Double> groupedRates = new ArrayList<>();
            List<Double> plainRates = new ArrayList<>();
            for (int rep = 0; rep < reps; rep++) {
                for (int k = 0; k < 2; k++) {
                    boolean groupedTurn = (rep + k) % 2 == 0;
                    String q = s.groupedQueue(groupedTurn ? "grp" : "plain", n, groups);
                    (groupedTurn ? groupedRates : plainRates).add(s.clientDrain(q, n, 10, groupedTurn));
                }
            }
            report.add("grouped reads", "read_grouped(10) + archive, " + groups + " groups, " + n + " msgs",
                    median(groupedRates), "msg/s", median(plainRates), "plain read(10) + archive, same backlog",
                    reps > 1 ? "grouped " + range(groupedRates) + ", plain " + range(plainRates) : null);
        }
        groupedConsumer(report, s, smoke);
    }

    /**
     * The consumer's own grouped read (issue 19): through the component against a plain backlog, against its own
     * backlog's size, and 4 readers against 1. Every grouped queue has the group index (autoCreateQueue makes it).
     */
    private static void groupedConsumer(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        int reps = smoke ? 1 : 3;
        int n = smoke ? 1_000 : 10_000;
        // grouped against plain: single 10,000-message drains here swung by a third between identical runs, so more
        // and longer pairs, each pair's ratio reported
        int pairs = smoke ? 1 : 5;
        int pairN = smoke ? 1_000 : 20_000;
        // warm-up, not recorded: the first grouped drain of a JVM took twice as long as the next ones (class loading,
        // each pooled connection planning the grouped read) and the JIT keeps compiling for several drains on 2 cores;
        // the pairs below start with a grouped drain. Run alone (--only grouped) the plain drains need it too
        for (int round = 0; round < (smoke ? 1 : 2); round++) {
            for (String mode : new String[] { "grouped", "plain" }) {
                String q = s.groupedQueue("cwarm", n, 10);
                s.groupIndex(q);
                s.camelDrain(q, n, 4, 10, mode);
                s.drop(q);
            }
        }
        List<Double> plainFourRates = new ArrayList<>();
        for (int groups : new int[] { 10, 1_000 }) {
            List<Double> groupedRates = new ArrayList<>();
            List<Double> plainRates = groups == 1_000 ? plainFourRates : new ArrayList<>();
            List<PerMessage> groupedCost = new ArrayList<>();
            List<PerMessage> plainCost = new ArrayList<>();
            for (int rep = 0; rep < pairs; rep++) {
                for (int k = 0; k < 2; k++) {
                    boolean groupedTurn = (rep + k) % 2 == 0;
                    String q = s.groupedQueue(groupedTurn ? "cgrp" : "cplain", pairN, groups);
                    if (groupedTurn) {
                        s.groupIndex(q);
                    }
                    double rate = s.camelDrain(q, pairN, 4, 10, groupedTurn ? "grouped" : "plain");
                    (groupedTurn ? groupedRates : plainRates).add(rate);
                    (groupedTurn ? groupedCost : plainCost).add(PerMessage.of(Busy.last(s), rate));
                    s.drop(q);
                }
            }
            report.add(new Row("grouped reads", "component readMode=grouped, C=4, B=10, " + groups + " groups, "
                                                + pairN + " msgs", median(groupedRates), "msg/s", median(plainRates),
                    "component readMode=plain, same backlog", Check.RATIO_AT_LEAST, 0.8,
                    pairs > 1 ? notes("grouped " + range(groupedRates) + ", plain " + range(plainRates),
                            pairedRatios(groupedRates, plainRates),
                            PerMessage.compare("grouped", groupedCost, "plain", plainCost)) : null));
        }
        // the read itself: the first messages of a 10x larger backlog must not cost more (each head is found through
        // the group index, not by looking at every group)
        int small = smoke ? 1_000 : 10_000;
        int count = smoke ? 500 : 2_000;
        List<Double> smallRates = new ArrayList<>();
        List<Double> largeRates = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            for (int k = 0; k < 2; k++) {
                boolean largeTurn = (rep + k) % 2 == 0;
                String q = s.groupedQueue(largeTurn ? "glarge" : "gsmall", largeTurn ? small * 10 : small, 1_000);
                s.groupIndex(q);
                (largeTurn ? largeRates : smallRates).add(s.consumerGroupedReads(q, count, 10));
                s.drop(q);
            }
        }
        report.add(new Row("grouped reads", "consumer's grouped read(10) + archive, 1,000 groups, first " + count
                                            + " of " + small * 10 + " msgs", median(largeRates), "msg/s",
                median(smallRates), "same, first " + count + " of " + small, Check.RATIO_AT_LEAST, 1 / 1.2,
                reps > 1 ? "large " + range(largeRates) + ", small " + range(smallRates) : null));
        // a waiting group (its head in process or waiting for a retry) must not slow the reads of the others: its later
        // messages are left at the front of the queue as the others are read, and the reads must not walk them. The
        // busiest group waits (half the messages), the 99 others are read up to four fifths of theirs
        int waitingN = smoke ? 4_000 : 20_000;
        int waitingCount = waitingN * 2 / 5;
        List<Double> waitingRates = new ArrayList<>();
        List<Double> freeRates = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            for (int k = 0; k < 2; k++) {
                boolean waitingTurn = (rep + k) % 2 == 0;
                String q = s.hotGroupQueue(waitingTurn ? "gwait" : "gfree", waitingN, 99);
                s.groupIndex(q);
                if (waitingTurn) {
                    s.holdOldestGroup(q);
                }
                (waitingTurn ? waitingRates : freeRates).add(s.consumerGroupedReads(q, waitingCount, 10));
                s.drop(q);
            }
        }
        report.add(new Row("grouped reads", "consumer's grouped read(10) + archive, 100 groups, first " + waitingCount
                                            + " of " + waitingN + " msgs while the busiest group (half of them) waits",
                median(waitingRates), "msg/s", median(freeRates), "same, no group waiting", Check.RATIO_AT_LEAST, 0.8,
                reps > 1 ? "waiting " + range(waitingRates) + ", none waiting " + range(freeRates) : null));
        // readers scale: 4 readers take 4 groups at once. Plain reads' own C=4/C=1 on the same backlog tells what the
        // machine allows (on 2 cores shared with PostgreSQL one reader already keeps them busy)
        List<Double> fourRates = new ArrayList<>();
        List<Double> oneRates = new ArrayList<>();
        List<Double> plainOneRates = new ArrayList<>();
        List<Busy> fourBusy = new ArrayList<>();
        List<Busy> oneBusy = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            for (int k = 0; k < 3; k++) {
                int turn = (rep + k) % 3;
                // the same backlog's size as the pairs above, whose plain C=4 drains are the reference's other half
                String q = s.groupedQueue(turn == 0 ? "gfour" : turn == 1 ? "gone" : "pone", pairN, 1_000);
                if (turn < 2) {
                    s.groupIndex(q);
                }
                (turn == 0 ? fourRates : turn == 1 ? oneRates : plainOneRates)
                        .add(s.camelDrain(q, pairN, turn == 0 ? 4 : 1, 10, turn < 2 ? "grouped" : "plain"));
                if (turn < 2) {
                    (turn == 0 ? fourBusy : oneBusy).add(Busy.last(s));
                }
                s.drop(q);
            }
        }
        // what the machine allows: at what one reader costs the machine a message, all its cores give cores / busy
        // times one reader's rate
        Busy oneReaderBusy = Busy.median(oneBusy);
        int cores = MachineCpu.cores();
        report.add(new Row("grouped reads", "component readMode=grouped, C=4 vs C=1, B=10, 1,000 groups, " + pairN
                                            + " msgs", median(fourRates), "msg/s", median(oneRates), "same with C=1",
                Check.RATIO_AT_LEAST, 2.0,
                notes(reps > 1 ? "C=4 " + range(fourRates) + ", C=1 " + range(oneRates) : "",
                        String.format("readMode=plain's own C=4/C=1 here: %.2fx",
                                median(plainFourRates) / median(plainOneRates)),
                        busyCores("C=4", Busy.median(fourBusy), "C=1", oneReaderBusy),
                        cores > 0 && oneReaderBusy.machine() > 0
                                ? String.format(Locale.ROOT, "all %d cores at C=1's cost a message: %.2fx", cores,
                                        cores / oneReaderBusy.machine())
                                : "")));
        groupedReadersWithWork(report, s, smoke);
        strictFifo(report, s, smoke);
    }

    /**
     * Behind a transaction pooler: a real PgBouncer (transaction pooling, 4 server connections) in front of the same
     * database, the component's pool from its URL (README's setup: {@code url} through the pooler, {@code listenerUrl}
     * direct). Its reads session-prepared ({@code sessionPreparedReads}, the default there) against the same component
     * with the option off, whose every statement is parsed and planned at each call; and against the component
     * connected directly (pgjdbc prepares server-side there): what the pooler costs. The three alternate their order.
     */
    private static void pooler(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        if (!PgBouncer.installed() && !"true".equalsIgnoreCase(System.getenv("CI"))) {
            // under CI PgBouncer.start fails instead: CI installs pgbouncer and must not pass without these rows
            report.line("The pooler rows are left out: pgbouncer is not installed (apt-get install -y pgbouncer).  ");
            return;
        }
        int reps = smoke ? 1 : 3;
        int n = smoke ? 1_000 : 20_000;
        int serverConnections = 4;
        try (PgBouncer pgbouncer = PgBouncer.start(serverConnections)) {
            for (String mode : new String[] { "plain", "grouped" }) {
                List<Double> on = new ArrayList<>();
                List<Double> off = new ArrayList<>();
                List<Double> direct = new ArrayList<>();
                // the first round warms each arm up (a new pool, plans, the JIT) and is not recorded
                for (int rep = 0; rep < reps + 1; rep++) {
                    for (int k = 0; k < 3; k++) {
                        int turn = (rep + k) % 3;
                        String q = mode.equals("grouped") ? s.groupedQueue("pool", n, 10) : s.filledQueue("pool", n);
                        if (mode.equals("grouped")) {
                            s.groupIndex(q);
                        }
                        double rate = s.camelDrainFromUrl(turn == 2 ? s.directUrl() : pgbouncer.jdbcUrl(), turn != 2,
                                turn == 0, q, n, 4, 10, mode);
                        s.drop(q);
                        if (rep > 0) {
                            (turn == 0 ? on : turn == 1 ? off : direct).add(rate);
                        }
                    }
                }
                String setting = "component through PgBouncer (transaction pooling, " + serverConnections
                                 + " server connections), readMode=" + mode + (mode.equals("grouped") ? ", 10 groups" : "")
                                 + ", C=4, B=10, " + n + " msgs";
                report.add(new Row("pooler", setting + ": sessionPreparedReads=true", median(on), "msg/s", median(off),
                        "same, sessionPreparedReads=false", Check.RATIO_AT_LEAST, 1.0,
                        reps > 1 ? "on " + range(on) + ", off " + range(off) + "; " + pairedRatios(on, off) : null));
                report.add(new Row("pooler", setting + ": sessionPreparedReads=true vs direct", median(on), "msg/s",
                        median(direct), "same component connected directly (no pooler)", Check.NONE, Double.NaN,
                        reps > 1 ? "direct " + range(direct) : null));
            }
        }
    }

    /**
     * A strict FIFO queue (every message in one group) read by 4 readers: one of them works the group at a time, the
     * others' reads find nothing free. Those reads must cost little, so more readers than groups do not slow the
     * drain. Walking the queue for a free head, each of them went through the whole backlog.
     */
    private static void strictFifo(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        int reps = smoke ? 1 : 3;
        int n = smoke ? 1_000 : 10_000;
        List<Double> fourRates = new ArrayList<>();
        List<Double> oneRates = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            for (int k = 0; k < 2; k++) {
                boolean fourTurn = (rep + k) % 2 == 0;
                String q = s.groupedQueue(fourTurn ? "fifofour" : "fifoone", n, 1);
                s.groupIndex(q);
                (fourTurn ? fourRates : oneRates).add(s.camelDrain(q, n, fourTurn ? 4 : 1, 10, "grouped"));
                s.drop(q);
            }
        }
        report.add(new Row("grouped reads", "strict FIFO (one group), component readMode=grouped, C=4 vs C=1, B=10, "
                                            + n + " msgs", median(fourRates), "msg/s", median(oneRates),
                "same with C=1", Check.RATIO_AT_LEAST, 0.8,
                reps > 1 ? "C=4 " + range(fourRates) + ", C=1 " + range(oneRates) : null));
    }

    /**
     * Readers scale when the route waits (a call to another service, 1 ms a message, no CPU): with an empty route on 2
     * cores shared with PostgreSQL, one reader already keeps the cores busy, so the row above measures the machine as
     * much as the reads. Here 4 readers can be up to 4x one reader, if the grouped reads hand them different groups at
     * once; plain reads' own ratio under the same work is the reference.
     */
    private static void groupedReadersWithWork(BenchReport report, Scenarios s, boolean smoke) throws Exception {
        int reps = smoke ? 1 : 3;
        int n = smoke ? 300 : 3_000;
        long work = 1;
        List<Double> fourRates = new ArrayList<>();
        List<Double> oneRates = new ArrayList<>();
        List<Double> plainFourRates = new ArrayList<>();
        List<Double> plainOneRates = new ArrayList<>();
        List<List<Double>> rates = List.of(fourRates, oneRates, plainFourRates, plainOneRates);
        for (int rep = 0; rep < reps; rep++) {
            for (int k = 0; k < 4; k++) {
                int turn = (rep + k) % 4;
                boolean grouped = turn < 2;
                String q = s.groupedQueue(grouped ? "gwork" : "pwork", n, 1_000);
                if (grouped) {
                    s.groupIndex(q);
                }
                rates.get(turn).add(s.camelDrainWithWork(q, n, turn % 2 == 0 ? 4 : 1, 10,
                        grouped ? "grouped" : "plain", work));
                s.drop(q);
            }
        }
        report.add(new Row("grouped reads", "component readMode=grouped, route waits " + work + " ms a message, C=4 vs"
                                            + " C=1, B=10, 1,000 groups, " + n + " msgs",
                median(fourRates), "msg/s", median(oneRates), "same with C=1", Check.RATIO_AT_LEAST, 2.0,
                (reps > 1 ? "C=4 " + range(fourRates) + ", C=1 " + range(oneRates) + "; " : "")
                + String.format("readMode=plain's own C=4/C=1 with the same work: %.2fx",
                        median(plainFourRates) / median(plainOneRates))));
    }

    private static void backlog(BenchReport report, Scenarios s, int n) throws Exception {
        Scenarios.Backlog b = s.backlog(n);
        double mib = 1024.0 * 1024;
        report.add("backlog", "fill " + n + " msgs (sendBatch of 1000, 1 thread)", b.fillRate(), "msg/s",
                "setup of the drain");
        report.add("backlog", "drain " + n + " msgs, C=4, B=100", n / b.camelSeconds(), "msg/s", b.rawRate(),
                "raw loop, C=4, B=100, same size", String.format("%.1f s", b.camelSeconds()));
        report.add("memory", "heap used after GC: after drain vs before", b.heapAfter() / mib, "MiB",
                b.heapBefore() / mib, "before drain", null);
        report.add("memory", "process RSS: after drain vs before", b.rssAfter() / mib, "MiB", b.rssBefore() / mib,
                "before drain", String.format("peak RSS of the whole run (VmHWM) %.0f MiB", b.rssPeak() / mib));
    }

    // ---------------------------------------------------------------- helpers

    static List<Double> sorted(List<Double> values) {
        List<Double> copy = new ArrayList<>(values);
        Collections.sort(copy);
        return copy;
    }

    /** Nearest-rank percentile of sorted values; 100 is the maximum. NaN when there are none. */
    static double pct(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.min(sorted.size() - 1, Math.max(0, rank - 1)));
    }

    static double median(List<Double> values) {
        return pct(sorted(values), 50);
    }

    /**
     * The ratio within each repetition (its two runs are minutes apart at most), as "paired x.xx (a, b, c)": on a
     * server whose commit time drifts (a shared disk), a steadier figure than the ratio of medians.
     */
    private static String pairedRatios(List<Double> values, List<Double> baselines) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            ratios.add(values.get(i) / baselines.get(i));
        }
        return String.format("paired %.2fx %s", median(ratios),
                ratios.stream().map(r -> String.format("%.2f", r)).toList());
    }

    /**
     * CPU a message cost during a drain, in microseconds: PostgreSQL's client backends and the harness JVM (the
     * consumer's threads with its JIT and GC), from a drain's busy cores and its rate.
     */
    private record PerMessage(double backendsMicros, double jvmMicros) {

        static PerMessage of(Busy busy, double rate) {
            return new PerMessage(busy.backends() / rate * 1e6, busy.jvm() / rate * 1e6);
        }

        /** "CPU a message (medians): PostgreSQL's backends grouped 51 us, plain 39 us; the JVM 9 us, 8 us", or "". */
        static String compare(String name, List<PerMessage> costs, String otherName, List<PerMessage> otherCosts) {
            double backends = median(costs.stream().map(PerMessage::backendsMicros).toList());
            double otherBackends = median(otherCosts.stream().map(PerMessage::backendsMicros).toList());
            if (!(backends > 0) || !(otherBackends > 0)) {
                return "";
            }
            double jvm = median(costs.stream().map(PerMessage::jvmMicros).toList());
            double otherJvm = median(otherCosts.stream().map(PerMessage::jvmMicros).toList());
            return String.format(Locale.ROOT, "CPU a message (medians): PostgreSQL's backends %s %.0f us, %s %.0f us;"
                                              + " the JVM %.0f us, %.0f us", name, backends, otherName,
                    otherBackends, jvm, otherJvm);
        }
    }

    /**
     * The cores a drain kept busy on average: the whole machine's, the harness JVM's share of them, and of that the
     * share of the JVM's JIT compilers, garbage collector and VM thread.
     */
    private record Busy(double machine, double jvm, double jvmService, double backends, double serverOther) {

        static Busy last(Scenarios s) {
            return new Busy(s.lastBusyCores(), s.lastJvmCores(), s.lastJvmServiceCores(), s.lastServerCores()[0],
                    s.lastServerCores()[1]);
        }

        static Busy median(List<Busy> values) {
            return new Busy(PgmqBenchmark.median(values.stream().map(Busy::machine).toList()),
                    PgmqBenchmark.median(values.stream().map(Busy::jvm).toList()),
                    PgmqBenchmark.median(values.stream().map(Busy::jvmService).toList()),
                    PgmqBenchmark.median(values.stream().map(Busy::backends).toList()),
                    PgmqBenchmark.median(values.stream().map(Busy::serverOther).toList()));
        }

        @Override
        public String toString() {
            String jvmPart = Double.isNaN(jvmService) ? String.format(Locale.ROOT, "JVM %.2f", jvm)
                    : String.format(Locale.ROOT, "JVM %.2f, its JIT and GC %.2f", jvm, jvmService);
            String serverPart = backends > 0 ? String.format(Locale.ROOT, ", PostgreSQL's backends %.2f, its other"
                                                                          + " processes %.2f", backends, serverOther)
                    : "";
            return String.format(Locale.ROOT, "%.2f (%s%s)", machine, jvmPart, serverPart);
        }
    }

    /**
     * The machine's busy cores during two drains (medians of their repetitions), as "machine busy: camel 1.62 (JVM
     * 0.80), raw 1.40 (JVM 0.41) of 2 cores", or nothing where the machine does not say.
     */
    private static String busyCores(String name, Busy busy, String otherName, Busy otherBusy) {
        int cores = MachineCpu.cores();
        if (cores == 0 || busy == null || otherBusy == null || Double.isNaN(busy.machine())
                || Double.isNaN(otherBusy.machine())) {
            return "";
        }
        return String.format(Locale.ROOT, "machine busy: %s %s, %s %s of %d cores", name, busy, otherName, otherBusy,
                cores);
    }

    /** A row's notes: the parts that say something, separated by "; " (null when none does). */
    private static String notes(String... parts) {
        String joined = String.join("; ", Arrays.stream(parts).filter(p -> !p.isEmpty()).toList());
        return joined.isEmpty() ? null : joined;
    }

    /** Milliseconds with one decimal, in the order measured: {@code [12.3, 4.5]}. */
    private static String millisList(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList().toString();
    }

    private static String range(List<Double> values) {
        List<Double> v = sorted(values);
        return BenchReport.num(v.get(0)) + "-" + BenchReport.num(v.get(v.size() - 1));
    }

    private static String server(PgmqTestDatabase db) {
        if (db.embedded() != null) {
            return "embedded by zonky on this machine";
        }
        // the URL may carry credentials: name where it came from only
        String url = System.getenv(PgmqTestDatabase.URL_ENV);
        return url != null && !url.isBlank() ? "external, from " + PgmqTestDatabase.URL_ENV : "Docker (Testcontainers)";
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
        return Runtime.getRuntime().availableProcessors() + " cores"
               + (memKb > 0 ? ", " + memKb / 1024 / 1024 + " GiB" : "") + ", " + System.getProperty("os.name") + " "
               + System.getProperty("os.arch");
    }

    /** The checkout's root (the directory holding mvnw and src/bench), whatever directory Maven runs us in. */
    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("src/bench"))) {
                return p;
            }
        }
        return dir;
    }
}
