package io.camelpgmq.bench;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CI's short run of the benchmark: every scenario produces its rows with real figures. Speed is not judged here. */
class BenchmarkSmokeTest {

    @Test
    void everyScenarioProducesFigures() throws Exception {
        BenchReport report = PgmqBenchmark.run(true, 5_000);
        List<BenchReport.Row> rows = report.rows();
        Set<String> scenarios = rows.stream().map(BenchReport.Row::scenario).collect(Collectors.toSet());
        assertEquals(Set.of("throughput", "producer", "vs camel-sql", "latency p50", "latency p95", "latency p99",
                "latency max", "idle cost", "backlog", "memory"), scenarios);
        for (BenchReport.Row row : rows) {
            if (row.scenario().equals("throughput") || row.scenario().equals("producer")
                    || row.scenario().equals("vs camel-sql")) {
                assertTrue(row.value() > 0 && row.baseline() > 0, "measured " + row);
            }
        }
        assertTrue(report.markdown().contains("| throughput | batch 10, 4 consumer(s)"), report.markdown());
    }
}
