package io.camelpgmq.client;

import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer's own plain read ({@link PgmqClient#readWithNextVisible(String, int, int)}): which rows it walks to
 * find a batch, and in which order it takes them.
 */
class PgmqPlainReadTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private final PgmqClient client = new PgmqClient(DB.dataSource());

    private String newQueue() {
        String q = PgmqTestDatabase.uniqueQueueName("plain");
        client.createQueue(q);
        return q;
    }

    private static String table(String q) {
        return "pgmq.\"q_" + q + "\"";
    }

    private void sendBatches(String q, int n) {
        for (int i = 0; i < n; i += 1000) {
            client.sendBatch(q, IntStream.range(i, Math.min(n, i + 1000)).mapToObj(k -> "{\"n\":" + k + "}").toList(),
                    null, 0);
        }
    }

    private List<Long> read(String q, int qty) {
        return client.readWithNextVisible(q, 30, qty).messages().stream().map(PgmqMessage::msgId).toList();
    }

    /**
     * Every message in flight (each reader's batch while its route runs) and every message waiting for a retry sits at
     * the front of the queue. Taken in msg_id order, as pgmq.read takes them, each read walked past all of them: with
     * 10,000 held, a read of 100 touched 15,323 buffers. Taken along the index on vt, it never meets them: 1,155, most
     * of them the update of the 100 rows and of their index entries.
     */
    @Test
    void aReadDoesNotWalkPastTheMessagesInFlightOrWaitingForARetry() throws Exception {
        String q = newQueue();
        sendBatches(q, 10_000);
        assertEquals(10_000, client.readWithNextVisible(q, 300, 10_000).messages().size(), "all in flight");
        sendBatches(q, 300);
        DB.execute("ANALYZE " + table(q));
        // the reads before it in a running consumer: the first scan through the rows read earlier marks their old
        // versions' index entries dead, as the next read of a busy queue finds them
        assertEquals(100, read(q, 100).size());
        ReadBuffers.assertFewerThan(4_000, DB.dataSource(), client.readStatement(null, q, 100),
                new Object[] { 100, 30, 100 }, table(q));
        List<Long> ids = read(q, 100);
        assertEquals(100, ids.size());
        assertTrue(ids.get(0) > 10_000, "one of the messages sent after: " + ids);
    }

    /**
     * The rows come in the order they became visible: a message whose visibility ran out (or whose retry came due) is
     * taken after the messages that were visible before it, not before them because its msg_id is lower.
     */
    @Test
    void messagesAreTakenInTheOrderTheyBecameVisible() {
        String q = newQueue();
        long first = client.send(q, "{\"n\":1}");
        long second = client.send(q, "{\"n\":2}");
        long third = client.send(q, "{\"n\":3}");
        // read with a visibility timeout of 0: visible again at once, from later than the other two
        assertEquals(first, client.readWithNextVisible(q, 0, 1).messages().get(0).msgId());
        assertEquals(List.of(second), read(q, 1), "visible longer than the first is again");
        assertEquals(List.of(third), read(q, 1));
        assertEquals(List.of(first), read(q, 1));
    }

    /**
     * A queue table without an index on vt (pgmq's partitioned queues have none) is read in msg_id order along its
     * primary key, which stops at the batch; ordered by vt PostgreSQL would read and sort every visible row. The
     * client follows the index as it finds it: dropped, created again by hand, dropped with the queue.
     */
    @Test
    void withoutAnIndexOnVtTheReadGoesInMsgIdOrderAndStillStopsAtTheBatch() throws Exception {
        String q = newQueue();
        String alongVt = "ORDER BY vt LIMIT";
        assertTrue(client.readStatement(null, q, 10).contains(alongVt), "pgmq's queue table has the index");
        DB.execute("DROP INDEX pgmq.\"q_" + q + "_vt_idx\"");
        PgmqClient fresh = new PgmqClient(DB.dataSource());
        String statement = fresh.readStatement(null, q, 10);
        assertFalse(statement.contains(alongVt), statement);
        assertTrue(statement.contains("ORDER BY msg_id LIMIT"), statement);
        sendBatches(q, 30_000);
        DB.execute("ANALYZE " + table(q));
        ReadBuffers.assertFewerThan(300, DB.dataSource(), statement, new Object[] { 10, 30, 10 }, table(q));
        List<Long> ids = fresh.readWithNextVisible(q, 30, 10).messages().stream().map(PgmqMessage::msgId).toList();
        assertEquals(LongStream.rangeClosed(1, 10).boxed().toList(), ids);

        DB.execute("CREATE INDEX ON " + table(q) + " (vt)");
        assertTrue(new PgmqClient(DB.dataSource()).readStatement(null, q, 10).contains(alongVt),
                "an index created by hand, found by the first read");
        fresh.dropQueue(q);
        fresh.createQueue(q);
        assertTrue(fresh.readStatement(null, q, 10).contains(alongVt), "the queue made again, with its index");
    }
}
