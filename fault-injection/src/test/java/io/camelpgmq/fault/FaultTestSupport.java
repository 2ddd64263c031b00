package io.camelpgmq.fault;

import java.io.File;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the fault scenarios share: the test database (camel-pgmq's {@link PgmqTestDatabase}), queues, message keys,
 * bounded waits, and consumers in child JVMs ({@link ConsumerProcess}).
 * <p>
 * Every message body is {@code {"n": <key>}}: the key, not the msg_id, identifies a logical message, so that a
 * producer's retry of an ambiguous send and a consumer's redelivery both show up as a duplicate of that key.
 */
abstract class FaultTestSupport {

    static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    static final String LISTENER_APP = "camel-pgmq listener";

    final PgmqClient client = new PgmqClient(DB.dataSource());

    String newQueue(String prefix) {
        String q = PgmqTestDatabase.uniqueQueueName("fault_" + prefix);
        client.createQueue(q);
        return q;
    }

    /** A Camel context whose pgmq component uses the test database's DataSource. */
    static CamelContext contextOnTestDb() {
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setDataSource(DB.dataSource());
        ctx.addComponent("pgmq", pgmq);
        return ctx;
    }

    /** The test database's JDBC URL without its user and password (so that a user can be given separately). */
    static String plainUrl() {
        return DB.jdbcUrlWithoutCredentials();
    }

    /** The test database's URL with one more parameter. */
    static String urlWith(String parameter) {
        return DB.jdbcUrl() + (DB.jdbcUrl().contains("?") ? "&" : "?") + parameter;
    }

    /** A direct connection to the test database, outside every pool. */
    static Connection directConnection() throws SQLException {
        Properties props = new Properties();
        if (DB.username() != null) {
            props.setProperty("user", DB.username());
        }
        if (DB.password() != null) {
            props.setProperty("password", DB.password());
        }
        return DriverManager.getConnection(DB.jdbcUrl(), props);
    }

    static String body(long n) {
        return "{\"n\": " + n + "}";
    }

    static List<String> bodies(long from, long to) {
        return LongStream.range(from, to).mapToObj(FaultTestSupport::body).toList();
    }

    /** The key of the exchange's message body. */
    static long key(Exchange e) {
        return ConsumerProcess.key(e.getMessage().getBody(String.class));
    }

    static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(25);
        }
        fail("Timed out after " + timeout + ": " + what);
    }

    static long queryLong(String sql) {
        return DB.queryLong(sql);
    }

    static List<Long> queryLongs(String sql) {
        try (Connection c = DB.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<Long> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getLong(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    static void execute(String sql) {
        DB.execute(sql);
    }

    static long listenerSessions() {
        return queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + LISTENER_APP + "'"
                         + " AND datname = current_database()");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- consumers in child JVMs

    /** The ledger where child consumers record each message they process, and the JVMs that are ready. */
    static void createLedger() {
        execute("CREATE TABLE IF NOT EXISTS fault_processed (queue text NOT NULL, jvm text NOT NULL,"
                + " n bigint NOT NULL, msg_id bigint NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        execute("CREATE TABLE IF NOT EXISTS fault_ready (queue text NOT NULL, jvm text NOT NULL)");
    }

    /**
     * Starts {@link ConsumerProcess} in a new JVM with this JVM's classpath; its output goes to
     * {@code target/fault-<jvm>.log}. Its sessions carry application_name {@code fault-<jvm>}.
     */
    static Process startConsumerJvm(String jvm, String queue, int threads, int batch, int vt, long slowMillis)
            throws IOException {
        createLedger();
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), ConsumerProcess.class.getName(),
                urlWith("ApplicationName=fault-" + jvm), DB.username() == null ? "" : DB.username(),
                DB.password() == null ? "" : DB.password(), queue, jvm, String.valueOf(threads),
                String.valueOf(batch), String.valueOf(vt), String.valueOf(slowMillis));
        pb.redirectErrorStream(true);
        pb.redirectOutput(new File("target", "fault-" + jvm + ".log"));
        return pb.start();
    }

    static void awaitReady(String queue, String jvm, Process process) throws InterruptedException {
        await(Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) {
                fail("consumer JVM " + jvm + " exited with " + process.exitValue() + "; see target/fault-" + jvm
                     + ".log");
            }
            return queryLong("SELECT count(*) FROM fault_ready WHERE queue = '" + queue + "' AND jvm = '" + jvm
                             + "'") > 0;
        }, "consumer JVM " + jvm + " ready");
    }

    /** SIGKILL (on Linux) and wait until the process and its database sessions are gone. */
    static void kill(Process process, String jvm) throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            fail("consumer JVM " + jvm + " survived SIGKILL");
        }
        // a statement the JVM sent just before dying still runs (and commits) in its backend: wait for the backends
        await(Duration.ofSeconds(15), () -> queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name"
                                                      + " = 'fault-" + jvm + "' AND datname = current_database()") == 0,
                "the sessions of consumer JVM " + jvm + " ended");
    }

    static List<Long> ledgerKeys(String queue) {
        return queryLongs("SELECT n FROM fault_processed WHERE queue = '" + queue + "'");
    }

    static long ledgerCount(String queue) {
        return queryLong("SELECT count(*) FROM fault_processed WHERE queue = '" + queue + "'");
    }
}
