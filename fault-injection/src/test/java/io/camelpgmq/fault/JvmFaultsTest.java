package io.camelpgmq.fault;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Consumers in JVMs of their own: one killed with SIGKILL mid-batch, and two sharing a queue. */
class JvmFaultsTest extends FaultTestSupport {

    private List<Long> fill(String q, int n) {
        List<Long> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i += 500) {
            ids.addAll(client.sendBatch(q, IntStream.range(i, Math.min(n, i + 500)).mapToObj(k -> "{\"n\":" + k + "}")
                    .toList(), null, 0));
        }
        return ids;
    }

    @Test
    void consumerJvmKilledMidBatchAndStartedAgain() throws Exception {
        String q = newQueue("sigkill");
        int threads = 2;
        int batch = 5;
        Set<Long> sent = new HashSet<>(fill(q, 200));
        Process first = startConsumerProcess("sigkill-first", q, threads, batch, 2, 20);
        try {
            await(Duration.ofSeconds(60), () -> processedCount(q) >= 60, "the first JVM processed some");
        } finally {
            first.destroyForcibly().waitFor();
        }
        long inFlightBound = (long) threads * batch;
        Process second = startConsumerProcess("sigkill-second", q, threads, batch, 2, 0);
        try {
            await(Duration.ofSeconds(60), () -> client.metrics(q).queueLength() == 0, "the second JVM drained the queue");
        } finally {
            second.destroyForcibly().waitFor();
        }
        FaultReport r = FaultReport.of("consumer JVM killed with SIGKILL mid-batch", sent, processed(q));
        assertEquals(0, r.lost());
        assertTrue(r.duplicated() <= inFlightBound, "duplicates " + r.duplicated() + " <= in flight " + inFlightBound);
    }

    @Test
    void twoJvmsWithEightConsumersEachProcessEveryMessageExactlyOnce() throws Exception {
        String q = newQueue("two_jvms");
        Set<Long> sent = new HashSet<>(fill(q, 2000));
        Process a = startConsumerProcess("two-jvms-a", q, 8, 10, 60, 0);
        Process b = startConsumerProcess("two-jvms-b", q, 8, 10, 60, 0);
        try {
            await(Duration.ofSeconds(90), () -> client.metrics(q).queueLength() == 0, "both JVMs drained the queue");
        } finally {
            a.destroyForcibly().waitFor();
            b.destroyForcibly().waitFor();
        }
        FaultReport r = FaultReport.of("two JVMs x 8 consumers on one queue", sent, processed(q));
        assertEquals(0, r.lost());
        assertEquals(0, r.duplicated());
        assertEquals(2000, queryLong("SELECT count(*) FROM pgmq.a_" + q), "each archived once");
    }

    private static long processedCount(String q) {
        return queryLong("SELECT count(*) FROM fault_processed WHERE queue = '" + q + "'");
    }

    private static List<Long> processed(String q) {
        return queryIds("SELECT msg_id FROM fault_processed WHERE queue = '" + q + "'");
    }
}
