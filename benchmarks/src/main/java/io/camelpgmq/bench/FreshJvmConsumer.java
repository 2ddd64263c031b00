package io.camelpgmq.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.component.PgmqConsumer;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * The fresh JVM of the first-drain scenario ({@link Scenarios#freshJvmDrains}): an application's consumers as it
 * starts, its pgmq component given a URL (its own HikariCP pool, as an application configures it). It starts one route
 * per queue, proves each consumer listens with one message, prints {@code READY} and runs until its standard input
 * closes; the benchmark's JVM makes each queue's backlog visible in turn and times the drains. It prints {@code DRAINED}
 * when a route has processed its backlog's last message and completed it. Each of these lines ends with the milliseconds this JVM has
 * spent compiling so far (its JIT compilers' total), so the benchmark can say what the JIT took during each drain.
 * Before, it prints {@code FIRST} and the time (epoch microseconds) its route took the backlog's first message.
 * <p>
 * Arguments: concurrentConsumers, maxMessagesPerPoll, the size of each backlog, then the queues. The JDBC URL (with its
 * credentials) comes in the environment variable {@value #URL_ENV}, not on the command line other processes can read.
 */
public final class FreshJvmConsumer {

    static final String URL_ENV = "PGMQ_BENCH_CONSUMER_URL";
    static final String READY = "READY";
    static final String DRAINED = "DRAINED";
    static final String FIRST = "FIRST";

    private FreshJvmConsumer() {
    }

    /** What this JVM's JIT compilers have taken so far, in milliseconds (-1 when the JVM does not say). */
    private static long compileMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /**
     * Whether a consumer that has handed its last message to the route is still completing: a reader has not returned
     * from its last statement, or a message is still in flight. The end of every timed camel-pgmq drain.
     */
    static boolean stillCompleting(PgmqConsumer consumer) {
        return consumer.getActiveReaders() > 0 || consumer.getInFlightCount() > 0;
    }

    /**
     * Prints {@code DRAINED} once the queue's consumer has completed its last message ({@link #stillCompleting}).
     */
    private static void reportDrained(CamelContext ctx, String queue) {
        PgmqConsumer consumer = (PgmqConsumer) ctx.getRoute(queue).getConsumer();
        Thread waiter = new Thread(() -> {
            while (stillCompleting(consumer)) {
                LockSupport.parkNanos(100_000);
            }
            System.out.println(DRAINED + " " + compileMillis());
            System.out.flush();
        }, "drained-" + queue);
        waiter.setDaemon(true);
        waiter.start();
    }

    public static void main(String[] args) throws Exception {
        int consumers = Integer.parseInt(args[0]);
        int batch = Integer.parseInt(args[1]);
        long backlog = Long.parseLong(args[2]);
        List<String> queues = List.of(args).subList(3, args.length);
        AtomicLong ready = new AtomicLong();
        try (CamelContext ctx = new DefaultCamelContext()) {
            PgmqComponent pgmq = new PgmqComponent();
            pgmq.setUrl(System.getenv(URL_ENV));
            ctx.addComponent("pgmq", pgmq);
            for (String queue : queues) {
                AtomicLong processed = new AtomicLong();
                ctx.addRoutes(new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("pgmq:" + queue + "?concurrentConsumers=" + consumers + "&maxConcurrentConsumers="
                             + consumers + "&maxMessagesPerPoll=" + batch + "&pollInterval=60000")
                                .routeId(queue).process(e -> {
                                    long n = processed.incrementAndGet();
                                    if (n == 1) {
                                        ready.incrementAndGet();
                                    } else if (n == 2) {
                                        // the backlog's first message, on the machine's clock (the benchmark's
                                        // JVM reads the same clock when the backlog's commit returns)
                                        System.out.println(FIRST + " " + ChronoUnit.MICROS.between(Instant.EPOCH,
                                                Instant.now()));
                                        System.out.flush();
                                    } else if (n == backlog + 1) {
                                        // the last message's archive follows the route: wait for it elsewhere
                                        reportDrained(ctx, queue);
                                    }
                                });
                    }
                });
            }
            ctx.start();
            for (String queue : queues) {
                ctx.createProducerTemplate().sendBody("pgmq:" + queue, "{\"ready\":true}");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ready.get() < queues.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the consumers took no message within 60 s");
                }
                Thread.sleep(1);
            }
            System.out.println(READY + " " + compileMillis());
            System.out.flush();
            while (System.in.read() != -1) {
                // the benchmark closes our standard input when it is done
            }
        }
    }
}
