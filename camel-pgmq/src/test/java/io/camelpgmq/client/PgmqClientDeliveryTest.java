package io.camelpgmq.client;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Delivery-scoped operations: a delivery is (msg_id, read_ct) as a read returned it. */
class PgmqClientDeliveryTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private final PgmqClient client = new PgmqClient(DB.dataSource());
    private final String queue = PgmqTestDatabase.uniqueQueueName("deliveries");

    PgmqClientDeliveryTest() {
        client.createQueue(queue);
    }

    @Test
    void aStaleDeliveryIsNotArchivedDeletedOrRescheduled() {
        client.send(queue, "{\"n\":1}");
        PgmqMessage first = client.read(queue, 0, 1).get(0);      // vt 0: visible again at once
        PgmqMessage second = client.read(queue, 30, 1).get(0);    // another reader's delivery
        assertEquals(first.msgId(), second.msgId());
        assertEquals(List.of(), client.archiveDelivered(queue, List.of(first)));
        assertEquals(List.of(), client.deleteDelivered(queue, List.of(first)));
        assertEquals(List.of(), client.setVtDelivered(queue, List.of(first), 0));
        assertEquals(0, client.metrics(queue).queueVisibleLength(), "the current delivery keeps its visibility");
        assertEquals(List.of(second.msgId()), client.archiveDelivered(queue, List.of(second)));
        assertEquals(0, client.metrics(queue).queueLength());
    }

    @Test
    void givingBackMakesVisibleAndUncountsTheRead() {
        client.send(queue, "{\"n\":1}");
        client.send(queue, "{\"n\":2}");
        List<PgmqMessage> read = client.read(queue, 30, 2);
        assertEquals(2, client.giveBack(queue, read, QueueNames.insertChannel(queue)).size());
        List<PgmqMessage> again = client.read(queue, 30, 2);
        assertEquals(2, again.size(), "visible at once");
        assertTrue(again.stream().allMatch(m -> m.readCount() == 1), "the given-back read did not count");
        PgmqMessage outdated = new PgmqMessage(again.get(0).msgId(), 7, null, null, null, null, null);
        assertEquals(List.of(), client.giveBack(queue, List.of(outdated), null), "another delivery is not given back");
        assertEquals(List.of(again.get(0).msgId(), again.get(1).msgId()),
                client.setVtDelivered(queue, again, 60_000).stream().sorted().toList());
    }

    @Test
    void aReadTellsWhenTheNextWaitingMessageBecomesVisible() {
        PgmqRead empty = client.readWithNextVisible(queue, 30, 10);
        assertTrue(empty.messages().isEmpty());
        assertNull(empty.nextVisibleAt());
        client.send(queue, "{\"now\":1}");
        client.send(queue, "{\"later\":1}", null, 5);
        PgmqRead read = client.readWithNextVisible(queue, 30, 10);
        assertEquals(1, read.messages().size());
        Duration until = read.untilNextVisible();
        assertTrue(until.toMillis() > 4000 && until.toMillis() <= 5000, "the delayed message, was " + until);
        client.send(queue, "{\"another\":1}");
        PgmqRead full = client.readWithNextVisible(queue, 30, 1);
        assertEquals(1, full.messages().size());
        assertNull(full.nextVisibleAt(), "a full batch reads again anyway: no look-up");
        PgmqRead nothing = client.readWithNextVisible(queue, 30, 10);
        assertTrue(nothing.messages().isEmpty());
        assertTrue(nothing.untilNextVisible().toMillis() <= 5000, "still the delayed one (the read one is later)");
    }

    @Test
    void completingEarlierDeliveriesAndReadingTheNextIsOneStatementScopedToTheDeliveries() {
        for (int i = 1; i <= 4; i++) {
            client.send(queue, "{\"n\":" + i + "}");
        }
        List<PgmqMessage> first = client.read(queue, 30, 2);
        PgmqMessage stale = new PgmqMessage(first.get(1).msgId(), 7, null, null, null, null, null);
        PgmqRead next = client.completeAndRead(queue, true, List.of(first.get(0), stale), 30, 10);
        assertEquals(List.of(first.get(0).msgId()), next.completed(), "only the delivery still this reader's");
        assertEquals(2, next.messages().size(), "the next batch");
        assertEquals(1, DB.queryLong("SELECT count(*) FROM pgmq.\"a_" + queue + "\""), "archived, not deleted");
        assertEquals(3, client.metrics(queue).queueLength(), "the stale delivery's message stays in the queue");
        assertTrue(next.untilNextVisible().toMillis() > 29_000,
                "the next waiting message is one still held, not the completed one: " + next.untilNextVisible());

        PgmqRead deleting = client.completeAndRead(queue, false, next.messages(), 30, 10);
        assertEquals(next.messages().stream().map(PgmqMessage::msgId).sorted().toList(),
                deleting.completed().stream().sorted().toList());
        assertTrue(deleting.messages().isEmpty());
        assertEquals(1, DB.queryLong("SELECT count(*) FROM pgmq.\"a_" + queue + "\""), "deleted, not archived");
        assertEquals(1, client.metrics(queue).queueLength(), "only the held one is left");
    }

    /**
     * The consumer's plain read is its own statement over the queue table: it must set what pgmq.read sets
     * (../shared/pgmq-reference.md section 1) and skip what another reader holds.
     */
    @Test
    void theConsumersReadSetsWhatPgmqReadSetsAndSkipsHeldRows() throws Exception {
        for (int i = 1; i <= 4; i++) {
            client.send(queue, "{\"n\":" + i + "}");
        }
        List<Long> ids = client.browse(queue, 10).stream().map(PgmqMessage::msgId).toList();
        try (Connection other = DB.dataSource().getConnection()) {
            other.setAutoCommit(false);
            // another reader's transaction holds the first message
            PgmqClient.onConnection(other).read(queue, 30, 1);
            List<PgmqMessage> read = client.readWithNextVisible(queue, 30, 2).messages();
            other.rollback();
            assertEquals(List.of(ids.get(1), ids.get(2)), read.stream().map(PgmqMessage::msgId).toList(),
                    "the oldest visible rows nobody holds, in msg_id order");
            for (PgmqMessage m : read) {
                assertEquals(1, m.readCount(), "read_ct counts the read");
                assertEquals(m.lastReadAt().plusSeconds(30), m.vt(), "vt is the read's clock + 30 s exactly");
            }
        }
        PgmqMessage untouched = client.browse(queue, 10).get(3);
        assertEquals(0, untouched.readCount());
        assertNull(untouched.lastReadAt());
    }

    /**
     * The read's row count is bound under a larger constant LIMIT (a planning bound: 4 for 3): it still locks only
     * the rows it returns, so another reader gets the fourth message while the first read's transaction is open.
     */
    @Test
    void aReadLocksOnlyTheRowsItReturns() throws Exception {
        for (int i = 1; i <= 6; i++) {
            client.send(queue, "{\"n\":" + i + "}");
        }
        List<Long> ids = client.browse(queue, 10).stream().map(PgmqMessage::msgId).toList();
        try (Connection tx = DB.dataSource().getConnection()) {
            tx.setAutoCommit(false);
            List<PgmqMessage> first = PgmqClient.onConnection(tx).readWithNextVisible(queue, 30, 3).messages();
            assertEquals(ids.subList(0, 3), first.stream().map(PgmqMessage::msgId).toList());
            List<PgmqMessage> second = client.readWithNextVisible(queue, 30, 10).messages();
            tx.rollback();
            assertEquals(ids.subList(3, 6), second.stream().map(PgmqMessage::msgId).toList(),
                    "the fourth message was not locked by a read of three");
        }
    }

    /**
     * PostgreSQL keeps one plan for the consumer's reads on a connection (pgjdbc prepares a statement on the server
     * from its fifth use; PostgreSQL plans it for any value from its sixth execution when that plan is not dearer).
     * With a bound LIMIT it planned every read again: 0.3-1.2 ms each, more than the read took to run; it planned
     * every completion of a single delivery too.
     */
    @Test
    void theServerKeepsOnePlanForTheConsumersReads() throws Exception {
        client.createGroupIndex(queue);
        // a backlog large enough that a plan for any LIMIT (10 % of the rows) costs more than one for LIMIT 1
        List<String> bodies = new ArrayList<>();
        List<String> headers = new ArrayList<>();
        for (int i = 1; i <= 2000; i++) {
            bodies.add("{\"n\":" + i + "}");
            headers.add("{\"x-pgmq-group\":\"g" + (i % 4) + "\"}");
        }
        client.sendBatch(queue, bodies, headers, 0);
        DB.execute("ANALYZE pgmq.\"q_" + queue + "\"");
        try (Connection c = DB.dataSource().getConnection()) {
            assumeTrue(c.unwrap(PGConnection.class).getPrepareThreshold() > 0,
                    "this connection prepares no statement on the server (prepareThreshold=0, as behind a pooler)");
            PgmqClient onOne = PgmqClient.onConnection(c);
            List<PgmqMessage> previous = List.of();
            for (int i = 0; i < 12; i++) {
                previous = onOne.completeAndRead(queue, true, previous, 0, 1).messages();
                onOne.readWithNextVisible(GroupedRead.FILL, queue, 0, 2);
            }
            Map<String, Long> generic = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT statement, generic_plans FROM pg_prepared_statements");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    generic.merge(rs.getString(1).contains("x-pgmq-group") ? "grouped read"
                            : rs.getString(1).contains("claimed") ? "read"
                            : rs.getString(1).contains("archived") ? "archive" : "other", rs.getLong(2), Long::sum);
                }
            }
            assertTrue(generic.getOrDefault("read", 0L) > 0, "the plain read keeps a plan: " + generic);
            assertTrue(generic.getOrDefault("grouped read", 0L) > 0, "the grouped read keeps a plan: " + generic);
            assertTrue(generic.getOrDefault("archive", 0L) > 0, "the archive of a batch of 1 keeps a plan: " + generic);
        }
    }

    @Test
    void aCompletedDeliveryWhoseVisibilityRanOutIsNotReadAgainByTheSameStatement() {
        client.send(queue, "{\"n\":1}");
        client.send(queue, "{\"n\":2}");
        List<PgmqMessage> first = client.read(queue, 0, 1);     // vt 0: visible again at once, still this delivery
        PgmqRead next = client.completeAndRead(queue, true, first, 30, 10);
        assertEquals(List.of(first.get(0).msgId()), next.completed());
        assertEquals(1, next.messages().size(), "only the other message: " + next.messages());
        assertTrue(next.messages().get(0).msgId() != first.get(0).msgId());
        assertEquals(1, DB.queryLong("SELECT count(*) FROM pgmq.\"a_" + queue + "\""));
    }

    /** The completion and the read travel together and commit together: a failed read undoes the completion. */
    @Test
    void aReadThatFailsUndoesTheCompletionSentWithIt() {
        client.send(queue, "{\"n\":1}");
        client.send(queue, "{\"n\":2}");
        List<PgmqMessage> first = client.read(queue, 30, 1);
        String table = "pgmq.\"q_" + queue + "\"";
        String function = "pgmq.\"fail_" + queue + "\"";
        DB.execute("CREATE FUNCTION " + function + "() RETURNS trigger LANGUAGE plpgsql AS"
                   + " $$BEGIN RAISE EXCEPTION 'reads refused for this test'; END$$");
        DB.execute("CREATE TRIGGER refuse_reads BEFORE UPDATE ON " + table + " FOR EACH ROW EXECUTE FUNCTION "
                   + function + "()");
        try {
            PgmqException e = assertThrows(PgmqException.class, () -> client.completeAndRead(queue, true, first, 30, 10));
            assertTrue(e.getMessage().contains("reads refused"), e.getMessage());
        } finally {
            DB.execute("DROP TRIGGER refuse_reads ON " + table);
            DB.execute("DROP FUNCTION " + function + "()");
        }
        assertEquals(0, DB.queryLong("SELECT count(*) FROM pgmq.\"a_" + queue + "\""), "nothing archived");
        assertEquals(2, client.metrics(queue).queueLength(), "the completed delivery is back in the queue");
        assertEquals(List.of(first.get(0).msgId()), client.archiveDelivered(queue, first), "and still this reader's");
    }

    @Test
    void theInsertThrottleOfPgmqsTrigger() {
        assertTrue(client.notifyInsertThrottleMillis(queue).isEmpty());
        client.enableNotifyInsert(queue, 250);
        assertEquals(250, client.notifyInsertThrottleMillis(queue).orElseThrow());
    }
}
