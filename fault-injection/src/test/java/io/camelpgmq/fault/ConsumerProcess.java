package io.camelpgmq.fault;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConstants;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * A pgmq consumer in a JVM of its own, for the scenarios that kill or double JVMs. Its route records every message
 * it processes (queue, jvm, key, msg_id) in table {@code fault_processed}, committed before the route ends, then
 * sleeps {@code slowMillis}; so a message recorded but not yet archived when the JVM dies is exactly one "in flight".
 * It runs until killed.
 * <p>
 * Arguments: jdbcUrl user password queue jvm concurrentConsumers maxMessagesPerPoll visibilityTimeout slowMillis
 */
public final class ConsumerProcess {

    private static final Pattern KEY = Pattern.compile("\"n\"\\s*:\\s*(\\d+)");

    private ConsumerProcess() {
    }

    /** The key {@code n} of a message body {@code {"n": <key>}}. */
    static long key(String body) {
        Matcher m = KEY.matcher(String.valueOf(body));
        if (!m.find()) {
            throw new IllegalArgumentException("no key in " + body);
        }
        return Long.parseLong(m.group(1));
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1].isEmpty() ? null : args[1];
        String password = args[2].isEmpty() ? null : args[2];
        String queue = args[3];
        String jvm = args[4];
        int threads = Integer.parseInt(args[5]);
        String options = "concurrentConsumers=" + threads + "&maxConcurrentConsumers=" + threads
                         + "&maxMessagesPerPoll=" + args[6]
                         + "&visibilityTimeout=" + args[7] + "&pollInterval=500";
        long slow = Long.parseLong(args[8]);

        HikariConfig ledgerConfig = new HikariConfig();
        ledgerConfig.setJdbcUrl(url);
        ledgerConfig.setUsername(user);
        ledgerConfig.setPassword(password);
        ledgerConfig.setMaximumPoolSize(threads);
        ledgerConfig.setPoolName("ledger");
        try (HikariDataSource ledger = new HikariDataSource(ledgerConfig);
             DefaultCamelContext ctx = new DefaultCamelContext()) {
            PgmqComponent pgmq = new PgmqComponent();
            pgmq.setUrl(url);
            pgmq.setUsername(user);
            pgmq.setPassword(password);
            pgmq.setMaxPoolSize(threads + 2);
            ctx.addComponent("pgmq", pgmq);
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + queue + "?" + options).routeId("consumer-" + jvm).process(e -> {
                        try (Connection c = ledger.getConnection();
                             PreparedStatement insert = c.prepareStatement(
                                     "INSERT INTO fault_processed (queue, jvm, n, msg_id) VALUES (?, ?, ?, ?)")) {
                            insert.setString(1, queue);
                            insert.setString(2, jvm);
                            insert.setLong(3, key(e.getMessage().getBody(String.class)));
                            insert.setLong(4, e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class));
                            insert.executeUpdate();
                        }
                        if (slow > 0) {
                            Thread.sleep(slow);
                        }
                    });
                }
            });
            ctx.start();
            try (Connection c = ledger.getConnection();
                 PreparedStatement ready = c.prepareStatement("INSERT INTO fault_ready (queue, jvm) VALUES (?, ?)")) {
                ready.setString(1, queue);
                ready.setString(2, jvm);
                ready.executeUpdate();
            }
            System.out.println("consumer JVM " + jvm + " ready on queue " + queue);
            Thread.currentThread().join();
        }
    }
}
