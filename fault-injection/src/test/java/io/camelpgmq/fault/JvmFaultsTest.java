package io.camelpgmq.fault;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scenarios 3 and 6: consumers in JVMs of their own, one killed with SIGKILL mid-batch, two sharing a queue. */
class JvmFaultsTest extends FaultTestSupport {

    private Set<Long> fill(String q, long from, long to) {
        for (long i = from; i < to; i += 100) {
            client.sendBatch(q, bodies(i, Math.min(to, i + 100)), null, 0);
        }
        Set<Long> keys = new HashSet<>();
        for (long n = from; n < to; n++) {
            keys.add(n);
        }
        return keys;
    }

    /**
     * A slow consumer JVM (2 threads x batches of 5, 40 ms a message, visibility timeout 2 s) is killed with SIGKILL
     * while it works; a second JVM drains the queue. The messages the first recorded but never archived come back
     * after 2 s and are processed again: exactly those, and never more than maxMessagesPerPoll x
     * concurrentConsumers.
     */
    @Test
    void consumerJvmKilledWithSigkillMidBatchAndStartedAgain() throws Exception {
        String q = newQueue("sigkill");
        int threads = 2;
        int batch = 5;
        Set<Long> sent = fill(q, 0, 300);
        Process first = startConsumerJvm("sigkill-first", q, threads, batch, 2, 40);
        long recordedAtKill;
        long inFlightAtKill;
        try {
            awaitReady(q, "sigkill-first", first);
            await(Duration.ofSeconds(60), () -> ledgerCount(q) >= 80, "the first JVM processed 80 messages");
        } finally {
            kill(first, "sigkill-first");
        }
        recordedAtKill = ledgerCount(q);
        // processed (recorded) by the dead JVM but still in the queue: what was in flight when it died
        inFlightAtKill = queryLong("SELECT count(*) FROM fault_processed p JOIN pgmq.q_" + q + " m USING (msg_id)"
                                   + " WHERE p.queue = '" + q + "'");
        long invisibleAtKill = queryLong("SELECT count(*) FROM pgmq.q_" + q + " WHERE vt > clock_timestamp()");

        Process second = startConsumerJvm("sigkill-second", q, threads, batch, 2, 0);
        try {
            awaitReady(q, "sigkill-second", second);
            await(Duration.ofSeconds(60), () -> client.metrics(q).queueLength() == 0, "the second JVM drained the queue");
            Thread.sleep(300);
        } finally {
            kill(second, "sigkill-second");
        }
        long bound = (long) threads * batch;
        FaultReport r = FaultReport.of("3 consumer JVM killed with SIGKILL", sent, ledgerKeys(q),
                "first JVM recorded " + recordedAtKill + "; at the kill " + inFlightAtKill + " processed-not-archived, "
                                                                 + invisibleAtKill + " invisible; bound " + bound);
        assertEquals(0, r.lost(), "lost");
        assertTrue(inFlightAtKill > 0, "the kill hit a batch in progress");
        assertEquals(inFlightAtKill, r.duplicated(), "exactly the messages in flight at the kill processed twice");
        assertTrue(r.duplicated() <= bound, "duplicates " + r.duplicated() + " <= in flight bound " + bound);
        assertEquals(sent.size(), queryLong("SELECT count(DISTINCT msg_id) FROM pgmq.a_" + q), "all archived");
    }

    /** Two JVMs x 8 consumers on one queue, visibility timeout 60 s, fast processing: each message exactly once. */
    @Test
    void twoJvmsWithEightConsumersEachArchiveEveryMessageExactlyOnce() throws Exception {
        String q = newQueue("two_jvms");
        int total = 4000;
        Process a = startConsumerJvm("two-jvms-a", q, 8, 10, 60, 0);
        Process b = startConsumerJvm("two-jvms-b", q, 8, 10, 60, 0);
        Set<Long> sent = new HashSet<>();
        try {
            awaitReady(q, "two-jvms-a", a);
            awaitReady(q, "two-jvms-b", b);
            // both are listening before the first message: each send's NOTIFY wakes both JVMs, which then compete
            for (long i = 0; i < total; i += 50) {
                sent.addAll(fill(q, i, i + 50));
                Thread.sleep(2);
            }
            await(Duration.ofSeconds(90), () -> client.metrics(q).queueLength() == 0, "both JVMs drained the queue");
            Thread.sleep(500);
        } finally {
            kill(a, "two-jvms-a");
            kill(b, "two-jvms-b");
        }
        List<Long> perJvm = queryLongs("SELECT count(*) FROM fault_processed WHERE queue = '" + q + "' GROUP BY jvm"
                                       + " ORDER BY jvm");
        FaultReport r = FaultReport.of("6 two JVMs x 8 consumers", sent, ledgerKeys(q),
                "processed per JVM " + perJvm + ", archived " + queryLong("SELECT count(*) FROM pgmq.a_" + q));
        assertEquals(0, r.lost(), "lost");
        assertEquals(0, r.duplicated(), "duplicated (no visibility timeout expires)");
        assertEquals(total, queryLong("SELECT count(*) FROM pgmq.a_" + q), "archived");
        assertEquals(total, queryLong("SELECT count(DISTINCT msg_id) FROM pgmq.a_" + q), "each archived once");
        assertEquals(2, perJvm.size(), "both JVMs took part");
        assertTrue(perJvm.stream().allMatch(c -> c > 0), "both JVMs took part: " + perJvm);
    }
}
