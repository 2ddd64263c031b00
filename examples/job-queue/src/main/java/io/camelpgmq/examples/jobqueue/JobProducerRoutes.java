package io.camelpgmq.examples.jobqueue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.builder.RouteBuilder;

/**
 * The producer, in Java DSL: a timer makes jobs at the given rate and sends each to the run's queue, the message and its
 * NOTIFY in one transaction. For a few seconds in the middle it sends with notify=false: nothing announces those
 * jobs, and the next read finds them (the 2 s poll, or a read woken to retry a failed job, which reads every visible
 * message). It stops sending a few seconds before the end, so the queue drains.
 */
public class JobProducerRoutes extends RouteBuilder {

    private final JobStats stats;
    private final int rate;
    private final long quietFromMillis;
    private final long quietToMillis;
    private final long stopSendingMillis;
    private final AtomicLong ids = new AtomicLong();
    private long startMillis;

    public JobProducerRoutes(JobStats stats, int rate, int durationSeconds) {
        this.stats = stats;
        this.rate = rate;
        long sendingMillis = Math.max(2000, (durationSeconds - 5) * 1000L);
        this.quietFromMillis = sendingMillis * 2 / 5;
        this.quietToMillis = sendingMillis * 3 / 5;
        this.stopSendingMillis = sendingMillis;
    }

    @Override
    public void configure() {
        from("timer:jobs?period=" + Math.max(1, 1000 / rate) + "&includeMetadata=false")
                .routeId("producer")
                .process(e -> {
                    long now = System.currentTimeMillis();
                    if (startMillis == 0) {
                        startMillis = now;
                    }
                    long elapsed = now - startMillis;
                    if (elapsed >= stopSendingMillis) {
                        stats.setPhase("sending stopped: draining");
                        e.setRouteStop(true);
                        return;
                    }
                    boolean quiet = elapsed >= quietFromMillis && elapsed < quietToMillis;
                    stats.setPhase(quiet ? "notify=false: no NOTIFY; found by the next read (2 s poll or retry wake-up)"
                            : "NOTIFY in the sending transaction");
                    long id = ids.incrementAndGet();
                    Map<String, Object> job = new LinkedHashMap<>();
                    job.put("id", id);
                    job.put("kind", id % 25 == 0 ? "poison" : id % 8 == 0 ? "flaky" : "normal");
                    job.put("quiet", quiet);
                    e.getMessage().setBody(job);
                    e.setProperty("quiet", quiet);
                    e.setProperty("jobId", id);
                })
                .filter(exchangeProperty("jobId").isNotNull())
                    .choice()
                        .when(exchangeProperty("quiet"))
                            .to("pgmq:{{jobs.queue}}?notify=false&autoCreateQueue=true")
                        .otherwise()
                            .to("pgmq:{{jobs.queue}}?autoCreateQueue=true")
                    .end()
                    .process(e -> stats.sent(e.getProperty("jobId", Long.class), e.getProperty("quiet", Boolean.class)));
    }
}
