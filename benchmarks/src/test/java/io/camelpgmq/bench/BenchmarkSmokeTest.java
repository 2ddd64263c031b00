package io.camelpgmq.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.camelpgmq.test.PgBouncer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness in smoke mode, as {@code ./mvnw verify} runs it: every scenario produces all of its rows, with real
 * (non-zero) figures and baselines, and the markdown table is written. Speed is not judged here: smoke sizes are
 * too small for that, and a test must not fail on a slow machine.
 */
class BenchmarkSmokeTest {

    @Test
    @Timeout(300)
    void everyScenarioProducesItsRows(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("smoke.md");
        PgmqBenchmark.Options options = PgmqBenchmark.Options.parse(new String[] { "--smoke", "--out", out.toString() });
        BenchReport report = PgmqBenchmark.run(options);
        report.write(options.out());

        List<BenchReport.Row> rows = report.rows();
        Map<String, Long> perScenario = rows.stream()
                .collect(Collectors.groupingBy(BenchReport.Row::scenario, Collectors.counting()));
        // 3 batch sizes x 3 consumer counts; C16/C4 per batch size; {1, 8 threads} x {send off/every/coalesced,
        // NOTIFYs per 100 sends, sendBatch off/on}; 3 batch sizes x {delete, update}; 4 percentiles x {LISTEN, poll 1 s,
        // poll 30 s, camel-sql}; p50 and p99 of {idle pickup, 1,000/s, 5,000/s, delayed, retry, burst tail,
        // trickle}; grouped reads at 10 and 1,000 groups, and the consumer's: through the component at 10 and 1,000 groups, backlog 10x,
        // one group held vs none, 4 readers vs 1 with an empty route and with 1 ms of work, strict FIFO 4 readers vs 1;
        // warm drain: {C=4 x B=10,
        // C=1 x B=1, C=4 x B=100, C=1 x B=100}; retention:
        // pruning on against off; transacted: batch 1 and 10; first drain: a fresh JVM's first against its third; ...
        // pooler: {plain, grouped} x {session-prepared reads on vs off, through the pooler vs direct}, where pgbouncer
        // is installed (CI installs it, and there the scenario fails rather than leave its rows out)
        Map<String, Long> expected = new HashMap<>(Map.ofEntries(Map.entry("throughput", 9L),
                Map.entry("warm drain", 4L), Map.entry("scaling", 3L), Map.entry("first drain", 1L),
                Map.entry("producer", 12L), Map.entry("vs camel-sql", 6L), Map.entry("latency", 16L),
                Map.entry("pickup", 14L), Map.entry("idle cost", 8L), Map.entry("grouped reads", 9L),
                Map.entry("retention", 1L), Map.entry("transacted", 2L), Map.entry("backlog", 2L),
                Map.entry("memory", 2L)));
        if (PgBouncer.installed() || "true".equalsIgnoreCase(System.getenv("CI"))) {
            expected.put("pooler", 4L);
        }
        assertEquals(expected, perScenario, "rows per scenario");

        Map<String, BenchReport.Row> bySetting = rows.stream()
                .collect(Collectors.toMap(r -> r.scenario() + " | " + r.setting(), Function.identity()));
        for (BenchReport.Row row : rows) {
            if (row.unit().equals("msg/s")) {
                assertTrue(row.value() > 0, "a rate: " + row);
                assertTrue(Double.isNaN(row.baseline()) || row.baseline() > 0, "a baseline rate: " + row);
            }
            if (row.scenario().equals("grouped reads")) {
                assertTrue(row.baseline() > 0 && row.ratio() > 0, "grouped against plain reads, same run: " + row);
            }
            if (row.scenario().equals("pooler")) {
                assertTrue(row.baseline() > 0 && row.ratio() > 0, "a ratio against the same run's baseline: " + row);
            }
            if (row.scenario().equals("throughput") || row.scenario().equals("vs camel-sql")
                || row.scenario().equals("retention") || row.scenario().equals("first drain")) {
                assertTrue(row.baseline() > 0 && row.ratio() > 0, "a ratio against the same run's baseline: " + row);
                assertTrue(!row.verdict().isEmpty(), "judged against its target: " + row);
            }
            if (row.scenario().equals("latency") && !row.setting().contains("analytic")) {
                assertTrue(Double.isFinite(row.value()), "a measured latency: " + row);
            }
            if (row.scenario().equals("pickup")) {
                assertTrue(Double.isFinite(row.value()) && Double.isFinite(row.baseline()),
                        "a measured pickup and its baseline: " + row);
            }
            if (row.check() != BenchReport.Check.NONE) {
                assertTrue(row.verdict().endsWith("met") || row.verdict().endsWith("MISSED"), "judged: " + row);
            }
        }
        assertTrue(bySetting.get("idle cost | poll only (pollInterval 1 s): consumer reads").value() > 0,
                "a polling consumer reads while idle");
        assertTrue(bySetting.get("memory | process RSS: after drain vs before").value() > 0, "RSS is read");
        assertTrue(rows.stream().anyMatch(r -> r.setting().startsWith("reads after a ") && r.value() > 0),
                "the consumer read when its burst's visibility timeouts ran out");

        String md = Files.readString(out);
        assertTrue(md.contains("| scenario | setting | figure | baseline (same run) | ratio | target | note |"), md);
        for (BenchReport.Row row : rows) {
            assertTrue(md.contains("| " + row.scenario() + " | " + row.setting() + " | "), "in the table: " + row);
        }
    }
}
