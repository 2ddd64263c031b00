package io.camelpgmq.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes pgbench scripts of the consumer's own statements, for {@code src/bench/instructions.sh},
 * {@code src/bench/locality.sh} and {@code src/bench/commits.sh}: each transaction
 * reads a batch (the consumer's plain read, or its grouped read with the group index) and archives
 * what it read, as two auto-commit statements ({@code readWithNextVisible} then {@code archiveDelivered}). The
 * statements are the client's, word for word, except the read's last {@code SELECT}, which returns the batch's
 * msg_ids and read counts as two arrays (pgbench's {@code \gset} takes one row) for the archive to bind, and the rest
 * of what the consumer's read returns in one row.
 * <p>
 * Two more scripts compare how a busy reader commits: {@code plain-complete-and-read.sql}, the consumer's (the
 * previous batch's archive and the next read in one transaction, as {@code completeAndRead}, there in one round trip;
 * its first archive binds empty arrays: pgbench {@code -D ids={} -D cts={}}), and {@code pgmq-read-archive.sql}, the
 * benchmarks' raw loop's ({@code PgmqClient.read} then {@code archive}: pgmq's functions, each in a transaction of
 * its own).
 * <p>
 * In this package to reach the client's statement builders, which are package-private; a measuring tool only.
 */
public final class ReadScripts {

    private static final int VT_SECONDS = 30;

    private ReadScripts() {
    }

    /**
     * {@code args[0]}: the directory to write {@code plain.sql}, {@code grouped.sql}, {@code grouped-busy.sql},
     * {@code plain-complete-and-read.sql}, {@code pgmq-read-archive.sql} and {@code group-index.sql} to;
     * {@code args[1]} and {@code args[2]}: the plain and the grouped queue (default {@code p} and {@code g});
     * {@code args[3]}: the batch (default 10).
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        String plain = args.length > 1 ? QueueNames.validate(args[1]) : "p";
        String grouped = args.length > 2 ? QueueNames.validate(args[2]) : "g";
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        Files.createDirectories(dir);
        String plainTable = QueueNames.qualifiedQueueTable(plain);
        String groupedTable = QueueNames.qualifiedQueueTable(grouped);
        Map<String, String> scripts = new LinkedHashMap<>();
        String[] plainParameters = { "qty", "vt", "qty" };
        String plainRead = batchAsArrays(ReadSql.read(plainTable, batch, true), " SELECT r.*, n.next_vt, n.db_now", "r",
                plainParameters);
        scripts.put("plain.sql", script(batch, plainRead, plain));
        String[] groupedParameters = { "cursor", "qty", "qty", "qty", "vt", "qty" };
        scripts.put("grouped.sql", script(batch, batchAsArrays(GroupedReadSql.read(GroupedRead.FILL, groupedTable,
                batch, true, true), " SELECT u.*, n.next_vt, n.db_now", "updated u", groupedParameters), grouped));
        // the read of a consumer whose readers all run: it does not look for other free groups (PgmqReaders.canHelp)
        scripts.put("grouped-busy.sql", script(batch, batchAsArrays(GroupedReadSql.read(GroupedRead.FILL, groupedTable,
                batch, true, false), " SELECT u.*, n.next_vt, n.db_now", "updated u", groupedParameters), grouped));
        // a busy consumer's reader: the previous batch's archive, then the next read, one commit
        scripts.put("plain-complete-and-read.sql", header(batch) + "BEGIN;\n" + archive(plain) + plainRead
                                                   + " \\gset\nCOMMIT;\n");
        // the raw loop's: pgmq.read, then pgmq.archive of what it read, each committed on its own
        String pgmqRead = "SELECT '{' || coalesce(string_agg(r.msg_id::text, ','), '') || '}' AS ids FROM ("
                          + pgmqCall(ReadSql.READ, plain, "vt", "qty") + ") r";
        scripts.put("pgmq-read-archive.sql", header(batch) + pgmqRead + " \\gset\n"
                                             + pgmqCall(CompletionSql.ARCHIVE_MANY, plain, "ids") + ";\n");
        for (Map.Entry<String, String> e : scripts.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        // the group index, word for word as the client creates it
        Files.writeString(dir.resolve("group-index.sql"), GroupedReadSql.groupIndex(grouped, false) + ";\n");
    }

    /**
     * The read (its parameters as pgbench variables) returning its batch as two arrays, for the archive to bind.
     * {@code lastSelect}: how the read's last SELECT begins (checked, so that a changed statement fails here rather
     * than measure something else); {@code rows}: what that SELECT joins the batch's rows as.
     */
    private static String batchAsArrays(String read, String lastSelect, String rows, String[] parameters) {
        int at = read.lastIndexOf(lastSelect);
        if (at < 0) {
            throw new IllegalStateException("The read's last SELECT no longer begins with '" + lastSelect + "': " + read);
        }
        String alias = rows.substring(rows.lastIndexOf(' ') + 1);
        boolean grouped = parameters[0].equals("cursor");
        // a grouped read starts after the group cursor, which each client carries from one read to the next as the
        // client's GroupCursors does (kept when a read took nothing); its first value comes with pgbench -D cursor=N
        // it also returns what the consumer's read returns besides the rows (the database's clock, the next vt, whether
        // other groups were free): PostgreSQL leaves out the parts of a statement whose results nobody asks for, and
        // until 2026-12-04 the scripts left out the grouped read's look for other free groups
        String batchAsArrays = read.substring(0, at) + " SELECT '{' || coalesce(string_agg(" + alias
                               + ".msg_id::text, ','), '') || '}' AS ids, '{' || coalesce(string_agg(" + alias
                               + ".read_ct::text, ','), '') || '}' AS cts, max(n.db_now) AS db_now,"
                               + " max(n.next_vt) AS next_vt"
                               + (grouped ? ", bool_or(n.other_groups_free) AS other_groups_free,"
                                            + " coalesce(max(n.group_cursor), ?::bigint) AS cursor" : "")
                               + " FROM n LEFT JOIN " + rows + " ON true";
        if (grouped) {
            parameters = Arrays.copyOf(parameters, parameters.length + 1);
            parameters[parameters.length - 1] = "cursor";
        }
        return variables(batchAsArrays, parameters);
    }

    /** A pgbench script: the read ({@link #batchAsArrays}), then the archive of its batch, each in auto-commit. */
    private static String script(int batch, String read, String queue) {
        return header(batch) + read + " \\gset\n" + archive(queue);
    }

    /** The scripts' variables: the batch and the visibility timeout. */
    private static String header(int batch) {
        return "\\set qty " + batch + "\n\\set vt " + VT_SECONDS + "\n";
    }

    /** The consumer's archive of a batch it read ({@code archiveDelivered}), bound to the read's two arrays. */
    private static String archive(String queue) {
        return variables(String.format(CompletionSql.ARCHIVE_OWNED, QueueNames.qualifiedQueueTable(queue),
                QueueNames.qualifiedArchiveTable(queue)), new String[] { "ids", "cts" }) + ";\n";
    }

    /**
     * A call of one of pgmq's functions whose first parameter is the queue: the (validated) queue as a literal, the
     * other parameters as the pgbench variables {@code names}, in order.
     */
    private static String pgmqCall(String sql, String queue, String... names) {
        String[] all = new String[names.length + 1];
        all[0] = "queue";
        System.arraycopy(names, 0, all, 1, names.length);
        return variables(sql, all).replace(":queue", "'" + queue + "'");
    }

    /** The statement with its {@code ?} parameters replaced by pgbench variables, in order. */
    private static String variables(String sql, String[] names) {
        StringBuilder out = new StringBuilder();
        int k = 0;
        for (char c : sql.toCharArray()) {
            if (c == '?') {
                out.append(':').append(names[k++]);
            } else {
                out.append(c);
            }
        }
        if (k != names.length) {
            throw new IllegalStateException("Expected " + names.length + " parameters, found " + k + ": " + sql);
        }
        return out.toString();
    }
}
