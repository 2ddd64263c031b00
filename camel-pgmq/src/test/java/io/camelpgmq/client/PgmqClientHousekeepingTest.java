package io.camelpgmq.client;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;

import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The statements behind the meters' queue sample and archive retention. */
class PgmqClientHousekeepingTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private final PgmqClient client = new PgmqClient(DB.dataSource());
    private final String queue = PgmqTestDatabase.uniqueQueueName("housekeeping");
    private final String other = PgmqTestDatabase.uniqueQueueName("housekeeping_other");

    PgmqClientHousekeepingTest() {
        client.createQueue(queue);
        client.createQueue(other);
    }

    @Test
    void queueStatsSamplesEveryQueueInOneStatement() {
        for (int i = 0; i < 3; i++) {
            client.send(queue, "{\"n\":" + i + "}");
        }
        client.read(queue, 30, 2);
        DB.execute("UPDATE pgmq.q_" + queue + " SET enqueued_at = now() - interval '90 seconds' WHERE msg_id = "
                   + "(SELECT min(msg_id) FROM pgmq.q_" + queue + ")");
        List<PgmqQueueStats> stats = client.queueStats(List.of(queue, other));
        assertEquals(2, stats.size());
        PgmqQueueStats q = stats.get(0);
        assertEquals(queue, q.queueName());
        assertEquals(3, q.depth());
        assertEquals(2, q.inFlight(), "the two messages read and hidden");
        assertTrue(q.oldestAgeSecs() >= 90 && q.oldestAgeSecs() < 120, "oldest age " + q.oldestAgeSecs());
        assertEquals(new PgmqQueueStats(other, 0, 0, 0.0), stats.get(1));
    }

    @Test
    void pruneArchiveDeletesOldRowsInBatchesAndKeepsRecentOnes() {
        for (int i = 0; i < 5; i++) {
            client.archive(queue, client.send(queue, "{\"n\":" + i + "}"));
        }
        // three of five archived two hours ago
        DB.execute("UPDATE pgmq.a_" + queue + " SET archived_at = now() - interval '2 hours' WHERE msg_id IN"
                   + " (SELECT msg_id FROM pgmq.a_" + queue + " ORDER BY msg_id LIMIT 3)");
        long hour = 3_600_000;
        assertEquals(2, client.pruneArchive(queue, hour, 2), "a batch is at most batchSize rows");
        assertEquals(1, client.pruneArchive(queue, hour, 2));
        assertEquals(0, client.pruneArchive(queue, hour, 2));
        assertEquals(2, DB.queryLong("SELECT count(*) FROM pgmq.a_" + queue), "the recent rows stay");
        assertEquals(2, DB.queryLong("SELECT count(*) FROM pgmq.a_" + queue
                                     + " WHERE archived_at > now() - interval '1 minute'"));
    }

    @Test
    void pruneArchiveSkipsAnArchiveAnotherSessionIsPruning() throws Exception {
        client.archive(queue, client.send(queue, "{\"n\":1}"));
        DB.execute("UPDATE pgmq.a_" + queue + " SET archived_at = now() - interval '2 hours'");
        try (Connection other = DB.dataSource().getConnection()) {
            other.setAutoCommit(false);
            try (PreparedStatement ps = other.prepareStatement(
                    "SELECT pg_advisory_xact_lock(hashtextextended(?::text, 0))")) {
                ps.setString(1, "camel-pgmq:prune:pgmq.\"a_" + queue + "\"");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                }
            }
            assertEquals(-1, client.pruneArchive(queue, 1000, 10), "the other session holds the archive's lock");
            assertEquals(1, DB.queryLong("SELECT count(*) FROM pgmq.a_" + queue));
            other.commit();
        }
        // a transaction-level lock: gone with the other session's commit, though its connection stays open
        assertEquals(1, client.pruneArchive(queue, 1000, 10));
    }
}
