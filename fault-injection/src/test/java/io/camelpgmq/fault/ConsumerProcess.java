package io.camelpgmq.fault;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;

import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConstants;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * A consumer in a JVM of its own, for the scenarios that kill or double JVMs. It records each processed message id
 * in table {@code fault_processed}, then sleeps {@code slowMillis}, and runs until it is killed.
 * <p>
 * Arguments: jdbcUrl user password queue concurrentConsumers maxMessagesPerPoll visibilityTimeout slowMillis
 */
public final class ConsumerProcess {

    private ConsumerProcess() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1].isEmpty() ? null : args[1];
        String password = args[2].isEmpty() ? null : args[2];
        String queue = args[3];
        String options = "concurrentConsumers=" + args[4] + "&maxMessagesPerPoll=" + args[5] + "&visibilityTimeout="
                         + args[6] + "&pollInterval=500";
        long slow = Long.parseLong(args[7]);
        DefaultCamelContext ctx = new DefaultCamelContext();
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setUrl(url);
        pgmq.setUsername(user);
        pgmq.setPassword(password);
        pgmq.setMaxPoolSize(Integer.parseInt(args[4]) + 2);
        ctx.addComponent("pgmq", pgmq);
        try (Connection record = DriverManager.getConnection(url, user, password)) {
            PreparedStatement insert = record.prepareStatement("INSERT INTO fault_processed (queue, msg_id) VALUES (?, ?)");
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + queue + "?" + options).process(e -> {
                        synchronized (insert) {
                            insert.setString(1, queue);
                            insert.setLong(2, e.getMessage().getHeader(PgmqConstants.MSG_ID, Long.class));
                            insert.executeUpdate();
                        }
                        if (slow > 0) {
                            Thread.sleep(slow);
                        }
                    });
                }
            });
            ctx.start();
            System.out.println("consumer process started");
            Thread.currentThread().join();
        }
    }
}
