package io.camelpgmq.examples.jobqueue;

import java.util.List;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqQueue;
import io.camelpgmq.client.PgmqSchema;
import io.camelpgmq.examples.ExampleDatabase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's main command, shortened: every job is done or dead-lettered, and the story's parts all happen; on a
 * database that has queues named jobs and jobs_dlq already, the run uses and drops queues of its own.
 */
class JobQueueExampleTest {

    @Test
    void everyJobIsDoneOrDeadLetteredAndEveryPathIsShown() throws Exception {
        JobQueueExample.Summary s;
        try (ExampleDatabase db = ExampleDatabase.start()) {
            // someone else's queues, with the names the example used to take: left alone
            PgmqSchema.install(db.dataSource());
            PgmqClient pgmq = new PgmqClient(db.dataSource());
            pgmq.createQueue("jobs");
            pgmq.createQueue("jobs_dlq");
            pgmq.send("jobs", "{\"theirs\":true}");
            s = JobQueueExample.run(db, 12, 25);
            assertEquals(List.of("jobs", "jobs_dlq"),
                    pgmq.listQueues().stream().map(PgmqQueue::queueName).sorted().toList(),
                    "the run dropped its own queues and only those");
            assertEquals(1, pgmq.metrics("jobs").queueLength());
        }
        assertTrue(s.sent() >= 100, "sent " + s.sent());
        assertEquals(s.sent(), s.done() + s.deadLettered(), "nothing lost, nothing twice");
        assertEquals(0, s.queueDepth(), "queue drained");
        assertTrue(s.deadLettered() >= 1, "a poison job reached the dead-letter queue");
        assertTrue(s.retried() >= s.deadLettered() * 3, "poison jobs were retried maxRetries=3 times first");
        assertTrue(s.sentQuietly() > 0 && s.doneQuietly() > 0, "notify=false jobs were found without a notification");
        assertTrue(s.pickupP50() < 1000, "woken by NOTIFY, not by the 2 s poll: p50 " + s.pickupP50());
    }
}
