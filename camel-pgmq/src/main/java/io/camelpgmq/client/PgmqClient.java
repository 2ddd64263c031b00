package io.camelpgmq.client;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

/**
 * A plain-JDBC client for the pgmq functions: every SQL statement of camel-pgmq lives here, and it can be used
 * without Camel.
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

    // --- SQL: pgmq's functions, with explicit casts so that overloads resolve the same everywhere ---
    private static final String CREATE = "SELECT pgmq.create(?::text)";
    private static final String CREATE_UNLOGGED = "SELECT pgmq.create_unlogged(?::text)";
    private static final String DROP_QUEUE = "SELECT pgmq.drop_queue(?::text)";
    private static final String PURGE_QUEUE = "SELECT pgmq.purge_queue(?::text)";
    private static final String LIST_QUEUES = "SELECT * FROM pgmq.list_queues()";
    private static final String QUEUE_EXISTS = "SELECT EXISTS (SELECT 1 FROM pgmq.meta WHERE queue_name = ?::text)";
    private static final String METRICS = "SELECT * FROM pgmq.metrics(?::text)";
    private static final String METRICS_ALL = "SELECT * FROM pgmq.metrics_all()";
    // send: "SELECT ... AS s(msg_id)"; the NOTIFY variants call pg_notify in the same statement, so that the message
    // and its wake-up commit together (one round trip instead of three for send, notify and commit)
    private static final String SEND_CALL = "pgmq.send(?::text, ?::jsonb)";
    private static final String SEND_DELAY_CALL = "pgmq.send(?::text, ?::jsonb, ?::integer)";
    private static final String SEND_HEADERS_DELAY_CALL = "pgmq.send(?::text, ?::jsonb, ?::jsonb, ?::integer)";
    private static final String SEND_BATCH_DELAY_CALL = "pgmq.send_batch(?::text, ?::text[]::jsonb[], ?::integer)";
    private static final String SEND_BATCH_HEADERS_DELAY_CALL
            = "pgmq.send_batch(?::text, ?::text[]::jsonb[], ?::text[]::jsonb[], ?::integer)";
    private static final String SEND = sending(SEND_CALL);
    private static final String SEND_DELAY = sending(SEND_DELAY_CALL);
    private static final String SEND_HEADERS_DELAY = sending(SEND_HEADERS_DELAY_CALL);
    private static final String SEND_HEADERS_AT
            = sending("pgmq.send(?::text, ?::jsonb, ?::jsonb, ?::timestamptz)");
    private static final String SEND_BATCH_DELAY = sending(SEND_BATCH_DELAY_CALL);
    private static final String SEND_BATCH_HEADERS_DELAY = sending(SEND_BATCH_HEADERS_DELAY_CALL);
    private static final String SEND_NOTIFY = sendingAndNotifying(SEND_CALL);
    private static final String SEND_DELAY_NOTIFY = sendingAndNotifying(SEND_DELAY_CALL);
    private static final String SEND_HEADERS_DELAY_NOTIFY = sendingAndNotifying(SEND_HEADERS_DELAY_CALL);
    private static final String SEND_BATCH_DELAY_NOTIFY = sendingAndNotifying(SEND_BATCH_DELAY_CALL);
    private static final String SEND_BATCH_HEADERS_DELAY_NOTIFY = sendingAndNotifying(SEND_BATCH_HEADERS_DELAY_CALL);
    private static final String READ
            = "SELECT * FROM pgmq.read(?::text, ?::integer, ?::integer)";
    private static final String READ_CONDITIONAL
            = "SELECT * FROM pgmq.read(?::text, ?::integer, ?::integer, ?::jsonb)";
    private static final String POP = "SELECT * FROM pgmq.pop(?::text, ?::integer)";
    private static final String ARCHIVE = "SELECT pgmq.archive(?::text, ?::bigint)";
    private static final String ARCHIVE_MANY = "SELECT * FROM pgmq.archive(?::text, ?::bigint[])";
    private static final String DELETE = "SELECT pgmq.delete(?::text, ?::bigint)";
    private static final String DELETE_MANY = "SELECT * FROM pgmq.delete(?::text, ?::bigint[])";
    private static final String SET_VT = "SELECT * FROM pgmq.set_vt(?::text, ?::bigint, ?::integer)";
    private static final String SET_VT_MILLIS = "SELECT * FROM pgmq.set_vt(?::text, ?::bigint,"
                                                + " clock_timestamp() + ?::bigint * interval '1 millisecond')";
    private static final String SET_VT_MANY = "SELECT * FROM pgmq.set_vt(?::text, ?::bigint[], ?::integer)";
    private static final String NOTIFY = "SELECT pg_notify(?::text, ?::text)";
    private static final String ENABLE_NOTIFY_INSERT = "SELECT pgmq.enable_notify_insert(?::text, ?::integer)";
    private static final String DISABLE_NOTIFY_INSERT = "SELECT pgmq.disable_notify_insert(?::text)";
    private static final String PGMQ_INSTALLED = "SELECT to_regclass('pgmq.meta') IS NOT NULL";
    private static final String EXTENSION_VERSION = "SELECT extversion FROM pg_extension WHERE extname = 'pgmq'";
    // reads pg_namespace directly: to_regclass on a schema without USAGE fails instead of answering
    private static final String SCHEMA_USAGE
            = "SELECT has_schema_privilege(n.oid, 'USAGE') FROM pg_namespace n WHERE n.nspname = 'pgmq'";
    private static final String MISSING_FUNCTIONS
            = "SELECT f FROM unnest(?::text[]) WITH ORDINALITY AS t(f, i) WHERE to_regprocedure(f) IS NULL ORDER BY i";
    private static final String FUNCTIONS_WITHOUT_EXECUTE
            = "SELECT f FROM unnest(?::text[]) WITH ORDINALITY AS t(f, i) WHERE to_regprocedure(f) IS NOT NULL"
              + " AND NOT has_function_privilege(to_regprocedure(f), 'EXECUTE') ORDER BY i";
    private static final String MISSING_TABLE_PRIVILEGES
            = "SELECT t.tbl, t.priv FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS t(tbl, priv, i)"
              + " WHERE to_regclass(t.tbl) IS NOT NULL AND NOT has_table_privilege(to_regclass(t.tbl), t.priv)"
              + " ORDER BY i";
    private static final String CURRENT_USER = "SELECT current_user";
    private static final String ANY_SECURITY_INVOKER
            = "SELECT coalesce(bool_or(NOT p.prosecdef), false) FROM pg_proc p"
              + " WHERE p.oid IN (SELECT to_regprocedure(f) FROM unnest(?::text[]) AS f)";

    /** SQLState of "permission denied". */
    static final String INSUFFICIENT_PRIVILEGE = "42501";

    private final DataSource dataSource;
    private final Connection connection;

    private static String sending(String call) {
        return "SELECT s.msg_id FROM " + call + " AS s(msg_id)";
    }

    // pg_notify's channel is the first parameter; PostgreSQL delivers identical notifications of one transaction once
    private static String sendingAndNotifying(String call) {
        return "SELECT s.msg_id, pg_notify(?::text, '') FROM " + call + " AS s(msg_id)";
    }

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

    /** Creates a queue ({@code pgmq.create}); does nothing when it exists. */
    public void createQueue(String queueName) {
        execute(CREATE, "create", QueueNames.validate(queueName), queueName);
    }

    /** Creates a queue whose queue table is unlogged: faster, but emptied by a crash. */
    public void createUnloggedQueue(String queueName) {
        execute(CREATE_UNLOGGED, "create_unlogged", QueueNames.validate(queueName), queueName);
    }

    /** Drops a queue and its archive; {@code false} when there was no such queue. */
    public boolean dropQueue(String queueName) {
        return queryOne(DROP_QUEUE, "drop_queue", QueueNames.validate(queueName), FIRST_BOOLEAN, queueName);
    }

    /** Deletes every message of a queue (not of its archive); returns how many there were. */
    public long purgeQueue(String queueName) {
        return queryOne(PURGE_QUEUE, "purge_queue", QueueNames.validate(queueName), FIRST_LONG, queueName);
    }

    /** Whether the queue exists in {@code pgmq.meta}. */
    public boolean queueExists(String queueName) {
        return queryOne(QUEUE_EXISTS, "queue_exists", null, FIRST_BOOLEAN, QueueNames.validate(queueName));
    }

    /** Every queue, in name order. */
    public List<PgmqQueue> listQueues() {
        List<PgmqQueue> queues = queryList(LIST_QUEUES, "list_queues", null, (rs, cols) -> new PgmqQueue(
                rs.getString("queue_name"), rs.getBoolean("is_partitioned"), rs.getBoolean("is_unlogged"),
                rs.getObject("created_at", OffsetDateTime.class)));
        queues.sort((a, b) -> a.queueName().compareTo(b.queueName()));
        return queues;
    }

    /** The queue's figures ({@code pgmq.metrics}). */
    public PgmqMetrics metrics(String queueName) {
        return queryOne(METRICS, "metrics", QueueNames.validate(queueName), PgmqClient::toMetrics, queueName);
    }

    /** Every queue's figures ({@code pgmq.metrics_all}). */
    public List<PgmqMetrics> metricsAll() {
        return queryList(METRICS_ALL, "metrics_all", null, PgmqClient::toMetrics);
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
        QueueNames.validate(queueName);
        JsonText.require(json, "message body");
        JsonText.require(headersJson, "headers");
        boolean notify = notifyChannel != null;
        String sql;
        Object[] args;
        if (headersJson == null && delaySeconds == 0) {
            sql = notify ? SEND_NOTIFY : SEND;
            args = new Object[] { queueName, json };
        } else if (headersJson == null) {
            sql = notify ? SEND_DELAY_NOTIFY : SEND_DELAY;
            args = new Object[] { queueName, json, delaySeconds };
        } else {
            sql = notify ? SEND_HEADERS_DELAY_NOTIFY : SEND_HEADERS_DELAY;
            args = new Object[] { queueName, json, headersJson, delaySeconds };
        }
        return queryOne(sql, "send", queueName, MSG_ID, withChannel(notifyChannel, args));
    }

    /** Sends one JSON message with pgmq headers (may be {@code null}), visible from {@code visibleAt}. */
    public long send(String queueName, String json, String headersJson, OffsetDateTime visibleAt) {
        QueueNames.validate(queueName);
        JsonText.require(json, "message body");
        JsonText.require(headersJson, "headers");
        Objects.requireNonNull(visibleAt, "visibleAt");
        return queryOne(SEND_HEADERS_AT, "send", queueName, MSG_ID, queueName, json, headersJson,
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
        QueueNames.validate(queueName);
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
        boolean notify = notifyChannel != null;
        return withConnection("send_batch", queueName, c -> {
            Array msgs = c.createArrayOf("text", jsons.toArray());
            if (headersJson == null) {
                return list(c, notify ? SEND_BATCH_DELAY_NOTIFY : SEND_BATCH_DELAY, MSG_ID,
                        withChannel(notifyChannel, new Object[] { queueName, msgs, delaySeconds }));
            }
            Array hdrs = c.createArrayOf("text", headersJson.toArray());
            return list(c, notify ? SEND_BATCH_HEADERS_DELAY_NOTIFY : SEND_BATCH_HEADERS_DELAY,
                    MSG_ID,
                    withChannel(notifyChannel, new Object[] { queueName, msgs, hdrs, delaySeconds }));
        });
    }

    private static Object[] withChannel(String notifyChannel, Object[] args) {
        if (notifyChannel == null) {
            return args;
        }
        Object[] all = new Object[args.length + 1];
        all[0] = QueueNames.validateChannel(notifyChannel);
        System.arraycopy(args, 0, all, 1, args.length);
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
        return queryList(READ, "read", queueName, PgmqClient::toMessage, queueName, vtSeconds, qty);
    }

    /** Reads like {@link #read(String, int, int)}, only messages that contain the JSON {@code conditionalJson}. */
    public List<PgmqMessage> read(String queueName, int vtSeconds, int qty, String conditionalJson) {
        QueueNames.validate(queueName);
        requirePositive(qty, "qty");
        JsonText.require(conditionalJson, "read filter");
        return queryList(READ_CONDITIONAL, "read", queueName, PgmqClient::toMessage, queueName, vtSeconds, qty,
                conditionalJson);
    }

    /** Deletes and returns up to {@code qty} visible messages (at most once: no retry is possible). */
    public List<PgmqMessage> pop(String queueName, int qty) {
        QueueNames.validate(queueName);
        requirePositive(qty, "qty");
        return queryList(POP, "pop", queueName, PgmqClient::toMessage, queueName, qty);
    }

    /** Moves a message to the archive; {@code false} when it was not in the queue. */
    public boolean archive(String queueName, long msgId) {
        QueueNames.validate(queueName);
        return queryOne(ARCHIVE, "archive", queueName, FIRST_BOOLEAN, queueName, msgId);
    }

    /** Moves messages to the archive; returns the ids that were in the queue. */
    public List<Long> archive(String queueName, List<Long> msgIds) {
        QueueNames.validate(queueName);
        return withConnection("archive", queueName,
                c -> list(c, ARCHIVE_MANY, FIRST_LONG, queueName, bigintArray(c, msgIds)));
    }

    /** Deletes a message; {@code false} when it was not in the queue. */
    public boolean delete(String queueName, long msgId) {
        QueueNames.validate(queueName);
        return queryOne(DELETE, "delete", queueName, FIRST_BOOLEAN, queueName, msgId);
    }

    /** Deletes messages; returns the ids that were in the queue. */
    public List<Long> delete(String queueName, List<Long> msgIds) {
        QueueNames.validate(queueName);
        return withConnection("delete", queueName,
                c -> list(c, DELETE_MANY, FIRST_LONG, queueName, bigintArray(c, msgIds)));
    }

    /**
     * Sets when a message becomes visible to {@code now + vtSeconds} (absolute, not added to its current vt); empty
     * when there is no such message.
     */
    public Optional<PgmqMessage> setVt(String queueName, long msgId, int vtSeconds) {
        QueueNames.validate(queueName);
        List<PgmqMessage> rows
                = queryList(SET_VT, "set_vt", queueName, PgmqClient::toMessage, queueName, msgId, vtSeconds);
        return rows.stream().findFirst();
    }

    /**
     * Sets when a message becomes visible to the database's {@code now + vtMillis}, to the millisecond (through
     * pgmq's timestamptz overload); empty when there is no such message.
     */
    public Optional<PgmqMessage> setVtMillis(String queueName, long msgId, long vtMillis) {
        QueueNames.validate(queueName);
        List<PgmqMessage> rows
                = queryList(SET_VT_MILLIS, "set_vt", queueName, PgmqClient::toMessage, queueName, msgId, vtMillis);
        return rows.stream().findFirst();
    }

    /** Sets the visibility of many messages to {@code now + vtSeconds}; returns those that exist. */
    public List<PgmqMessage> setVt(String queueName, List<Long> msgIds, int vtSeconds) {
        QueueNames.validate(queueName);
        return withConnection("set_vt", queueName,
                c -> list(c, SET_VT_MANY, PgmqClient::toMessage, queueName, bigintArray(c, msgIds), vtSeconds));
    }

    // ---------------------------------------------------------------- notifications

    /**
     * Sends a NOTIFY on {@code channel} ({@code pg_notify}). Inside a transaction PostgreSQL delivers it at commit
     * and drops it at rollback; identical notifications of one transaction are delivered once.
     */
    public void notify(String channel, String payload) {
        execute(NOTIFY, "notify", null, QueueNames.validateChannel(channel), payload == null ? "" : payload);
    }

    /** Makes pgmq notify {@link QueueNames#insertChannel} on every insert, at most once per throttle interval. */
    public void enableNotifyInsert(String queueName, int throttleIntervalMs) {
        execute(ENABLE_NOTIFY_INSERT, "enable_notify_insert", QueueNames.validate(queueName), queueName,
                throttleIntervalMs);
    }

    /** Removes pgmq's insert-notify trigger from the queue. */
    public void disableNotifyInsert(String queueName) {
        execute(DISABLE_NOTIFY_INSERT, "disable_notify_insert", QueueNames.validate(queueName), queueName);
    }

    /** {@code LISTEN "channel"}: for a connection that only listens. */
    public static String listenSql(String channel) {
        return "LISTEN " + QueueNames.quoteChannel(channel);
    }

    /** {@code UNLISTEN "channel"}. */
    public static String unlistenSql(String channel) {
        return "UNLISTEN " + QueueNames.quoteChannel(channel);
    }

    /** {@code UNLISTEN *}: before a listening connection goes back to a pool. */
    public static String unlistenAllSql() {
        return "UNLISTEN *";
    }

    /** A cheap round trip that proves a connection (and, for a listener, its session) is alive. */
    public static String pingSql() {
        return "SELECT 1";
    }

    // ---------------------------------------------------------------- installation

    /** Whether the database has pgmq: the extension or the compatible SQL. */
    public boolean isInstalled() {
        return queryOne(PGMQ_INSTALLED, "check", null, FIRST_BOOLEAN);
    }

    /** The installed pgmq extension's version, or empty when pgmq is absent or installed by the compatible SQL. */
    public Optional<String> extensionVersion() {
        List<String> versions = queryList(EXTENSION_VERSION, "check", null, FIRST_STRING);
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
        return queryOne(CURRENT_USER, "check", null, FIRST_STRING);
    }

    /** Whether the role may use schema {@code pgmq}; empty when the schema does not exist. */
    public Optional<Boolean> pgmqSchemaUsage() {
        return queryList(SCHEMA_USAGE, "check", null, FIRST_BOOLEAN).stream().findFirst();
    }

    /** The function signatures (e.g. {@code pgmq.read(text,integer,integer,jsonb)}) the database does not have. */
    public List<String> missingFunctions(List<String> signatures) {
        return withConnection("check", null,
                c -> list(c, MISSING_FUNCTIONS, FIRST_STRING, c.createArrayOf("text", signatures.toArray())));
    }

    /**
     * Whether any of the functions runs with the caller's rights (not SECURITY DEFINER): only then does the caller
     * need privileges on the queue's tables.
     */
    public boolean anySecurityInvoker(List<String> signatures) {
        return withConnection("check", null, c -> list(c, ANY_SECURITY_INVOKER, FIRST_BOOLEAN,
                c.createArrayOf("text", signatures.toArray()))).get(0);
    }

    /** The existing functions among {@code signatures} the role may not EXECUTE. */
    public List<String> functionsWithoutExecute(List<String> signatures) {
        return withConnection("check", null,
                c -> list(c, FUNCTIONS_WITHOUT_EXECUTE, FIRST_STRING, c.createArrayOf("text", signatures.toArray())));
    }

    /** The privileges among {@code wanted} the role lacks, on tables that exist. */
    public List<TablePrivilege> missingTablePrivileges(List<TablePrivilege> wanted) {
        Object[] tables = wanted.stream().map(TablePrivilege::table).toArray();
        Object[] privileges = wanted.stream().map(TablePrivilege::privilege).toArray();
        return withConnection("check", null, c -> list(c, MISSING_TABLE_PRIVILEGES,
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
        return withConnection(operation, queueName, c -> {
            try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new PgmqException("pgmq." + operation + " returned no row");
                }
                return mapper.map(rs, columns(rs));
            }
        });
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
        try (PreparedStatement ps = c.prepareStatement(CURRENT_USER); ResultSet rs = ps.executeQuery()) {
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

    private static Array bigintArray(Connection c, List<Long> ids) throws SQLException {
        Objects.requireNonNull(ids, "msgIds");
        return c.createArrayOf("bigint", ids.toArray());
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
