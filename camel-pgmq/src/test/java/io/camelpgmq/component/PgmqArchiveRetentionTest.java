package io.camelpgmq.component;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * archiveRetention: the component's pruner deletes what was archived longer ago than the retention, keeps what is
 * more recent, prunes the dead-letter queue's archive only when asked, and counts what it pruned.
 */
class PgmqArchiveRetentionTest extends PgmqTestSupport {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final String queue = newQueue("retention");
    private final String dlq = newQueue("retention_dlq");

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        PgmqComponent pgmq = context.getComponent("pgmq", PgmqComponent.class);
        pgmq.setMeterRegistry(registry);
        pgmq.setArchivePruneInterval(100);
        return context;
    }

    /** Archives {@code count} messages of the queue, {@code ageMinutes} ago. */
    private void archived(String queueName, int count, int ageMinutes) {
        for (int i = 0; i < count; i++) {
            long id = client.send(queueName, "{\"n\":" + i + "}");
            client.archive(queueName, id);
            execute("UPDATE pgmq.a_" + queueName + " SET archived_at = now() - interval '" + ageMinutes
                    + " minutes' WHERE msg_id = " + id);
        }
    }

    private long archive(String queueName, String where) {
        return queryLong("SELECT count(*) FROM pgmq.a_" + queueName + " WHERE " + where);
    }

    private double pruned(String queueName) {
        var counter = registry.find("pgmq.archive.pruned").tag("queue", queueName).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void oldArchivedRowsGoAndRecentOnesStay() throws Exception {
        archived(queue, 5, 120);
        archived(queue, 3, 1);
        archived(dlq, 4, 120);
        client.send(queue, "{\"fresh\":1}");
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?archiveRetention=1h&maxRetries=1&deadLetterQueue=" + dlq)
                        .to("log:retention?level=OFF");
            }
        });
        await(Duration.ofSeconds(10), () -> archive(queue, "true") == 4, "the five old rows pruned");
        assertEquals(0, archive(queue, "archived_at < now() - interval '1 hour'"), "nothing older than the retention");
        assertEquals(4, archive(queue, "archived_at > now() - interval '5 minutes'"),
                "the three recent rows and the message just processed stay");
        // the pruner counts a batch after its delete commits: the rows can be gone a moment before the count is up
        await(Duration.ofSeconds(2), () -> pruned(queue) >= 5, "the pruned rows counted");
        assertEquals(5, pruned(queue));
        Thread.sleep(300);
        assertEquals(4, archive(dlq, "true"), "the dead-letter queue's archive is kept unless pruneDeadLetterArchive");
    }

    @Test
    void theDeadLetterArchiveIsPrunedWhenAsked() throws Exception {
        archived(queue, 2, 120);
        archived(dlq, 4, 120);
        archived(dlq, 1, 1);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pgmq:" + queue + "?archiveRetention=60m&pruneDeadLetterArchive=true&maxRetries=1"
                     + "&deadLetterQueue=" + dlq)
                        .to("log:retention?level=OFF");
            }
        });
        await(Duration.ofSeconds(10), () -> archive(queue, "true") == 0 && archive(dlq, "true") == 1,
                "both archives pruned to their recent rows");
        await(Duration.ofSeconds(2), () -> pruned(dlq) >= 4, "the pruned rows counted");
        assertEquals(4, pruned(dlq));
    }
}
