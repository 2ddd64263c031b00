package io.camelpgmq.client;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plain-JDBC client for the pgmq functions, usable without Camel: every SQL statement of camel-pgmq runs through
 * it. The statements themselves live beside it, grouped by concern: {@link QueueSql}, {@link SendSql},
 * {@link ReadSql}, {@link GroupedReadSql}, {@link CompletionSql}, {@link NotifySql}, {@link TopicSql} and
 * {@link AccessSql}; {@link SessionPreparedSql} prepares the consumer's reads and completions in the server session
 * behind a transaction pooler.
 * <p>
 * Over a {@link DataSource} each call takes a connection and gives it back (auto-commit); {@link #inTransaction}
 * runs several calls in one transaction. Over a caller's {@link Connection} ({@link #onConnection}) every call joins
 * the caller's transaction and the client never commits, rolls back or closes it.
 * <p>
 * Arguments are bound with explicit casts ({@code ?::text}, {@code ?::jsonb}, {@code ?::integer}) so that pgmq's
 * overloads resolve the same on every server, and rows are mapped by column name, so that a pgmq with more columns
 * does not break it. Queue names are checked before any SQL ({@link QueueNames}); JSON texts too.
 */
public final class PgmqClient {

    private static final Logger LOG = LoggerFactory.getLogger(PgmqClient.class);

    /** SQLState of "permission denied". */
    static final String INSUFFICIENT_PRIVILEGE = "42501";

    private final DataSource dataSource;
    private final Connection connection;
    private final QueueChecks groupIndexChecks = new QueueChecks(this::hasGroupIndex);
    private final QueueChecks vtIndexChecks = new QueueChecks(this::hasVtIndex);
    private final GroupCursors groupCursors = new GroupCursors();
    private volatile boolean sessionPreparedReads;
    private volatile boolean sessionPreparationGivenUp;
    private final SessionPreparationWatch sessionPreparations = new SessionPreparationWatch();
    private final StatementTexts texts = new StatementTexts();

    private PgmqClient(DataSource dataSource, Connection connection) {
        this.dataSource = dataSource;
        this.connection = connection;
    }

    /** A client that takes a connection from the pool for each call, in auto-commit. */
    public PgmqClient(DataSource dataSource) {
        this(Objects.requireNonNull(dataSource, "dataSource"), null);
    }

    /**
     * A client whose calls run on the caller's connection and join its transaction: the outbox pattern. The client
     * never commits, rolls back or closes that connection.
     */
    public static PgmqClient onConnection(Connection connection) {
        return new PgmqClient(null, Objects.requireNonNull(connection, "connection"));
    }

    /**
     * Chooses a send's NOTIFY on the connection the send runs on, because only there is it known whether the send
     * commits by itself when its statement returns.
     */
    @FunctionalInterface
    public interface NotifyChoice {

        /** Every send notifies with the empty payload (pgmq's own trigger notifies with it too). */
        NotifyChoice ALWAYS = commitsOnReturn -> "";

        /**
         * @param  commitsOnReturn true when the send runs in auto-commit on a connection of the client's DataSource,
         *                         so it is committed when the call returns; false when it joins a transaction (the
         *                         caller's connection, or a DataSource connection with auto-commit off, e.g. one
         *                         bound to a Spring transaction) that may commit later or roll back
         * @return                 the payload to notify with, or {@code null} to send without a NOTIFY
         */
        String payload(boolean commitsOnReturn);
    }

    /** Work done in one transaction by {@link #inTransaction}. */
    @FunctionalInterface
    public interface TransactionalWork<T> {
        T run(PgmqClient tx) throws SQLException;
    }

    /**
     * Runs the work in one transaction: it commits when the work returns and rolls back when it throws. On a client
     * made with {@link #onConnection} the work simply joins the caller's transaction.
     */
    public <T> T inTransaction(TransactionalWork<T> work) {
        if (connection != null) {
            return runTranslated(() -> work.run(this), "transaction", null);
        }
        try (Connection c = getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(onConnection(c));
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw translate(e, "transaction", null);
        }
    }

    // ---------------------------------------------------------------- queues

    /**
     * Creates a queue ({@code pgmq.create}); does nothing when it exists.
     *
     * @throws PgmqException.QueueNameConflict when the queue's tables exist under another spelling of the name:
     *                                         {@code pgmq.create} would register them a second time
     */
    public void createQueue(String queueName) {
        refuseSecondName(queueName);
        execute(QueueSql.CREATE, "create", QueueNames.validate(queueName), queueName);
        vtIndexChecks.forget(queueName);
    }

    /** Creates a queue whose queue table is unlogged: faster, but emptied by a crash. */
    public void createUnloggedQueue(String queueName) {
        refuseSecondName(queueName);
        execute(QueueSql.CREATE_UNLOGGED, "create_unlogged", QueueNames.validate(queueName), queueName);
        vtIndexChecks.forget(queueName);
    }

    /**
     * The name {@code pgmq.meta} registers the queue's tables under: the name itself when it is registered, else
     * another spelling of it ({@code 'Orders'} for {@code 'orders'}: pgmq lower-cases a name for its tables but keeps
     * it as given in {@code pgmq.meta}), else {@code null}.
     */
    public String registeredName(String queueName) {
        QueueNames.validate(queueName);
        return queryOne(QueueSql.REGISTERED_NAME, "queue_exists", null, FIRST_STRING, queueName, queueName);
    }

    // pgmq.create('orders') after pgmq.create('Orders') adds a second pgmq.meta row over the same tables; dropping
    // either queue then drops both's messages
    private void refuseSecondName(String queueName) {
        String registered = registeredName(queueName);
        if (registered != null && !registered.equals(queueName)) {
            throw new PgmqException.QueueNameConflict(queueName, registered);
        }
    }

    /** Drops a queue and its archive; {@code false} when there was no such queue. */
    public boolean dropQueue(String queueName) {
        boolean dropped = queryOne(QueueSql.DROP_QUEUE, "drop_queue", QueueNames.validate(queueName), FIRST_BOOLEAN,
                queueName);
        // its indexes went with it
        groupIndexChecks.found(queueName, false);
        vtIndexChecks.forget(queueName);
        return dropped;
    }

    /** Deletes every message of a queue (not of its archive); returns how many there were. */
    public long purgeQueue(String queueName) {
        return queryOne(QueueSql.PURGE_QUEUE, "purge_queue", QueueNames.validate(queueName), FIRST_LONG, queueName);
    }

    /** Whether the queue exists in {@code pgmq.meta}. */
    public boolean queueExists(String queueName) {
        return queryOne(QueueSql.QUEUE_EXISTS, "queue_exists", null, FIRST_BOOLEAN, QueueNames.validate(queueName));
    }

    /** Every queue, in name order. */
    public List<PgmqQueue> listQueues() {
        List<PgmqQueue> queues = queryList(QueueSql.LIST_QUEUES, "list_queues", null, (rs, cols) -> new PgmqQueue(
                rs.getString("queue_name"), rs.getBoolean("is_partitioned"), rs.getBoolean("is_unlogged"),
                rs.getObject("created_at", OffsetDateTime.class)));
        queues.sort((a, b) -> a.queueName().compareTo(b.queueName()));
        return queues;
    }

    /** The queue's figures ({@code pgmq.metrics}). */
    public PgmqMetrics metrics(String queueName) {
        return queryOne(QueueSql.METRICS, "metrics", QueueNames.validate(queueName), PgmqClient::toMetrics, queueName);
    }

    /** Every queue's figures ({@code pgmq.metrics_all}). */
    public List<PgmqMetrics> metricsAll() {
        return queryList(QueueSql.METRICS_ALL, "metrics_all", null, PgmqClient::toMetrics);
    }

    /**
     * A sample of each queue's depth, in-flight count and oldest message age, in one statement for all of them (a
     * count over each queue table, as {@code pgmq.metrics} does). Meant for a sampler that runs every few seconds, not
     * per message.
     */
    public List<PgmqQueueStats> queueStats(List<String> queueNames) {
        if (queueNames.isEmpty()) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder();
        for (String queueName : queueNames) {
            if (sql.length() > 0) {
                sql.append(" UNION ALL ");
            }
            sql.append(String.format(QueueSql.QUEUE_STATS, QueueNames.qualifiedQueueTable(queueName)));
        }
        return queryList(sql.toString(), "queue_stats", null,
                (rs, columns) -> new PgmqQueueStats(rs.getString("queue_name"), rs.getLong("depth"),
                        rs.getLong("in_flight"), rs.getDouble("oldest_age")),
                queueNames.toArray());
    }

    /**
     * Deletes up to {@code batchSize} rows archived more than {@code olderThanMillis} ago from the queue's archive, the
     * oldest first, in one short transaction that holds a transaction-level advisory lock on the archive (no session
     * lock: it works behind a transaction pooler).
     *
     * @return the rows deleted, or -1 when another session holds the archive's lock (it is pruning it now)
     */
    public int pruneArchive(String queueName, long olderThanMillis, int batchSize) {
        requirePositive(batchSize, "batchSize");
        String table = QueueNames.qualifiedArchiveTable(queueName);
        return inTransaction(tx -> tx.withConnection("prune_archive", queueName, c -> {
            if (!one(c, QueueSql.PRUNE_LOCK, "prune_archive", FIRST_BOOLEAN, "camel-pgmq:prune:" + table)) {
                return -1;
            }
            String prune = String.format(QueueSql.PRUNE_ARCHIVE, table);
            try (PreparedStatement ps = prepare(c, prune, olderThanMillis, batchSize)) {
                return ps.executeUpdate();
            }
        }));
    }

    // ---------------------------------------------------------------- sending

    /** Sends one JSON message, visible at once; returns its id. */
    public long send(String queueName, String json) {
        return send(queueName, json, null, 0, null);
    }

    /**
     * Sends one JSON message with pgmq headers (may be {@code null}), visible after {@code delaySeconds}; returns
     * its id.
     */
    public long send(String queueName, String json, String headersJson, int delaySeconds) {
        return send(queueName, json, headersJson, delaySeconds, null);
    }

    /**
     * Sends one JSON message and, in the same statement and so the same transaction, a NOTIFY on
     * {@code notifyChannel} (none when {@code null}): both commit or neither.
     */
    public long send(String queueName, String json, String headersJson, int delaySeconds, String notifyChannel) {
        return send(queueName, json, headersJson, delaySeconds, notifyChannel, NotifyChoice.ALWAYS);
    }

    /**
     * Sends one JSON message and, when {@code notifyChannel} is not {@code null} and {@code choice} gives a payload,
     * a NOTIFY on it with that payload in the same statement, so the same transaction.
     */
    public long send(String queueName, String json, String headersJson, int delaySeconds, String notifyChannel,
                     NotifyChoice choice) {
        QueueNames.validate(queueName);
        JsonText.require(json, "message body");
        JsonText.require(headersJson, "headers");
        if (notifyChannel != null) {
            QueueNames.validateChannel(notifyChannel);
        }
        return withConnection("send", queueName, c -> {
            String payload = notifyPayload(c, notifyChannel, choice);
            boolean notify = payload != null;
            String sql;
            Object[] args;
            if (headersJson == null && delaySeconds == 0) {
                sql = notify ? SendSql.SEND_NOTIFY : SendSql.SEND;
                args = new Object[] { queueName, json };
            } else if (headersJson == null) {
                sql = notify ? SendSql.SEND_DELAY_NOTIFY : SendSql.SEND_DELAY;
                args = new Object[] { queueName, json, delaySeconds };
            } else {
                sql = notify ? SendSql.SEND_HEADERS_DELAY_NOTIFY : SendSql.SEND_HEADERS_DELAY;
                args = new Object[] { queueName, json, headersJson, delaySeconds };
            }
            return one(c, sql, "send", MSG_ID, withNotify(notifyChannel, payload, args));
        });
    }

    /** Sends one JSON message with pgmq headers (may be {@code null}), visible from {@code visibleAt}. */
    public long send(String queueName, String json, String headersJson, OffsetDateTime visibleAt) {
        QueueNames.validate(queueName);
        JsonText.require(json, "message body");
        JsonText.require(headersJson, "headers");
        Objects.requireNonNull(visibleAt, "visibleAt");
        return queryOne(SendSql.SEND_HEADERS_AT, "send", queueName, MSG_ID, queueName, json, headersJson,
                visibleAt);
    }

    /**
     * Sends many JSON messages in one statement; returns their ids in order.
     *
     * @param headersJson one headers JSON per message (entries may be {@code null}), or {@code null} for none
     */
    public List<Long> sendBatch(String queueName, List<String> jsons, List<String> headersJson, int delaySeconds) {
        return sendBatch(queueName, jsons, headersJson, delaySeconds, null);
    }

    /**
     * Sends many JSON messages and one NOTIFY on {@code notifyChannel} (none when {@code null}) in one statement, so
     * one transaction; returns the ids in order.
     */
    public List<Long> sendBatch(String queueName, List<String> jsons, List<String> headersJson, int delaySeconds,
                                String notifyChannel) {
        return sendBatch(queueName, jsons, headersJson, delaySeconds, notifyChannel, NotifyChoice.ALWAYS);
    }

    /**
     * Sends many JSON messages and, when {@code notifyChannel} is not {@code null} and {@code choice} gives a
     * payload, one NOTIFY on it with that payload, in one statement, so one transaction; returns the ids in order.
     */
    public List<Long> sendBatch(String queueName, List<String> jsons, List<String> headersJson, int delaySeconds,
                                String notifyChannel, NotifyChoice choice) {
        QueueNames.validate(queueName);
        requireBatch(jsons, headersJson);
        if (notifyChannel != null) {
            QueueNames.validateChannel(notifyChannel);
        }
        return withConnection("send_batch", queueName, c -> {
            Array msgs = c.createArrayOf("text", jsons.toArray());
            String payload = notifyPayload(c, notifyChannel, choice);
            boolean notify = payload != null;
            if (headersJson == null) {
                return list(c, notify ? SendSql.SEND_BATCH_DELAY_NOTIFY : SendSql.SEND_BATCH_DELAY, MSG_ID,
                        withNotify(notifyChannel, payload, new Object[] { queueName, msgs, delaySeconds }));
            }
            Array hdrs = c.createArrayOf("text", headersJson.toArray());
            return list(c, notify ? SendSql.SEND_BATCH_HEADERS_DELAY_NOTIFY : SendSql.SEND_BATCH_HEADERS_DELAY,
                    MSG_ID,
                    withNotify(notifyChannel, payload, new Object[] { queueName, msgs, hdrs, delaySeconds }));
        });
    }

    /** The payload {@code choice} gives for a send on {@code c}, or null for no NOTIFY. */
    private String notifyPayload(Connection c, String notifyChannel, NotifyChoice choice) throws SQLException {
        if (notifyChannel == null) {
            return null;
        }
        // over a caller's connection the send joins its transaction; a DataSource connection with auto-commit off
        // (a transaction-aware proxy) joins one too
        boolean commitsOnReturn = connection == null && c.getAutoCommit();
        return (choice == null ? NotifyChoice.ALWAYS : choice).payload(commitsOnReturn);
    }

    private static Object[] withNotify(String notifyChannel, String payload, Object[] args) {
        if (payload == null) {
            return args;
        }
        Object[] all = new Object[args.length + 2];
        all[0] = notifyChannel;
        all[1] = payload;
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }

    // ---------------------------------------------------------------- reading and completing

    /**
     * Reads up to {@code qty} visible messages and hides them for {@code vtSeconds}; each read increments the
     * message's read count.
     */
    public List<PgmqMessage> read(String queueName, int vtSeconds, int qty) {
        QueueNames.validate(queueName);
        requirePositive(qty, "qty");
        return queryList(ReadSql.READ, "read", queueName, PgmqClient::toMessage, queueName, vtSeconds, qty);
    }

    /** Reads like {@link #read(String, int, int)}, only messages that contain the JSON {@code conditionalJson}. */
    public List<PgmqMessage> read(String queueName, int vtSeconds, int qty, String conditionalJson) {
        QueueNames.validate(queueName);
        requirePositive(qty, "qty");
        JsonText.require(conditionalJson, "read filter");
        return queryList(ReadSql.READ_CONDITIONAL, "read", queueName, PgmqClient::toMessage, queueName, vtSeconds, qty,
                conditionalJson);
    }

    /** Deletes and returns up to {@code qty} visible messages (at most once: no retry is possible). */
    public List<PgmqMessage> pop(String queueName, int qty) {
        QueueNames.validate(queueName);
        requirePositive(qty, "qty");
        return queryList(ReadSql.POP, "pop", queueName, PgmqClient::toMessage, queueName, qty);
    }

    /**
     * Up to {@code limit} messages of the queue, oldest first, visible or not, without reading them: no read count,
     * no visibility change (for tests and tools; a dead-letter queue is a queue).
     */
    public List<PgmqMessage> browse(String queueName, int limit) {
        requirePositive(limit, "limit");
        return queryList(String.format(QueueSql.BROWSE, QueueNames.qualifiedQueueTable(queueName)), "browse", queueName,
                PgmqClient::toMessage, limit);
    }

    /** Up to {@code limit} messages of the queue's archive ({@code pgmq.a_<name>}), oldest first. */
    public List<PgmqMessage> browseArchive(String queueName, int limit) {
        requirePositive(limit, "limit");
        return queryList(String.format(QueueSql.BROWSE, QueueNames.qualifiedArchiveTable(queueName)), "browse_archive",
                queueName, PgmqClient::toMessage, limit);
    }

    /** Moves a message to the archive; {@code false} when it was not in the queue. */
    public boolean archive(String queueName, long msgId) {
        QueueNames.validate(queueName);
        return queryOne(CompletionSql.ARCHIVE, "archive", queueName, FIRST_BOOLEAN, queueName, msgId);
    }

    /** Moves messages to the archive; returns the ids that were in the queue. */
    public List<Long> archive(String queueName, List<Long> msgIds) {
        QueueNames.validate(queueName);
        long[] ids = bigintArray(msgIds);
        return withConnection("archive", queueName,
                c -> list(c, CompletionSql.ARCHIVE_MANY, FIRST_LONG, queueName, ids));
    }

    /** Deletes a message; {@code false} when it was not in the queue. */
    public boolean delete(String queueName, long msgId) {
        QueueNames.validate(queueName);
        return queryOne(CompletionSql.DELETE, "delete", queueName, FIRST_BOOLEAN, queueName, msgId);
    }

    /** Deletes messages; returns the ids that were in the queue. */
    public List<Long> delete(String queueName, List<Long> msgIds) {
        QueueNames.validate(queueName);
        long[] ids = bigintArray(msgIds);
        return withConnection("delete", queueName,
                c -> list(c, CompletionSql.DELETE_MANY, FIRST_LONG, queueName, ids));
    }

    /**
     * Sets when a message becomes visible to {@code now + vtSeconds} (absolute, not added to its current vt); empty
     * when there is no such message.
     */
    public Optional<PgmqMessage> setVt(String queueName, long msgId, int vtSeconds) {
        QueueNames.validate(queueName);
        List<PgmqMessage> rows = queryList(CompletionSql.SET_VT, "set_vt", queueName, PgmqClient::toMessage, queueName,
                msgId, vtSeconds);
        return rows.stream().findFirst();
    }

    /**
     * Sets when a message becomes visible to the database's {@code now + vtMillis}, to the millisecond (through
     * pgmq's timestamptz overload); empty when there is no such message.
     */
    public Optional<PgmqMessage> setVtMillis(String queueName, long msgId, long vtMillis) {
        QueueNames.validate(queueName);
        List<PgmqMessage> rows = queryList(CompletionSql.SET_VT_MILLIS, "set_vt", queueName, PgmqClient::toMessage,
                queueName, msgId, vtMillis);
        return rows.stream().findFirst();
    }

    /** Sets the visibility of many messages to {@code now + vtSeconds}; returns those that exist. */
    public List<PgmqMessage> setVt(String queueName, List<Long> msgIds, int vtSeconds) {
        QueueNames.validate(queueName);
        long[] ids = bigintArray(msgIds);
        return withConnection("set_vt", queueName, c -> list(c, CompletionSql.SET_VT_MANY, PgmqClient::toMessage,
                queueName, ids, vtSeconds));
    }

    // ---------------------------------------------------------------- deliveries: acting only on what this read got

    /**
     * Reads like {@link #read(String, int, int)} and, in the same statement, learns when the next message that is
     * not visible now (in flight elsewhere, delayed, waiting for a retry) becomes visible.
     */
    public PgmqRead readWithNextVisible(String queueName, int vtSeconds, int qty) {
        return readWithNextVisible(null, queueName, vtSeconds, qty);
    }

    /**
     * Reads like {@link #readWithNextVisible(String, int, int)} in FIFO groups ({@code mode}), or a plain read when it
     * is {@code null}. The grouped forms are camel-pgmq's own statement over the queue table, not pgmq's
     * {@code read_grouped*} ({@link GroupedReadSql} says why): a group's run stops at its first invisible message, a
     * group is never handed to two readers, and only the groups returned are locked. Run it in auto-commit.
     */
    public PgmqRead readWithNextVisible(GroupedRead mode, String queueName, int vtSeconds, int qty) {
        return readWithNextVisible(mode, queueName, vtSeconds, qty, true);
    }

    /**
     * {@link #readWithNextVisible(GroupedRead, String, int, int)}; {@code lookForOtherGroups} false leaves
     * {@link PgmqRead#otherGroupsFree()} unknown (null) and saves the server the look for free groups beyond those the
     * read takes: for a caller that cannot act on the answer (a consumer whose readers all run already).
     */
    public PgmqRead readWithNextVisible(GroupedRead mode, String queueName, int vtSeconds, int qty,
                                        boolean lookForOtherGroups) {
        QueueNames.validate(queueName);
        requirePositive(qty, "qty");
        String operation = mode == null ? "read" : mode.function();
        String sql = readStatement(mode, queueName, qty, lookForOtherGroups);
        Object[] args = mode == null ? new Object[] { qty, vtSeconds, qty }
                : GroupedReadSql.parameters(mode, groupCursors.next(queueName), vtSeconds, qty);
        return withConnection(operation, queueName, c -> read(c, mode == null ? null : queueName, null, new Object[0],
                sql, args, operation));
    }

    /**
     * Completes earlier deliveries and reads the next batch in one round trip and one transaction: archives (or, with
     * {@code archive} false, deletes) the {@code succeeded} deliveries that are still this reader's, as
     * {@link #archiveDelivered} and {@link #deleteDelivered} do, and reads like {@link #readWithNextVisible(String,
     * int, int)}. {@link PgmqRead#completed()} names the deliveries completed. Both happen, or neither.
     */
    public PgmqRead completeAndRead(String queueName, boolean archive, List<PgmqMessage> succeeded, int vtSeconds,
                                    int qty) {
        return completeAndRead(null, queueName, archive, succeeded, vtSeconds, qty);
    }

    /**
     * {@link #completeAndRead(String, boolean, List, int, int)} reading like
     * {@link #readWithNextVisible(GroupedRead, String, int, int)} in FIFO groups ({@code mode}), or plainly when it is
     * {@code null}.
     * <p>
     * Two statements sent together: pgjdbc sends them with one Sync, and PostgreSQL runs the statements between two
     * Syncs as one implicit transaction (one commit; a failure of either undoes both). The read is a statement of its
     * own, so it takes its snapshot after the completion: it sees the completed rows gone (a group whose completed
     * messages were its oldest goes on), and it does not meet rows that other readers took while the completion waited
     * for a lock (a SKIP LOCKED scan that meets such a row locks it and keeps the lock to its commit).
     */
    public PgmqRead completeAndRead(GroupedRead mode, String queueName, boolean archive, List<PgmqMessage> succeeded,
                                    int vtSeconds, int qty) {
        return completeAndRead(mode, queueName, archive, succeeded, vtSeconds, qty, true);
    }

    /**
     * {@link #completeAndRead(GroupedRead, String, boolean, List, int, int)}; {@code lookForOtherGroups} as for
     * {@link #readWithNextVisible(GroupedRead, String, int, int, boolean)}.
     */
    public PgmqRead completeAndRead(GroupedRead mode, String queueName, boolean archive, List<PgmqMessage> succeeded,
                                    int vtSeconds, int qty, boolean lookForOtherGroups) {
        if (succeeded.isEmpty()) {
            return readWithNextVisible(mode, queueName, vtSeconds, qty, lookForOtherGroups);
        }
        QueueNames.validate(queueName);
        requirePositive(qty, "qty");
        String completing = texts.of(new CompletionText(archive ? CompletionSql.ARCHIVE_OWNED
                : CompletionSql.DELETE_OWNED, queueName));
        String reading = readStatement(mode, queueName, qty, lookForOtherGroups);
        Object[] readingArgs = mode == null ? new Object[] { qty, vtSeconds, qty }
                : GroupedReadSql.parameters(mode, groupCursors.next(queueName), vtSeconds, qty);
        String operation = (archive ? "archive and " : "delete and ") + (mode == null ? "read" : mode.function());
        Object[] completingArgs = { msgIds(succeeded), readCounts(succeeded) };
        return withConnection(operation, queueName, c -> read(c, mode == null ? null : queueName, completing,
                completingArgs, reading, readingArgs, operation));
    }

    /**
     * Behind a transaction pooler, where the connections do not prepare statements server-side, prepare the
     * consumer's reads ({@link #readWithNextVisible(GroupedRead, String, int, int)}, {@link #completeAndRead(GroupedRead,
     * String, boolean, List, int, int)}) and its completions ({@link #archiveDelivered}, {@link #deleteDelivered}) in
     * the server session under names derived from their text ({@link SessionPreparedSql}), so that they are not parsed
     * and planned again at every call. Only auto-commit statements go this way (one inside a transaction of the
     * caller's runs as before): the first in a server session that has not prepared the statement fails there and is
     * sent again with the statement's preparation. When most keep having to prepare (a pooler that resets its server
     * sessions after each transaction), the client stops preparing for good and says so
     * ({@link SessionPreparationWatch}).
     */
    public void useSessionPreparedReads(boolean on) {
        sessionPreparedReads = on;
    }

    /**
     * Whether the consumer's reads and completions are prepared in the server session
     * ({@link #useSessionPreparedReads}).
     */
    public boolean isUsingSessionPreparedReads() {
        return sessionPreparedReads && !sessionPreparationGivenUp;
    }

    /**
     * Runs {@code completing} (none when null) and the read {@code reading} in one round trip and one (implicit)
     * transaction, prepared in the server session when {@link #useSessionPreparedReads} says so; a grouped read of
     * {@code groupedQueue} (null for a plain read) moves that queue's group cursor to where the read stopped.
     */
    private PgmqRead read(Connection c, String groupedQueue, String completing, Object[] completingArgs,
                          String reading, Object[] readingArgs, String operation) throws SQLException {
        RoundTrip<PgmqRead> roundTrip = (sql, args) -> {
            ReadRows read = runRead(c, sql, args, completing != null, operation);
            if (groupedQueue != null) {
                groupCursors.moveTo(groupedQueue, (Long) read.rows().get(0)[4]);
            }
            return toRead(read.rows(), read.completed());
        };
        return completing == null
                ? inOneRoundTrip(c, operation, roundTrip, new Sql(reading, readingArgs))
                : inOneRoundTrip(c, operation, roundTrip, new Sql(completing, completingArgs),
                        new Sql(reading, readingArgs));
    }

    /** A statement's text and its arguments, one per parameter. */
    private record Sql(String text, Object[] args) {
    }

    /** Runs a statement string with its bound arguments and reads what it returns. */
    @FunctionalInterface
    private interface RoundTrip<T> {
        T run(String sql, Object[] args) throws SQLException;
    }

    /**
     * Sends {@code statements} in one string: one round trip and one implicit
     * transaction (pgjdbc sends them with one Sync). Behind a transaction pooler ({@link #useSessionPreparedReads}) and
     * in auto-commit, those that can be ({@link SessionPreparedSql#applies}) run prepared in the server session. A
     * session that has not prepared one fails the first of them that it lacks, which undoes the whole transaction: all
     * of it goes again, their preparations first, in the same transaction and so the same server session. When that
     * fails for good where the statements run unprepared (a database whose roles may not run DO blocks), the client
     * stops preparing and says so; a transient failure is the caller's, as any other. A connection in a transaction
     * of the caller's goes as it is: a missing statement must not abort that transaction.
     */
    private <T> T inOneRoundTrip(Connection c, String operation, RoundTrip<T> roundTrip, Sql... statements)
            throws SQLException {
        boolean anyPrepared = false;
        if (isUsingSessionPreparedReads() && c.getAutoCommit()) {
            for (Sql statement : statements) {
                anyPrepared |= SessionPreparedSql.applies(statement.text());
            }
        }
        if (!anyPrepared) {
            Sql unprepared = joined(statements, false);
            return roundTrip.run(unprepared.text(), unprepared.args());
        }
        Sql prepared = joined(statements, true);
        try {
            T result = roundTrip.run(prepared.text(), prepared.args());
            sessionPreparations.record(false);
            return result;
        } catch (SQLException e) {
            if (!SessionPreparedSql.NOT_PREPARED.equals(e.getSQLState())) {
                throw e;
            }
        }
        LOG.debug("pgmq: preparing the {} in this server session", operation);
        StringBuilder preparations = new StringBuilder();
        for (Sql statement : statements) {
            if (SessionPreparedSql.applies(statement.text())) {
                preparations.append(SessionPreparedSql.prepare(statement.text())).append(";\n");
            }
        }
        T result;
        try {
            result = roundTrip.run(preparations.append(prepared.text()).toString(), prepared.args());
        } catch (SQLException e) {
            if (TransientErrors.isTransient(e)) {
                throw e;
            }
            // nothing of it happened (one implicit transaction): the same statements unprepared tell whether the
            // preparation is what fails, as where roles may not run DO blocks (no USAGE on the language plpgsql);
            // when they fail too, that is their own error
            Sql unprepared = joined(statements, false);
            result = roundTrip.run(unprepared.text(), unprepared.args());
            giveUpSessionPreparation("preparing the " + operation + " in the server session failed (" + e.getMessage()
                                     + ") where the same statements ran unprepared");
            return result;
        }
        if (sessionPreparations.record(true)) {
            giveUpSessionPreparation("in two windows of " + SessionPreparationWatch.WINDOW + " reads and completions in"
                                     + " a row, most found their statement missing in the server session: the pooler"
                                     + " seems to reset its server sessions after each transaction (DISCARD ALL)");
        }
        return result;
    }

    /** {@code statements} as one string and its bound arguments; {@code prepared}: those that can be as EXECUTEs. */
    private Sql joined(Sql[] statements, boolean prepared) {
        if (!prepared) {
            // the texts as they are (kept, StatementTexts), so the string is the same one at each call too
            if (statements.length == 1) {
                return statements[0];
            }
            if (statements.length == 2) {
                Object[] bound = Arrays.copyOf(statements[0].args(), statements[0].args().length
                                                                     + statements[1].args().length);
                System.arraycopy(statements[1].args(), 0, bound, statements[0].args().length,
                        statements[1].args().length);
                return new Sql(texts.of(new JoinedText(statements[0].text(), statements[1].text())), bound);
            }
        }
        StringBuilder sql = new StringBuilder();
        List<Object> bound = new ArrayList<>();
        for (Sql statement : statements) {
            sql.append(sql.length() == 0 ? "" : ";\n");
            if (prepared && SessionPreparedSql.applies(statement.text())) {
                sql.append(SessionPreparedSql.execute(statement.text(), statement.args()));
            } else {
                sql.append(statement.text());
                Collections.addAll(bound, statement.args());
            }
        }
        return new Sql(sql.toString(), bound.toArray());
    }

    /** Stops preparing in the server session for good (this client), saying why once. */
    private void giveUpSessionPreparation(String why) {
        if (!sessionPreparationGivenUp) {
            sessionPreparationGivenUp = true;
            LOG.warn("pgmq: {}. Reads and completions go unprepared from now on (parsed and planned at each call); set"
                     + " sessionPreparedReads=false to skip this trial.", why);
        }
    }

    /**
     * Runs {@code sql} and reads its results: the completion's ids first when {@code completes}, then the read's rows
     * (the last result set; a DO block before it has none).
     */
    private static ReadRows runRead(Connection c, String sql, Object[] args, boolean completes, String operation)
            throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            List<Long> completed = completes ? null : List.of();
            List<Object[]> rows = null;
            for (boolean resultSet = ps.execute(); resultSet || ps.getUpdateCount() != -1;
                 resultSet = ps.getMoreResults()) {
                if (!resultSet) {
                    continue;
                }
                try (ResultSet rs = ps.getResultSet()) {
                    if (completed == null) {
                        completed = new ArrayList<>();
                        while (rs.next()) {
                            completed.add(rs.getLong(1));
                        }
                    } else {
                        rows = readRows(rs);
                    }
                }
            }
            if (rows == null || rows.isEmpty()) {
                throw new SQLException("pgmq " + operation + ": the read returned no result");
            }
            return new ReadRows(rows, completed);
        }
    }

    /**
     * The consumer's read of up to {@code qty} messages of a (validated) queue: plain ({@code mode} null), written for
     * whether the queue table has an index on vt, or in FIFO groups, written for whether the queue has the group index
     * (each as last looked up, once a minute).
     */
    String readStatement(GroupedRead mode, String queueName, int qty) {
        return readStatement(mode, queueName, qty, true);
    }

    /** {@link #readStatement(GroupedRead, String, int)}; a grouped one looks for other free groups or not. */
    String readStatement(GroupedRead mode, String queueName, int qty, boolean lookForOtherGroups) {
        boolean indexed = mode == null ? vtIndexChecks.holds(queueName) : groupIndexChecks.holds(queueName);
        return texts.of(new ReadText(mode, queueName, qty, indexed, mode != null && lookForOtherGroups));
    }

    /**
     * A read's text: plain ({@code mode} null; {@code indexed}: the queue table has an index on vt) or in FIFO groups
     * ({@code indexed}: the queue has the group index; {@code lookForOtherGroups}: it says whether other groups were
     * free).
     */
    private record ReadText(GroupedRead mode, String queueName, int qty, boolean indexed, boolean lookForOtherGroups)
            implements StatementTexts.Shape {
        @Override
        public String write() {
            String queueTable = QueueNames.qualifiedQueueTable(queueName);
            return mode == null ? ReadSql.read(queueTable, qty, indexed)
                    : GroupedReadSql.read(mode, queueTable, qty, indexed, lookForOtherGroups);
        }
    }

    /** A completion's text: {@code template} over the queue table (%1$s) and its archive table (%2$s). */
    private record CompletionText(String template, String queueName) implements StatementTexts.Shape {
        @Override
        public String write() {
            return String.format(template, QueueNames.qualifiedQueueTable(queueName),
                    QueueNames.qualifiedArchiveTable(queueName));
        }
    }

    /** Two statements sent as one string ({@link #joined}). */
    private record JoinedText(String first, String second) implements StatementTexts.Shape {
        @Override
        public String write() {
            return first + ";\n" + second;
        }
    }

    /**
     * Makes the next grouped read of {@code queueName} start with {@code group} ({@code null}: the messages without a
     * group), and the groups' turns go on from there: tests say which group a read takes first.
     */
    void startGroupedReadsAt(String queueName, String group) {
        long key = queryOne(GroupedReadSql.GROUP_KEY, "group key", QueueNames.validate(queueName), FIRST_LONG, group);
        // the cursor just before the group's key (below the lowest key it wraps to the highest, which is as good)
        groupCursors.moveTo(queueName, key - 1);
    }

    /**
     * Whether the queue table has a valid btree index whose first column is vt (pgmq's {@code q_<name>_vt_idx}; a
     * partitioned queue has none): the consumer's plain read walks it ({@link ReadSql#read}).
     */
    boolean hasVtIndex(String queueName) {
        return queryOne(ReadSql.VT_INDEX_EXISTS, "vt index lookup", QueueNames.validate(queueName), FIRST_BOOLEAN,
                QueueNames.queueTable(queueName));
    }

    /**
     * A row of a read that also tells the next visible time and the database's clock. Every row carries those (and
     * whether other groups were free, and the group cursor), the same on each: they are decoded from the {@code first}
     * row only, as {@link #toRead} takes them from it (a timestamp less to decode per message on the consumer's hot
     * path).
     */
    private static Object[] readRow(ResultSet rs, Set<String> columns, boolean first) throws SQLException {
        PgmqMessage message = rs.getObject("msg_id") == null ? null : toMessage(rs, columns);
        if (!first) {
            return new Object[] { message, null, null, null, null };
        }
        return new Object[] { message, rs.getObject("next_vt", OffsetDateTime.class),
                rs.getObject("db_now", OffsetDateTime.class),
                columns.contains("other_groups_free") ? rs.getObject("other_groups_free", Boolean.class) : null,
                columns.contains("group_cursor") ? rs.getObject("group_cursor", Long.class) : null };
    }

    /** A read's rows ({@link #readRow}), and the ids of the deliveries completed before it. */
    private record ReadRows(List<Object[]> rows, List<Long> completed) {
    }

    /** The rows of a read's result, each by {@link #readRow}. */
    private static List<Object[]> readRows(ResultSet rs) throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        Set<String> columns = null;
        while (rs.next()) {
            boolean first = columns == null;
            if (first) {
                columns = columns(rs);
            }
            rows.add(readRow(rs, columns, first));
        }
        return rows;
    }

    private static PgmqRead toRead(List<Object[]> rows, List<Long> completed) {
        List<PgmqMessage> messages = new ArrayList<>(rows.size());
        for (Object[] row : rows) {
            if (row[0] != null) {
                messages.add((PgmqMessage) row[0]);
            }
        }
        Object[] first = rows.get(0);
        return new PgmqRead(messages, (OffsetDateTime) first[1], (OffsetDateTime) first[2], completed,
                (Boolean) first[3]);
    }

    /**
     * Archives the deliveries that are still this reader's (their read count unchanged since the read); returns the
     * ids archived. A message read again by another consumer meanwhile is left to that consumer.
     */
    public List<Long> archiveDelivered(String queueName, List<PgmqMessage> deliveries) {
        return actOnDelivered(CompletionSql.ARCHIVE_OWNED, "archive", queueName, deliveries);
    }

    /** Deletes the deliveries that are still this reader's; returns the ids deleted. */
    public List<Long> deleteDelivered(String queueName, List<PgmqMessage> deliveries) {
        return actOnDelivered(CompletionSql.DELETE_OWNED, "delete", queueName, deliveries);
    }

    /**
     * Sets the deliveries that are still this reader's visible at the database's {@code now + vtMillis}; returns the
     * ids changed.
     */
    public List<Long> setVtDelivered(String queueName, List<PgmqMessage> deliveries, long vtMillis) {
        QueueNames.validate(queueName);
        if (deliveries.isEmpty()) {
            return List.of();
        }
        String sql = texts.of(new CompletionText(CompletionSql.SET_VT_OWNED, queueName));
        Object[] args = { vtMillis, msgIds(deliveries), readCounts(deliveries) };
        return withConnection("set_vt", queueName,
                c -> completeAlone(c, "set_vt", sql, args));
    }

    /**
     * Gives deliveries back unprocessed: visible at once and their read no longer counted, so that a message read
     * but never handed to the route does not use up a retry. With a channel, NOTIFYs it in the same statement so
     * another consumer takes them at once. Returns the ids given back (those still this reader's).
     */
    public List<Long> giveBack(String queueName, List<PgmqMessage> deliveries, String notifyChannel) {
        QueueNames.validate(queueName);
        if (deliveries.isEmpty()) {
            return List.of();
        }
        // with a channel (text) it goes unprepared: only numbers are written into a session-prepared statement
        String sql = texts.of(new CompletionText(notifyChannel == null ? CompletionSql.GIVE_BACK
                : CompletionSql.GIVE_BACK_NOTIFY, queueName));
        Object[] args = notifyChannel == null ? new Object[] { msgIds(deliveries), readCounts(deliveries) }
                : new Object[] { msgIds(deliveries), readCounts(deliveries), QueueNames.validateChannel(notifyChannel) };
        return withConnection("give_back", queueName,
                c -> completeAlone(c, "give_back", sql, args));
    }

    /**
     * The throttle of pgmq's insert-notify trigger on the queue ({@code pgmq.enable_notify_insert}) in milliseconds,
     * or empty when the trigger is not enabled.
     */
    public Optional<Integer> notifyInsertThrottleMillis(String queueName) {
        return queryList(NotifySql.NOTIFY_THROTTLE, "list_notify_insert_throttles", null, (rs, cols) -> rs.getInt(1),
                QueueNames.validate(queueName)).stream().findFirst();
    }

    private List<Long> actOnDelivered(String template, String operation, String queueName,
                                      List<PgmqMessage> deliveries) {
        QueueNames.validate(queueName);
        if (deliveries.isEmpty()) {
            return List.of();
        }
        String sql = texts.of(new CompletionText(template, queueName));
        Object[] args = { msgIds(deliveries), readCounts(deliveries) };
        return withConnection(operation, queueName,
                c -> completeAlone(c, operation, sql, args));
    }

    /** A completion in a round trip of its own; returns the ids it acted on. */
    private List<Long> completeAlone(Connection c, String operation, String sql, Object[] args) throws SQLException {
        return inOneRoundTrip(c, operation, (text, bound) -> runForIds(c, text, bound), new Sql(sql, args));
    }

    /**
     * Runs {@code sql} and returns the first column of its result set as longs: the ids a completion acted on (a DO
     * block before it has no result set).
     */
    private static List<Long> runForIds(Connection c, String sql, Object[] args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            List<Long> ids = new ArrayList<>();
            for (boolean resultSet = ps.execute(); resultSet || ps.getUpdateCount() != -1;
                 resultSet = ps.getMoreResults()) {
                if (resultSet) {
                    try (ResultSet rs = ps.getResultSet()) {
                        while (rs.next()) {
                            ids.add(rs.getLong(1));
                        }
                    }
                }
            }
            return ids;
        }
    }

    /** The deliveries' msg_ids, bound as {@code bigint[]} ({@link #prepare}) or written out (session-prepared). */
    private static long[] msgIds(List<PgmqMessage> deliveries) {
        return deliveries.stream().mapToLong(PgmqMessage::msgId).toArray();
    }

    /** The deliveries' read counts, bound as {@code integer[]} or written out (session-prepared). */
    private static int[] readCounts(List<PgmqMessage> deliveries) {
        return deliveries.stream().mapToInt(PgmqMessage::readCount).toArray();
    }

    // ---------------------------------------------------------------- FIFO groups

    /**
     * Reads up to {@code qty} messages in FIFO groups (header {@code x-pgmq-group}) with pgmq's own function: a group
     * is read only while its oldest message is visible. Call it in auto-commit (a client over a DataSource does): pgmq
     * holds a lock per group until commit. On pgmq 1.13.0 these functions read past an invisible message in the middle
     * of a group, {@code read_grouped_rr} can give one group to two readers, and {@code read_grouped} locks the head of
     * every eligible group; {@link #readWithNextVisible(GroupedRead, String, int, int)} (what the consumer uses) does
     * none of that.
     */
    public List<PgmqMessage> readGrouped(GroupedRead mode, String queueName, int vtSeconds, int qty) {
        Objects.requireNonNull(mode, "mode");
        QueueNames.validate(queueName);
        requirePositive(qty, "qty");
        return queryList(GroupedReadSql.pgmqRead(mode), mode.function(), queueName, PgmqClient::toMessage, queueName,
                vtSeconds, qty);
    }

    /** {@code pgmq.read_grouped}: fills the batch from the oldest eligible group first, then the next. */
    public List<PgmqMessage> readGrouped(String queueName, int vtSeconds, int qty) {
        return readGrouped(GroupedRead.FILL, queueName, vtSeconds, qty);
    }

    /** {@code pgmq.read_grouped_rr}: one message per group per round. */
    public List<PgmqMessage> readGroupedRoundRobin(String queueName, int vtSeconds, int qty) {
        return readGrouped(GroupedRead.ROUND_ROBIN, queueName, vtSeconds, qty);
    }

    /** {@code pgmq.read_grouped_head}: at most one message per group. */
    public List<PgmqMessage> readGroupedHead(String queueName, int vtSeconds, int qty) {
        return readGrouped(GroupedRead.HEAD, queueName, vtSeconds, qty);
    }

    /**
     * A grouped read that waits inside the database ({@code pgmq.read_grouped*_with_poll}): it returns as soon as
     * one message is found, or empty after {@code maxPollSeconds}, reading every {@code pollIntervalMs}.
     */
    public List<PgmqMessage> readGroupedWithPoll(GroupedRead mode, String queueName, int vtSeconds, int qty,
                                                 int maxPollSeconds, int pollIntervalMs) {
        Objects.requireNonNull(mode, "mode");
        QueueNames.validate(queueName);
        requirePositive(qty, "qty");
        return queryList(GroupedReadSql.pgmqReadWithPoll(mode), mode.function() + "_with_poll", queueName,
                PgmqClient::toMessage, queueName, vtSeconds, qty, maxPollSeconds, pollIntervalMs);
    }

    /** Adds pgmq's FIFO index to the queue ({@code q_<name>_fifo_idx}, GIN on the headers); idempotent. */
    public void createFifoIndex(String queueName) {
        execute(GroupedReadSql.CREATE_FIFO_INDEX, "create_fifo_index", QueueNames.validate(queueName), queueName);
    }

    /** Adds pgmq's FIFO index to every queue. */
    public void createFifoIndexesAll() {
        execute(GroupedReadSql.CREATE_FIFO_INDEXES_ALL, "create_fifo_indexes_all", null);
    }

    /** What a queue has of camel-pgmq's group index ({@link #groupIndexState}). */
    public enum GroupIndexState {
        /** No index of the group index's name. */
        MISSING,
        /** The group index grouped reads use. */
        CURRENT,
        /**
         * An index of that name built by an earlier camel-pgmq, whose groups compare in the database's collation:
         * grouped reads cannot use it. {@link #createGroupIndex} replaces it.
         */
        OUTDATED
    }

    /**
     * Adds camel-pgmq's group index to the queue ({@code q_<name>_group_idx} on the group and msg_id), which lets the
     * consumer's grouped reads find each group's oldest message without scanning the backlog; idempotent. An outdated
     * index of that name ({@link GroupIndexState#OUTDATED}) is dropped and built again in the same transaction. It
     * takes the lock a CREATE INDEX takes (sends wait while it builds): on a queue with a large backlog run
     * {@link #groupIndexStatement(String, boolean)} with {@code concurrently} instead. Needs the table's owner.
     */
    public void createGroupIndex(String queueName) {
        QueueNames.validate(queueName);
        inTransaction(tx -> {
            if (tx.groupIndexState(queueName) == GroupIndexState.OUTDATED) {
                tx.execute(GroupedReadSql.dropGroupIndex(queueName, false), "drop outdated group index", queueName);
            }
            tx.execute(GroupedReadSql.groupIndex(queueName, false), "create group index", queueName);
            return null;
        });
        groupIndexChecks.found(queueName, true);
    }

    /** Whether the queue has camel-pgmq's group index as grouped reads use it ({@link #createGroupIndex(String)}). */
    public boolean hasGroupIndex(String queueName) {
        return groupIndexState(queueName) == GroupIndexState.CURRENT;
    }

    /** Whether the queue has camel-pgmq's group index, none, or one an earlier camel-pgmq built. */
    public GroupIndexState groupIndexState(String queueName) {
        QueueNames.validate(queueName);
        Boolean current = queryOne(GroupedReadSql.GROUP_INDEX_STATE, "group index lookup", queueName,
                (rs, cols) -> rs.getObject(1, Boolean.class), GroupedReadSql.groupIndexName(queueName));
        return current == null ? GroupIndexState.MISSING
                : current ? GroupIndexState.CURRENT : GroupIndexState.OUTDATED;
    }

    /**
     * The statement that creates the group index of a queue, to run by hand or in a migration; {@code concurrently}
     * builds it without blocking sends (outside a transaction block).
     */
    public static String groupIndexStatement(String queueName, boolean concurrently) {
        QueueNames.validate(queueName);
        return GroupedReadSql.groupIndex(queueName, concurrently);
    }

    /**
     * The statement that drops the group index of a queue: run it before {@link #groupIndexStatement} where an earlier
     * camel-pgmq built the index ({@link GroupIndexState#OUTDATED}).
     */
    public static String dropGroupIndexStatement(String queueName, boolean concurrently) {
        QueueNames.validate(queueName);
        return GroupedReadSql.dropGroupIndex(queueName, concurrently);
    }

    // ---------------------------------------------------------------- topics

    /**
     * Binds a queue to a routing-key pattern: dot-separated words, {@code *} exactly one word, {@code #} any
     * characters across words. Binding twice is not an error. pgmq checks the pattern and the queue and says what is
     * wrong ({@link PgmqException} with its message).
     */
    public void bindTopic(String pattern, String queueName) {
        execute(TopicSql.BIND_TOPIC, "bind_topic", null, pattern, QueueNames.validate(queueName));
    }

    /** Removes a binding; {@code false} when there was none. */
    public boolean unbindTopic(String pattern, String queueName) {
        return queryOne(TopicSql.UNBIND_TOPIC, "unbind_topic", null, FIRST_BOOLEAN, pattern,
                QueueNames.validate(queueName));
    }

    /** Every topic binding. */
    public List<PgmqTopicBinding> listTopicBindings() {
        return queryList(TopicSql.LIST_TOPIC_BINDINGS, "list_topic_bindings", null, PgmqClient::toBinding);
    }

    /** The topic bindings of one queue. */
    public List<PgmqTopicBinding> listTopicBindings(String queueName) {
        return queryList(TopicSql.LIST_TOPIC_BINDINGS_OF, "list_topic_bindings", null, PgmqClient::toBinding,
                QueueNames.validate(queueName));
    }

    /** The bindings a routing key matches, so the queues a send to it would reach (nothing is sent). */
    public List<PgmqTopicBinding> testRouting(String routingKey) {
        return queryList(TopicSql.TEST_ROUTING, "test_routing", null, PgmqClient::toBinding, routingKey);
    }

    /** {@code true} for a valid routing key; pgmq's own message ({@link PgmqException}) for an invalid one. */
    public boolean validateRoutingKey(String routingKey) {
        return queryOne(TopicSql.VALIDATE_ROUTING_KEY, "validate_routing_key", null, FIRST_BOOLEAN, routingKey);
    }

    /** {@code true} for a valid binding pattern; pgmq's own message ({@link PgmqException}) for an invalid one. */
    public boolean validateTopicPattern(String pattern) {
        return queryOne(TopicSql.VALIDATE_TOPIC_PATTERN, "validate_topic_pattern", null, FIRST_BOOLEAN, pattern);
    }

    /** Sends one message to every queue bound to a pattern the routing key matches; returns how many got it. */
    public int sendTopic(String routingKey, String json) {
        return sendTopic(routingKey, json, null, 0, false);
    }

    /**
     * Sends one message (pgmq headers may be {@code null}) to every queue whose binding matches the routing key;
     * returns how many queues got a copy (0 when none matches: the message goes nowhere).
     *
     * @param notify also NOTIFY each destination queue's insert channel ({@link QueueNames#insertChannel}) in the
     *               same statement: consumers of those queues wake at commit, and a rollback wakes nobody
     */
    public int sendTopic(String routingKey, String json, String headersJson, int delaySeconds, boolean notify) {
        JsonText.require(json, "message body");
        JsonText.require(headersJson, "headers");
        if (!notify) {
            return queryOne(TopicSql.SEND_TOPIC, "send_topic", null, (rs, cols) -> rs.getInt(1), routingKey, json,
                    headersJson, delaySeconds);
        }
        List<PgmqRoutedMessage> copies = sendBatchTopic("send_topic", routingKey, List.of(json),
                headersJson == null ? null : Collections.singletonList(headersJson), delaySeconds, true);
        return (int) copies.stream().map(PgmqRoutedMessage::queueName).distinct().count();
    }

    /**
     * Sends many messages to every queue whose binding matches the routing key, in one statement; returns one row per
     * (queue, message).
     *
     * @param headersJson one headers JSON per message (entries may be {@code null}), or {@code null} for none
     * @param notify      also NOTIFY each destination queue's insert channel in the same statement
     */
    public List<PgmqRoutedMessage> sendBatchTopic(String routingKey, List<String> jsons, List<String> headersJson,
                                                  int delaySeconds, boolean notify) {
        return sendBatchTopic("send_batch_topic", routingKey, jsons, headersJson, delaySeconds, notify);
    }

    // operation: what an error names, so that a sendTopic with NOTIFY (sent through send_batch_topic) says send_topic
    private List<PgmqRoutedMessage> sendBatchTopic(String operation, String routingKey, List<String> jsons,
                                                   List<String> headersJson, int delaySeconds, boolean notify) {
        requireBatch(jsons, headersJson);
        return withConnection(operation, null, c -> list(c,
                notify ? TopicSql.SEND_BATCH_TOPIC_NOTIFY : TopicSql.SEND_BATCH_TOPIC,
                (rs, cols) -> new PgmqRoutedMessage(rs.getString("queue_name"), rs.getLong("msg_id")),
                routingKey, c.createArrayOf("text", jsons.toArray()),
                headersJson == null ? null : c.createArrayOf("text", headersJson.toArray()), delaySeconds));
    }

    // ---------------------------------------------------------------- notifications

    /**
     * Sends a NOTIFY on {@code channel} ({@code pg_notify}). Inside a transaction PostgreSQL delivers it at commit
     * and drops it at rollback; identical notifications of one transaction are delivered once.
     */
    public void notify(String channel, String payload) {
        execute(NotifySql.NOTIFY, "notify", null, QueueNames.validateChannel(channel), payload == null ? "" : payload);
    }

    /** Makes pgmq notify {@link QueueNames#insertChannel} on every insert, at most once per throttle interval. */
    public void enableNotifyInsert(String queueName, int throttleIntervalMs) {
        execute(NotifySql.ENABLE_NOTIFY_INSERT, "enable_notify_insert", QueueNames.validate(queueName), queueName,
                throttleIntervalMs);
    }

    /** Removes pgmq's insert-notify trigger from the queue. */
    public void disableNotifyInsert(String queueName) {
        execute(NotifySql.DISABLE_NOTIFY_INSERT, "disable_notify_insert", QueueNames.validate(queueName), queueName);
    }

    /** {@code LISTEN "channel"}: for a connection that only listens. */
    public static String listenSql(String channel) {
        return NotifySql.listen(channel);
    }

    /** {@code UNLISTEN "channel"}. */
    public static String unlistenSql(String channel) {
        return NotifySql.unlisten(channel);
    }

    /** {@code UNLISTEN *}: before a listening connection goes back to a pool. */
    public static String unlistenAllSql() {
        return NotifySql.UNLISTEN_ALL;
    }

    /** A cheap round trip that proves a connection (and, for a listener, its session) is alive. */
    public static String pingSql() {
        return NotifySql.PING;
    }

    // ---------------------------------------------------------------- installation

    /** Whether the database has pgmq: the extension or the compatible SQL. */
    public boolean isInstalled() {
        return queryOne(AccessSql.PGMQ_INSTALLED, "check", null, FIRST_BOOLEAN);
    }

    /** The installed pgmq extension's version, or empty when pgmq is absent or installed by the compatible SQL. */
    public Optional<String> extensionVersion() {
        List<String> versions = queryList(AccessSql.EXTENSION_VERSION, "check", null, FIRST_STRING);
        return versions.stream().findFirst();
    }

    // ---------------------------------------------------------------- privileges and compatibility

    /** A privilege on a table, e.g. {@code UPDATE} on {@code pgmq.q_orders}. */
    public record TablePrivilege(String table, String privilege) {
        @Override
        public String toString() {
            return privilege + " on " + table;
        }
    }

    /** The role this client's connections run as. */
    public String currentUser() {
        return queryOne(AccessSql.CURRENT_USER, "check", null, FIRST_STRING);
    }

    /** Whether the role may use schema {@code pgmq}; empty when the schema does not exist. */
    public Optional<Boolean> pgmqSchemaUsage() {
        return queryList(AccessSql.SCHEMA_USAGE, "check", null, FIRST_BOOLEAN).stream().findFirst();
    }

    /** The function signatures (e.g. {@code pgmq.read(text,integer,integer,jsonb)}) the database does not have. */
    public List<String> missingFunctions(List<String> signatures) {
        return withConnection("check", null,
                c -> list(c, AccessSql.MISSING_FUNCTIONS, FIRST_STRING, c.createArrayOf("text", signatures.toArray())));
    }

    /**
     * Whether any of the functions runs with the caller's rights (not SECURITY DEFINER): only then does the caller
     * need privileges on the queue's tables.
     */
    public boolean anySecurityInvoker(List<String> signatures) {
        return withConnection("check", null, c -> list(c, AccessSql.ANY_SECURITY_INVOKER, FIRST_BOOLEAN,
                c.createArrayOf("text", signatures.toArray()))).get(0);
    }

    /** The existing functions among {@code signatures} the role may not EXECUTE. */
    public List<String> functionsWithoutExecute(List<String> signatures) {
        return withConnection("check", null, c -> list(c, AccessSql.FUNCTIONS_WITHOUT_EXECUTE, FIRST_STRING,
                c.createArrayOf("text", signatures.toArray())));
    }

    /** The privileges among {@code wanted} the role lacks, on tables that exist. */
    public List<TablePrivilege> missingTablePrivileges(List<TablePrivilege> wanted) {
        Object[] tables = wanted.stream().map(TablePrivilege::table).toArray();
        Object[] privileges = wanted.stream().map(TablePrivilege::privilege).toArray();
        return withConnection("check", null, c -> list(c, AccessSql.MISSING_TABLE_PRIVILEGES,
                (rs, columns) -> new TablePrivilege(rs.getString(1), rs.getString(2)),
                c.createArrayOf("text", tables), c.createArrayOf("text", privileges)));
    }

    // ---------------------------------------------------------------- plumbing

    /** Maps the current row; {@code columns} are the result's column names, read once per result set. */
    @FunctionalInterface
    private interface RowMapper<T> {
        T map(ResultSet rs, Set<String> columns) throws SQLException;
    }

    private static final RowMapper<Boolean> FIRST_BOOLEAN = (rs, columns) -> rs.getBoolean(1);
    private static final RowMapper<Long> FIRST_LONG = (rs, columns) -> rs.getLong(1);
    private static final RowMapper<String> FIRST_STRING = (rs, columns) -> rs.getString(1);
    private static final RowMapper<Long> MSG_ID = (rs, columns) -> rs.getLong("msg_id");

    @FunctionalInterface
    private interface ConnectionWork<T> {
        T run(Connection c) throws SQLException;
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    private void execute(String sql, String operation, String queueName, Object... args) {
        withConnection(operation, queueName, c -> {
            try (PreparedStatement ps = prepare(c, sql, args)) {
                ps.execute();
                return null;
            }
        });
    }

    private <T> T queryOne(String sql, String operation, String queueName, RowMapper<T> mapper, Object... args) {
        return withConnection(operation, queueName, c -> one(c, sql, operation, mapper, args));
    }

    private static <T> T one(Connection c, String sql, String operation, RowMapper<T> mapper, Object... args)
            throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new PgmqException("pgmq." + operation + " returned no row");
            }
            return mapper.map(rs, columns(rs));
        }
    }

    private <T> List<T> queryList(String sql, String operation, String queueName, RowMapper<T> mapper, Object... args) {
        return withConnection(operation, queueName, c -> list(c, sql, mapper, args));
    }

    private static <T> List<T> list(Connection c, String sql, RowMapper<T> mapper, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            List<T> rows = new ArrayList<>();
            Set<String> columns = null;
            while (rs.next()) {
                if (columns == null) {
                    columns = columns(rs);
                }
                rows.add(mapper.map(rs, columns));
            }
            return rows;
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < args.length; i++) {
                Object arg = args[i];
                if (arg instanceof Integer n) {
                    ps.setInt(i + 1, n);
                } else if (arg instanceof Long n) {
                    ps.setLong(i + 1, n);
                } else if (arg instanceof Array a) {
                    ps.setArray(i + 1, a);
                } else if (arg instanceof long[] || arg instanceof int[]) {
                    // pgjdbc binds a primitive array as bigint[] or integer[] in binary: boxed into an Object[] it
                    // went as text, written out element by element here and parsed back by the server (a
                    // completion of 10: 46 against 50 us a round trip on PostgreSQL 15, warm)
                    ps.setObject(i + 1, arg);
                } else if (arg instanceof OffsetDateTime t) {
                    ps.setObject(i + 1, t);
                } else {
                    ps.setString(i + 1, (String) arg);
                }
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    private <T> T withConnection(String operation, String queueName, ConnectionWork<T> work) {
        if (connection != null) {
            return runTranslated(() -> work.run(connection), operation, queueName);
        }
        try (Connection c = getConnection()) {
            try {
                return work.run(c);
            } catch (SQLException e) {
                throw translate(e, operation, queueName, roleIfDenied(c, e));
            }
        } catch (SQLException e) {
            throw translate(e, operation, queueName);
        }
    }

    private <T> T runTranslated(SqlWork<T> work, String operation, String queueName) {
        try {
            return work.run();
        } catch (SQLException e) {
            throw translate(e, operation, queueName, connection == null ? null : roleIfDenied(connection, e));
        }
    }

    /** For a permission error, the role that was denied (so the message can say whom to GRANT to), else null. */
    private static String roleIfDenied(Connection c, SQLException e) {
        if (!INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement(AccessSql.CURRENT_USER); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException inAbortedTransaction) {
            return null;
        }
    }

    private Connection getConnection() {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw new PgmqException(Secrets.mask("Cannot get a connection to PostgreSQL: " + e.getMessage()
                                                 + " (check the JDBC URL, user, password and that the server is"
                                                 + " running)."),
                    e);
        }
    }

    /**
     * The ids as a {@code long[]}, which {@link #prepare} binds as a binary {@code bigint[]}. A null id is refused:
     * before, it went into the array as NULL, which pgmq's functions pass over without a word.
     */
    private static long[] bigintArray(List<Long> ids) {
        Objects.requireNonNull(ids, "msgIds");
        long[] numbers = new long[ids.size()];
        for (int i = 0; i < numbers.length; i++) {
            Long id = ids.get(i);
            if (id == null) {
                throw new IllegalArgumentException("msgIds[" + i + "] is null: pass the ids of the messages, without"
                                                   + " nulls");
            }
            numbers[i] = id;
        }
        return numbers;
    }

    /** A batch has messages, all JSON, and no headers or one JSON headers entry per message. */
    private static void requireBatch(List<String> jsons, List<String> headersJson) {
        if (jsons == null || jsons.isEmpty()) {
            throw new IllegalArgumentException("A pgmq batch send needs at least one message; the batch is empty.");
        }
        jsons.forEach(j -> JsonText.require(j, "message body"));
        if (headersJson != null) {
            if (headersJson.size() != jsons.size()) {
                throw new IllegalArgumentException("A pgmq batch send has " + jsons.size() + " messages but "
                                                   + headersJson.size() + " headers: give one headers entry per message.");
            }
            headersJson.forEach(h -> JsonText.require(h, "headers"));
        }
    }

    private static void requirePositive(int qty, String name) {
        if (qty < 1) {
            throw new IllegalArgumentException("pgmq " + name + " must be 1 or more, but was " + qty + ".");
        }
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** Turns a driver error into one that names the problem and the fix. */
    static PgmqException translate(SQLException e, String operation, String queueName) {
        return translate(e, operation, queueName, null);
    }

    /** As {@link #translate(SQLException, String, String)}; {@code role} names the role a permission error denied. */
    static PgmqException translate(SQLException e, String operation, String queueName, String role) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String text = e.getMessage() == null ? "" : Secrets.mask(e.getMessage());
        if (INSUFFICIENT_PRIVILEGE.equals(state)) {
            return new PgmqException.AccessDenied(PrivilegeAdvice.forDenial(firstLine(text), operation, queueName,
                    role), e);
        }
        if ("3F000".equals(state) && text.contains("\"pgmq\"")) {
            return new PgmqException.NotInstalled(
                    "pgmq is not installed in this database (schema \"pgmq\" does not exist). Install it with"
                                                  + " CREATE EXTENSION pgmq where the extension is available, or apply"
                                                  + " camel-pgmq's compatible SQL (io.camelpgmq.client.PgmqSchema.install,"
                                                  + " or installSchema=true on the component).",
                    e);
        }
        if ("42P01".equals(state) && queueName != null
                && text.toLowerCase(Locale.ROOT).contains("pgmq." + QueueNames.queueTable(queueName))) {
            return new PgmqException.QueueNotFound(queueName, e);
        }
        if ("42883".equals(state) && text.contains("pgmq.")) {
            return new PgmqException("The installed pgmq has no function matching pgmq." + operation
                                     + " as camel-pgmq calls it (" + firstLine(text)
                                     + "). camel-pgmq calls the functions of pgmq 1.13 (for example set_vt with"
                                     + " arrays and timestamps, pop with a quantity): upgrade the extension, or use"
                                     + " camel-pgmq's compatible SQL.",
                    e);
        }
        String where = queueName == null ? "" : " on queue '" + queueName + "'";
        return new PgmqException("pgmq." + operation + where + " failed: " + firstLine(text)
                                 + (state.isEmpty() ? "" : " [SQLState " + state + "]"),
                e);
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    // ---------------------------------------------------------------- row mapping by column name

    private static PgmqMessage toMessage(ResultSet rs, Set<String> columns) throws SQLException {
        return new PgmqMessage(
                rs.getLong("msg_id"),
                rs.getInt("read_ct"),
                rs.getObject("enqueued_at", OffsetDateTime.class),
                columns.contains("last_read_at") ? rs.getObject("last_read_at", OffsetDateTime.class) : null,
                rs.getObject("vt", OffsetDateTime.class),
                rs.getString("message"),
                columns.contains("headers") ? rs.getString("headers") : null);
    }

    private static PgmqTopicBinding toBinding(ResultSet rs, Set<String> columns) throws SQLException {
        return new PgmqTopicBinding(
                rs.getString("pattern"),
                rs.getString("queue_name"),
                columns.contains("bound_at") ? rs.getObject("bound_at", OffsetDateTime.class) : null,
                columns.contains("compiled_regex") ? rs.getString("compiled_regex") : null);
    }

    private static PgmqMetrics toMetrics(ResultSet rs, Set<String> columns) throws SQLException {
        return new PgmqMetrics(
                rs.getString("queue_name"),
                rs.getLong("queue_length"),
                rs.getObject("newest_msg_age_sec", Integer.class),
                rs.getObject("oldest_msg_age_sec", Integer.class),
                rs.getLong("total_messages"),
                rs.getObject("scrape_time", OffsetDateTime.class),
                columns.contains("queue_visible_length") ? rs.getObject("queue_visible_length", Long.class) : null);
    }

    private static Set<String> columns(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        Set<String> names = new HashSet<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            names.add(md.getColumnLabel(i).toLowerCase(Locale.ROOT));
        }
        return names;
    }
}
