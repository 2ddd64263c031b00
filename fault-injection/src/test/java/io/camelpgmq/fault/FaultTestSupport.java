package io.camelpgmq.fault;

import java.io.File;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;

import static org.junit.jupiter.api.Assertions.fail;

/** Shared pieces of the fault scenarios: the test database, queues, child JVMs, waiting. */
abstract class FaultTestSupport {

    static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    final PgmqClient client = new PgmqClient(DB.dataSource());

    String newQueue(String prefix) {
        String q = PgmqTestDatabase.uniqueQueueName("fault_" + prefix);
        client.createQueue(q);
        return q;
    }

    static CamelContext contextOnTestDb() {
        CamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setDataSource(DB.dataSource());
        ctx.addComponent("pgmq", pgmq);
        return ctx;
    }

    static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        fail("Timed out after " + timeout + ": " + what);
    }

    static long queryLong(String sql) {
        return DB.queryLong(sql);
    }

    static List<Long> queryIds(String sql) {
        try (Connection c = DB.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<Long> ids = new ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
            return ids;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void execute(String sql) {
        DB.execute(sql);
    }

    /** Starts {@link ConsumerProcess} in a new JVM; its output goes to target/&lt;name&gt;.log. */
    static Process startConsumerProcess(String name, String queue, int threads, int batch, int vt, long slowMillis)
            throws Exception {
        execute("CREATE TABLE IF NOT EXISTS fault_processed (queue text NOT NULL, msg_id bigint NOT NULL)");
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ConsumerProcess.class.getName(), DB.jdbcUrl(), DB.username() == null ? "" : DB.username(),
                DB.password() == null ? "" : DB.password(), queue, String.valueOf(threads), String.valueOf(batch),
                String.valueOf(vt), String.valueOf(slowMillis));
        pb.redirectErrorStream(true);
        pb.redirectOutput(new File("target", name + ".log"));
        return pb.start();
    }
}
