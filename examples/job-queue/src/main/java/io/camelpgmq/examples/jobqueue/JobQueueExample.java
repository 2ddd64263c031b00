package io.camelpgmq.examples.jobqueue;

import java.util.concurrent.atomic.AtomicLong;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.examples.ExampleDatabase;
import io.camelpgmq.examples.ExampleNames;
import io.camelpgmq.component.PgmqEndpoint;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * Pattern 1, pgmq + NOTIFY: a durable job queue on PostgreSQL. Jobs are picked up milliseconds after the sending
 * transaction commits, archived when done, retried with back-off when they fail, dead-lettered when they keep
 * failing, and found by the poll when no notification announced them.
 * <p>
 * Options (system properties): {@code duration} seconds (default 25), {@code rate} jobs per second (default 20);
 * {@code PGMQ_JDBC_URL} (+ {@code PGMQ_JDBC_USER}, {@code PGMQ_JDBC_PASSWORD}) for your own PostgreSQL.
 */
public final class JobQueueExample {

    private JobQueueExample() {
    }

    public static void main(String[] args) throws Exception {
        int duration = Integer.getInteger("duration", 25);
        int rate = Integer.getInteger("rate", 20);
        Summary summary = run(duration, rate);
        System.out.println(summary);
    }

    /** What one run did. */
    public record Summary(long sent, long sentQuietly, long done, long doneQuietly, long retried, long deadLettered,
                          long queueDepth, double pickupP50, double pickupP99, double quietPickupP50) {
        @Override
        public String toString() {
            return String.format("""

                    Summary
                      sent %d jobs (%d with notify=false), done %d, retried %d attempts, dead-lettered %d, left in queue %d
                      pickup after commit, woken by NOTIFY: p50 %s, p99 %s
                      pickup of notify=false jobs (no NOTIFY: found by the 2 s poll or a read woken for a retry): p50 %s
                      every job was either done or dead-lettered: %s
                    """, sent, sentQuietly, done, retried, deadLettered, queueDepth, JobStats.format(pickupP50),
                    JobStats.format(pickupP99), JobStats.format(quietPickupP50),
                    done + deadLettered == sent && queueDepth == 0 ? "yes" : "NO");
        }
    }

    public static Summary run(int durationSeconds, int rate) throws Exception {
        try (ExampleDatabase db = ExampleDatabase.start()) {
            return run(db, durationSeconds, rate);
        }
    }

    /** Runs on the given database, which stays up afterwards. */
    public static Summary run(ExampleDatabase db, int durationSeconds, int rate) throws Exception {
        JobStats stats = new JobStats();
        // this run's own queues: on your database the example touches nothing else, and drops them at the end
        String queue = ExampleNames.unique("jobs");
        String dlq = queue + "_dlq";
        System.out.println("Job queue example on " + db.description + ": " + rate + " jobs/s for "
                           + durationSeconds + " s, queues " + queue + " and " + dlq);
        Main main = new Main();
        main.addInitialProperty("jobs.queue", queue);
        main.addInitialProperty("jobs.dlq", dlq);
        main.configure().withRoutesIncludePattern("classpath:routes/job-queue.yaml")
                .withDurationMaxSeconds(durationSeconds)
                .withShutdownTimeout(5);
        main.configure().addRoutesBuilder(new JobProducerRoutes(stats, rate, durationSeconds));
        main.bind("stats", stats);
        main.bind("worker", new Worker(stats));
        PgmqComponent pgmq = new PgmqComponent();
        pgmq.setUrl(db.url);
        pgmq.setUsername(db.username);
        pgmq.setPassword(db.password);
        // the embedded server has no pgmq extension: install camel-pgmq's compatible SQL (skipped where the
        // real extension is installed)
        pgmq.setInstallSchema(true);
        main.bind("pgmq", pgmq);
        AtomicLong depthAtEnd = new AtomicLong(-1);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterStart(BaseMainSupport m) {
                stats.setClient(m.getCamelContext().getEndpoint("pgmq:" + queue, PgmqEndpoint.class).getClient(),
                        queue);
            }

            @Override
            public void beforeStop(BaseMainSupport m) {
                depthAtEnd.set(stats.queueDepth());
                stats.setClient(null, null);
            }
        });
        try {
            main.run();
        } finally {
            PgmqClient cleanup = new PgmqClient(db.dataSource());
            cleanup.dropQueue(queue);
            cleanup.dropQueue(dlq);
            System.out.println("Dropped this run's queues " + queue + " and " + dlq);
        }
        long depth = depthAtEnd.get();
        return new Summary(stats.sent.get(), stats.sentQuietly.get(), stats.done.get(), stats.doneQuietly.get(),
                stats.retried.get(), stats.deadLettered.get(), depth,
                stats.percentile(stats.pickups(), 50), stats.percentile(stats.pickups(), 99),
                stats.percentile(stats.quietPickups(), 50));
    }
}
