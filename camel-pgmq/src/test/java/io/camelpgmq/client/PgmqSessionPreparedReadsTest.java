package io.camelpgmq.client;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer's reads prepared in the server session under names derived from their text, as behind a transaction
 * pooler ({@link PgmqClient#useSessionPreparedReads}): on one connection (one server session), so that what the
 * session holds can be looked at. Through a real PgBouncer: {@code PgmqPoolerTest}.
 */
class PgmqSessionPreparedReadsTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private final PgmqClient client = new PgmqClient(DB.dataSource());

    private static List<String> prepared(Connection c) throws Exception {
        List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM pg_prepared_statements WHERE name LIKE 'camel_pgmq_%'"
                                           + " ORDER BY name")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** A client on {@code c} (one server session) whose reads are prepared in the session. */
    private static PgmqClient sessionPreparing(Connection c) {
        PgmqClient onSession = PgmqClient.onConnection(c);
        onSession.useSessionPreparedReads(true);
        return onSession;
    }

    /** Reads, then makes the session forget what it prepared (as a pooler's DISCARD ALL or a new server session). */
    private static PgmqRead readThenForget(PgmqClient onSession, Statement s, String q, int qty) throws Exception {
        PgmqRead read = onSession.readWithNextVisible(q, 30, qty);
        s.execute("DEALLOCATE ALL");
        return read;
    }

    private static List<Long> ids(PgmqRead read) {
        return read.messages().stream().map(PgmqMessage::msgId).toList();
    }

    private static List<Long> sorted(List<Long> ids) {
        return ids.stream().sorted().toList();
    }

    /** A queue of {@code messages}, each in a group of its own. */
    private String queueOf(int messages, boolean grouped) {
        String q = PgmqTestDatabase.uniqueQueueName("sessprep");
        client.createQueue(q);
        if (grouped) {
            client.createGroupIndex(q);
        }
        for (int i = 0; i < messages; i++) {
            client.send(q, "{\"n\":" + i + "}", "{\"x-pgmq-group\":\"g" + i + "\"}", 0);
        }
        return q;
    }

    @Test
    void aReadIsPreparedOnceInTheSessionAndRunByItsName() throws Exception {
        for (GroupedRead mode : new GroupedRead[] { null, GroupedRead.FILL, GroupedRead.ROUND_ROBIN }) {
            String q = queueOf(6, mode != null);
            try (Connection c = DB.dataSource().getConnection()) {
                PgmqClient onSession = sessionPreparing(c);
                String name = SessionPreparedSql.name(onSession.readStatement(mode, q, 2));
                List<Long> read = new ArrayList<>(ids(onSession.readWithNextVisible(mode, q, 30, 2)));
                assertTrue(prepared(c).contains(name), mode + ": prepared under its name after the first read");
                int preparedAfterFirst = prepared(c).size();
                read.addAll(ids(onSession.readWithNextVisible(mode, q, 30, 2)));
                read.addAll(ids(onSession.readWithNextVisible(mode, q, 30, 2)));
                assertEquals(preparedAfterFirst, prepared(c).size(), mode + ": the same statement, not another");
                assertEquals(6, read.size(), mode + ": every message read once: " + read);
                assertEquals(6, read.stream().distinct().count(), mode + ": none twice: " + read);
                assertTrue(onSession.readWithNextVisible(mode, q, 30, 2).messages().isEmpty(), String.valueOf(mode));
            }
        }
    }

    /** A session that lost its prepared statements (a pooler's DISCARD ALL, a server restart) prepares them again. */
    @Test
    void aSessionThatLostTheStatementPreparesItAgain() throws Exception {
        String q = queueOf(4, false);
        try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement()) {
            PgmqClient onSession = sessionPreparing(c);
            PgmqRead first = readThenForget(onSession, s, q, 1);
            assertTrue(prepared(c).isEmpty());
            PgmqRead second = onSession.readWithNextVisible(q, 30, 1);
            assertEquals(1, prepared(c).size());
            assertEquals(2, ids(first).size() + ids(second).size());
            assertFalse(ids(second).contains(ids(first).get(0)));
        }
    }

    /**
     * Two clients that both found the statement missing in one server session (through a pooler) both send its
     * preparation there, one after the other: the second finds it prepared and runs it.
     */
    @Test
    void aSecondPreparationInTheSameSessionRunsThePreparedStatement() throws Exception {
        String sql = "SELECT ?::integer + 1";
        try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("DEALLOCATE ALL");
            for (int round = 1; round <= 2; round++) {
                s.execute(SessionPreparedSql.prepare(sql) + ";\n" + SessionPreparedSql.execute(sql, 41));
                while (!s.getMoreResults() && s.getUpdateCount() != -1) {
                    // the DO block's result: none
                }
                try (ResultSet rs = s.getResultSet()) {
                    assertTrue(rs.next());
                    assertEquals(42, rs.getInt(1), "round " + round);
                }
            }
            assertEquals(List.of(SessionPreparedSql.name(sql)), prepared(c));
        }
    }

    /**
     * A completion sent with a read the session has not prepared is undone with it and sent again: archived once.
     */
    @Test
    void aCompletionSentWithAnUnpreparedReadIsArchivedOnce() throws Exception {
        String q = queueOf(4, false);
        try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement()) {
            PgmqClient onSession = sessionPreparing(c);
            PgmqRead first = readThenForget(onSession, s, q, 2);
            PgmqRead next = onSession.completeAndRead(q, true, first.messages(), 30, 2);
            assertEquals(sorted(ids(first)), sorted(next.completed()));
            assertEquals(2, next.messages().size());
            PgmqRead last = onSession.completeAndRead(q, true, next.messages(), 30, 2);
            assertEquals(sorted(ids(next)), sorted(last.completed()));
            assertTrue(last.messages().isEmpty());
            assertEquals(4, DB.queryLong("SELECT count(*) FROM pgmq.\"a_" + q + "\""), "each archived once");
            assertEquals(0, DB.queryLong("SELECT count(*) FROM pgmq.\"q_" + q + "\""));
        }
    }

    /** Inside a transaction of the caller's a read goes as before: a missing statement must not abort it. */
    @Test
    void aReadInTheCallersTransactionIsNotPreparedInTheSession() throws Exception {
        String q = queueOf(2, false);
        try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("DEALLOCATE ALL"); // a pooled connection: earlier tests may have prepared in its session
            c.setAutoCommit(false);
            PgmqClient onSession = sessionPreparing(c);
            assertEquals(1, onSession.readWithNextVisible(q, 30, 1).messages().size());
            assertTrue(prepared(c).isEmpty());
            assertEquals(1, onSession.readWithNextVisible(q, 30, 1).messages().size(), "the transaction goes on");
            c.commit();
        }
    }

    /**
     * Behind a pooler that resets its server sessions after each transaction every read would prepare again (two
     * statements and the planning it set out to save): after two windows of mostly preparing reads, the client stops.
     */
    @Test
    void readsThatKeepPreparingStopPreparing() throws Exception {
        String q = queueOf(0, false);
        try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement()) {
            PgmqClient onSession = sessionPreparing(c);
            for (int i = 0; i < 2 * SessionPreparationWatch.WINDOW; i++) {
                assertTrue(onSession.isUsingSessionPreparedReads(), "still preparing before read " + i);
                readThenForget(onSession, s, q, 1);
            }
            assertFalse(onSession.isUsingSessionPreparedReads(), "stopped after two windows");
            onSession.readWithNextVisible(q, 30, 1);
            assertTrue(prepared(c).isEmpty(), "reads go unprepared now");
        }
    }

    /** A pool warming up prepares each read in each session once: one window of it does not stop preparing. */
    @Test
    void aWindowOfPreparingReadsAloneDoesNotStopPreparing() throws Exception {
        String q = queueOf(0, false);
        try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement()) {
            PgmqClient onSession = sessionPreparing(c);
            for (int i = 0; i < SessionPreparationWatch.WINDOW; i++) {
                readThenForget(onSession, s, q, 1);
            }
            for (int i = 0; i < 2 * SessionPreparationWatch.WINDOW; i++) {
                onSession.readWithNextVisible(q, 30, 1);
            }
            assertTrue(onSession.isUsingSessionPreparedReads());
        }
    }

    /**
     * The completion that travels with a read (archive of the previous batch's successes) is prepared in the session
     * too, and so is a completion sent on its own; each completes its deliveries once, also when the session lost them.
     */
    @Test
    void completionsArePreparedInTheSessionAndCompleteEachDeliveryOnce() throws Exception {
        String q = queueOf(8, false);
        String archive = String.format(CompletionSql.ARCHIVE_OWNED, "pgmq.\"q_" + q + "\"", "pgmq.\"a_" + q + "\"");
        String delete = String.format(CompletionSql.DELETE_OWNED, "pgmq.\"q_" + q + "\"");
        try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("DEALLOCATE ALL");
            PgmqClient onSession = sessionPreparing(c);
            PgmqRead first = onSession.readWithNextVisible(q, 30, 2);
            PgmqRead second = onSession.completeAndRead(q, true, first.messages(), 30, 2);
            assertTrue(prepared(c).contains(SessionPreparedSql.name(archive)), "the completion with the read");
            assertEquals(sorted(ids(first)), sorted(second.completed()));
            PgmqRead third = onSession.completeAndRead(q, true, second.messages(), 30, 2);
            assertEquals(sorted(ids(second)), sorted(third.completed()), "run by its name");
            s.execute("DEALLOCATE ALL");
            assertEquals(sorted(ids(third)), sorted(onSession.archiveDelivered(q, third.messages())),
                    "on its own, in a session that lost it");
            assertTrue(prepared(c).contains(SessionPreparedSql.name(archive)));
            PgmqRead last = onSession.readWithNextVisible(q, 30, 2);
            assertEquals(2, last.messages().size());
            assertEquals(List.of(), onSession.archiveDelivered(q, third.messages()), "not twice");
            assertEquals(sorted(ids(last)), sorted(onSession.deleteDelivered(q, last.messages())));
            assertTrue(prepared(c).contains(SessionPreparedSql.name(delete)));
            assertEquals(6, DB.queryLong("SELECT count(*) FROM pgmq.\"a_" + q + "\""), "each archived once");
            assertEquals(0, DB.queryLong("SELECT count(*) FROM pgmq.\"q_" + q + "\""), "all completed");
        }
    }

    /**
     * A retry's visibility change and a give-back are prepared in the session too; a give-back that NOTIFYs a channel
     * (text) goes unprepared.
     */
    @Test
    void retriesAndGiveBacksArePreparedInTheSessionButNotAGiveBackThatNotifies() throws Exception {
        String q = queueOf(3, false);
        String setVt = String.format(CompletionSql.SET_VT_OWNED, "pgmq.\"q_" + q + "\"");
        String giveBack = String.format(CompletionSql.GIVE_BACK, "pgmq.\"q_" + q + "\"");
        try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("DEALLOCATE ALL");
            PgmqClient onSession = sessionPreparing(c);
            List<PgmqMessage> read = onSession.readWithNextVisible(q, 30, 3).messages();
            assertEquals(3, read.size());
            assertEquals(List.of(read.get(0).msgId()), onSession.setVtDelivered(q, List.of(read.get(0)), 60_000));
            assertTrue(prepared(c).contains(SessionPreparedSql.name(setVt)), "the retry's set_vt");
            assertEquals(List.of(read.get(1).msgId()), onSession.giveBack(q, List.of(read.get(1)), null));
            assertTrue(prepared(c).contains(SessionPreparedSql.name(giveBack)), "the give-back");
            int preparedBefore = prepared(c).size();
            assertEquals(List.of(read.get(2).msgId()), onSession.giveBack(q, List.of(read.get(2)), "sessprep_wake"));
            assertEquals(preparedBefore, prepared(c).size(), "a give-back that notifies goes unprepared");
            List<PgmqMessage> again = onSession.readWithNextVisible(q, 30, 3).messages();
            assertEquals(List.of(read.get(1).msgId(), read.get(2).msgId()),
                    sorted(again.stream().map(PgmqMessage::msgId).toList()), "given back, and not the one retried later");
            assertTrue(again.stream().allMatch(m -> m.readCount() == 1), "a give-back undoes its read: " + again);
        }
    }

    /**
     * A database whose roles may not run DO blocks (no USAGE on the language plpgsql, as some hardened servers are set
     * up) cannot prepare this way: the read runs unprepared, and the client stops trying, instead of failing every
     * read.
     */
    @Test
    void whereTheStatementsCannotBePreparedTheyRunUnpreparedAndPreparingStops() throws Exception {
        String database = "pgmq_nodo_" + Long.toString(System.nanoTime(), 36);
        String role = "pgmq_nodo_" + Long.toString(System.nanoTime(), 36);
        String q = "nodo";
        DB.execute("CREATE DATABASE " + database);
        try {
            DB.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'pw'");
            try (Connection admin = DriverManager.getConnection(DB.jdbcUrl(database), DB.credentials());
                 Statement s = admin.createStatement()) {
                PgmqSchema.install(admin);
                s.execute("SELECT pgmq.create('" + q + "')");
                s.execute("SELECT pgmq.send('" + q + "', jsonb_build_object('n', n)) FROM generate_series(1, 3) n");
                s.execute("REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC");
                s.execute("GRANT USAGE ON SCHEMA pgmq TO " + role);
                s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgmq TO " + role);
            }
            Properties asRole = new Properties();
            asRole.setProperty("user", role);
            asRole.setProperty("password", "pw");
            try (Connection c = DriverManager.getConnection(DB.jdbcUrlWithoutCredentials(database), asRole)) {
                PgmqClient onSession = sessionPreparing(c);
                PgmqRead first = onSession.readWithNextVisible(q, 30, 2);
                assertEquals(2, first.messages().size(), "read unprepared");
                assertFalse(onSession.isUsingSessionPreparedReads(), "and preparing stopped");
                PgmqRead next = onSession.completeAndRead(q, true, first.messages(), 30, 2);
                assertEquals(sorted(ids(first)), sorted(next.completed()));
                assertEquals(1, next.messages().size());
                assertTrue(prepared(c).isEmpty());
            }
        } finally {
            DB.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            DB.execute("DROP ROLE IF EXISTS " + role);
        }
    }

    @Test
    void theStatementIsPreparedWithNumberedIntegerParametersAndRunWithLiterals() {
        String sql = "SELECT ?::integer + ?::integer";
        assertTrue(SessionPreparedSql.applies(sql));
        assertFalse(SessionPreparedSql.applies("SELECT ?::text"), "a text parameter would need quoting");
        assertFalse(SessionPreparedSql.applies("SELECT ?::jsonb"), "so would JSON");
        assertFalse(SessionPreparedSql.applies("SELECT '{}'::jsonb ? 'a' AND ?::integer > 0"), "an operator, not a"
                                                                                                + " parameter");
        assertFalse(SessionPreparedSql.applies("SELECT $$?::integer$$"), "a dollar sign could end the quotes");
        assertFalse(SessionPreparedSql.applies("SELECT 1"), "nothing to bind");
        String name = SessionPreparedSql.name(sql);
        assertEquals("EXECUTE " + name + "(1, 2)", SessionPreparedSql.execute(sql, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> SessionPreparedSql.execute(sql, 1, "2"),
                "only numbers are written out");
        assertEquals("DO $camel_pgmq$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements WHERE"
                     + " name = '" + name + "') THEN EXECUTE $camel_pgmq_sql$PREPARE " + name
                     + "(integer, integer) AS SELECT $1::integer + $2::integer$camel_pgmq_sql$; END IF;"
                     + " END $camel_pgmq$", SessionPreparedSql.prepare(sql));
        assertEquals(name, SessionPreparedSql.name("SELECT ?::integer + ?::integer"), "the same text, the same name");

        String arrays = "SELECT * FROM unnest((SELECT ?::bigint[]), (SELECT ?::integer[])) WHERE ?::bigint > 0";
        String arraysName = SessionPreparedSql.name(arrays);
        assertEquals("EXECUTE " + arraysName + "('{9007199254740993,-1}', '{1,2}', 5)",
                SessionPreparedSql.execute(arrays, new long[] { 9007199254740993L, -1 }, new int[] { 1, 2 }, 5L));
        assertEquals("DO $camel_pgmq$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements WHERE"
                     + " name = '" + arraysName + "') THEN EXECUTE $camel_pgmq_sql$PREPARE " + arraysName
                     + "(bigint[], integer[], bigint) AS SELECT * FROM unnest((SELECT $1::bigint[]),"
                     + " (SELECT $2::integer[])) WHERE $3::bigint > 0$camel_pgmq_sql$; END IF; END $camel_pgmq$",
                SessionPreparedSql.prepare(arrays));
    }
}
