package io.camelpgmq.component;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.test.junit5.CamelTestSupport;

import static org.junit.jupiter.api.Assertions.fail;

/** Camel tests against the real test database, with a {@code pgmq} component over its DataSource. */
public abstract class PgmqTestSupport extends CamelTestSupport {

    protected static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    protected final PgmqClient client = new PgmqClient(DB.dataSource());

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        PgmqComponent component = new PgmqComponent();
        component.setDataSource(DB.dataSource());
        context.addComponent("pgmq", component);
        return context;
    }

    /** A new queue for this test. */
    protected String newQueue(String prefix) {
        String name = PgmqTestDatabase.uniqueQueueName(prefix);
        client.createQueue(name);
        return name;
    }

    protected PgmqComponent pgmq() {
        return context.getComponent("pgmq", PgmqComponent.class);
    }

    /** Waits until the component's listener has LISTENed on the queue's insert channel. */
    protected void awaitListening(String channel) {
        await(Duration.ofSeconds(10), () -> pgmq().getListener() != null && pgmq().getListener().isListening(channel),
                "listener never LISTENed on " + channel);
    }

    protected static void await(Duration timeout, BooleanSupplier condition, String what) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
        fail("Timed out after " + timeout + ": " + what);
    }

    protected static long queryLong(String sql) {
        return DB.queryLong(sql);
    }

    protected static void execute(String sql) {
        DB.execute(sql);
    }
}
