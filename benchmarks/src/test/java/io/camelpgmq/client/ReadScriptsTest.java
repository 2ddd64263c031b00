package io.camelpgmq.client;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pgbench scripts {@code src/bench/instructions.sh} measures run on a real PostgreSQL as pgbench would run them:
 * each read takes a full batch and returns it as the two arrays the archive binds, and the archive moves exactly that
 * batch to the archive table. Without this, a change of the client's statements could leave the tool measuring a read
 * that fails, or reads nothing, without anyone noticing (it runs by hand, under valgrind, not in the build).
 */
class ReadScriptsTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();

    @Test
    void eachScriptReadsAFullBatchAndArchivesExactlyIt(@TempDir Path dir) throws Exception {
        PgmqClient client = new PgmqClient(DB.dataSource());
        String plain = PgmqTestDatabase.uniqueQueueName("rsp");
        String grouped = PgmqTestDatabase.uniqueQueueName("rsg");
        for (String q : List.of(plain, grouped)) {
            client.createQueue(q);
            List<Integer> seqs = IntStream.range(0, 100).boxed().toList();
            client.sendBatch(q, seqs.stream().map(i -> "{\"seq\":" + i + "}").toList(),
                    seqs.stream().map(i -> "{\"x-pgmq-group\":\"g" + i % 4 + "\"}").toList(), 0);
        }
        ReadScripts.main(new String[] { dir.toString(), plain, grouped });
        DB.execute(Files.readString(dir.resolve("group-index.sql")));
        assertTrue(client.hasGroupIndex(grouped), "group-index.sql creates the index the grouped read uses");

        assertArchivesTen(dir.resolve("plain.sql"), plain, 10);
        assertArchivesTen(dir.resolve("grouped.sql"), grouped, 10);
        assertArchivesTen(dir.resolve("grouped-busy.sql"), grouped, 20);
    }

    /**
     * {@code commits.sh}'s two ways a busy reader commits, at batch 1: the consumer's (the previous batch's archive and
     * the next read in one transaction; the first archive binds empty arrays) and the raw loop's (pgmq.read, then
     * pgmq.archive of what it read). Each pass archives what the previous read took and reads the next message.
     */
    @Test
    void theCommitScriptsArchiveWhatTheyReadOneTransactionAtATime(@TempDir Path dir) throws Exception {
        PgmqClient client = new PgmqClient(DB.dataSource());
        String plain = PgmqTestDatabase.uniqueQueueName("rsc");
        client.createQueue(plain);
        client.sendBatch(plain, IntStream.range(0, 5).mapToObj(i -> "{\"seq\":" + i + "}").toList(), null, 0);
        ReadScripts.main(new String[] { dir.toString(), plain, "g", "1" });
        String archiveTable = "pgmq.\"" + QueueNames.archiveTable(plain) + "\"";

        List<String> consumer = Files.readAllLines(dir.resolve("plain-complete-and-read.sql"));
        assertEquals(List.of("\\set qty 1", "\\set vt 30", "BEGIN;"), consumer.subList(0, 3));
        assertEquals("COMMIT;", consumer.get(5));
        String ids = "{}";
        String readCounts = "{}";
        for (int pass = 0; pass < 3; pass++) {
            try (Connection c = DB.dataSource().getConnection(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute(consumer.get(3).replace(":ids", "'" + ids + "'").replace(":cts", "'" + readCounts + "'"));
                try (ResultSet rs = st.executeQuery(withoutGset(consumer.get(4)).replace(":qty", "1")
                        .replace(":vt", "30"))) {
                    assertTrue(rs.next());
                    ids = rs.getString("ids");
                    readCounts = rs.getString("cts");
                }
                c.commit();
            }
            assertEquals(1, ids.split(",").length, "pass " + pass + " read one message: " + ids);
            assertEquals(pass, DB.queryLong("SELECT count(*) FROM " + archiveTable), "pass " + pass
                                                                                      + " archived the one before");
        }

        List<String> raw = Files.readAllLines(dir.resolve("pgmq-read-archive.sql"));
        assertEquals(List.of("\\set qty 1", "\\set vt 30"), raw.subList(0, 2));
        try (Connection c = DB.dataSource().getConnection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(withoutGset(raw.get(2)).replace(":qty", "1").replace(":vt", "30"))) {
                assertTrue(rs.next());
                ids = rs.getString("ids");
            }
            assertEquals(1, ids.split(",").length, "pgmq.read read one message: " + ids);
            st.execute(raw.get(3).replace(":ids", "'" + ids + "'"));
        }
        // the consumer's script's last read is still in flight; the raw loop's archived its own
        assertEquals(3, DB.queryLong("SELECT count(*) FROM " + archiveTable));
        assertEquals(1, DB.queryLong("SELECT count(*) FROM " + archiveTable + " WHERE msg_id = "
                                     + ids.replaceAll("[{}]", "")));
    }

    private static String withoutGset(String line) {
        assertTrue(line.endsWith(" \\gset"), line + ": the read stores its row");
        return line.substring(0, line.length() - " \\gset".length());
    }

    /**
     * {@code instructions.sh} runs ReadScripts with camel-pgmq's and the benchmarks' classes only on its class path, no
     * dependency. From d896ca8 to 0f4ae5d ReadScripts reached a table name through PgmqClient, whose static logger
     * (SLF4J) is not there: the tool died before it measured anything, while the test above, on the test class path,
     * passed.
     */
    @Test
    void runsWithCamelPgmqsAndTheBenchmarksClassesAlone(@TempDir Path dir) throws Exception {
        String classPath = location(ReadScripts.class) + File.pathSeparator + location(QueueNames.class);
        Process tool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classPath, ReadScripts.class.getName(), dir.toString()).redirectErrorStream(true).start();
        String output = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tool.waitFor(60, TimeUnit.SECONDS), "ReadScripts did not end");
        assertEquals(0, tool.exitValue(), output);
        for (String script : List.of("plain.sql", "grouped.sql", "grouped-busy.sql", "plain-complete-and-read.sql",
                "pgmq-read-archive.sql", "group-index.sql")) {
            assertTrue(Files.size(dir.resolve(script)) > 0, script);
        }
    }

    /** The class directory or jar {@code type} was loaded from. */
    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Runs the script's two statements as pgbench would (its variables bound as text), once. */
    private static void assertArchivesTen(Path script, String queue, long archivedAfter) throws Exception {
        List<String> lines = Files.readAllLines(script);
        assertEquals(List.of("\\set qty 10", "\\set vt 30"), lines.subList(0, 2), script.toString());
        String read = lines.get(2);
        assertTrue(read.endsWith(" \\gset"), script + ": the read stores its row");
        read = read.substring(0, read.length() - " \\gset".length()).replace(":qty", "10").replace(":vt", "30")
                .replace(":cursor", "0");
        boolean grouped = !script.getFileName().toString().equals("plain.sql");
        try (Connection c = DB.dataSource().getConnection(); Statement st = c.createStatement()) {
            String ids;
            String readCounts;
            try (ResultSet rs = st.executeQuery(read)) {
                assertTrue(rs.next(), script.toString());
                ids = rs.getString("ids");
                readCounts = rs.getString("cts");
                // what the consumer's read returns besides the rows, asked for so that PostgreSQL runs all of it
                assertNull(rs.getObject("next_vt"), script + ": a full batch, no next vt");
                assertNotNull(rs.getObject("db_now"), script + ": the database's clock");
                if (grouped) {
                    if (script.getFileName().toString().equals("grouped-busy.sql")) {
                        assertNull(rs.getObject("other_groups_free"), script + ": a busy consumer's read does not look");
                    } else {
                        assertTrue(rs.getBoolean("other_groups_free"), script + ": three of the four groups were free");
                    }
                    // the next read's cursor: the key of a group the read took (g0 to g3), not the 0 it started from
                    assertEquals(1, DB.queryLong("SELECT count(*) FROM generate_series(0, 3) i WHERE hashtextextended("
                                                 + "'g' || i, 0) = " + rs.getLong("cursor")), script + ": the cursor");
                }
            }
            assertEquals(10, ids.split(",").length, script + ": a full batch, " + ids);
            assertEquals("{" + String.join(",", Collections.nCopies(10, "1")) + "}", readCounts,
                    script + ": each read once");
            String archive = lines.get(3).replace(":ids", "'" + ids + "'").replace(":cts", "'" + readCounts + "'");
            st.execute(archive);
        }
        assertEquals(archivedAfter, DB.queryLong("SELECT count(*) FROM pgmq.\"" + QueueNames.archiveTable(queue)
                                                 + "\""), script + ": the batch read is archived");
    }
}
