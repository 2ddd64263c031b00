package io.camelpgmq.examples.jobqueue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.builder.RouteBuilder;

/**
 * The producer, in Java DSL: a timer makes jobs at the given rate and sends each to pgmq:jobs, the message and its
 * NOTIFY in one transaction. For a few seconds in the middle it sends with notify=false, to show the poll catching
 * what no notification announced. It stops sending a few seconds before the end, so the queue drains.
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
                    stats.setPhase(quiet ? "notify=false: only the 2 s poll finds these"
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
                            .to("pgmq:jobs?notify=false&autoCreateQueue=true")
                        .otherwise()
                            .to("pgmq:jobs?autoCreateQueue=true")
                    .end()
                    .process(e -> stats.sent(e.getProperty("jobId", Long.class), e.getProperty("quiet", Boolean.class)));
    }
}
