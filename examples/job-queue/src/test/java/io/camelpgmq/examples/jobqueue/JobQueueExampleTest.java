package io.camelpgmq.examples.jobqueue;

import java.util.List;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqQueue;
import io.camelpgmq.examples.ExampleDatabase;
import io.camelpgmq.test.PgmqExtension;
import io.camelpgmq.test.PgmqQueues;
import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's main command, shortened, on the test kit's database (camel-pgmq-test): every job is done or
 * dead-lettered, and the story's parts all happen; on a database that has queues named jobs and jobs_dlq already,
 * the run uses and drops queues of its own.
 */
@ExtendWith(PgmqExtension.class)
class JobQueueExampleTest {

    @Test
    void everyJobIsDoneOrDeadLetteredAndEveryPathIsShown(PgmqTestDatabase database, PgmqQueues pgmq) throws Exception {
        PgmqClient client = pgmq.client();
        // someone else's queues, with the names the example used to take: left alone
        boolean ours = !client.queueExists("jobs") && !client.queueExists("jobs_dlq");
        client.createQueue("jobs");
        client.createQueue("jobs_dlq");
        long theirs = pgmq.send("jobs", "{\"theirs\":true}");
        List<String> queuesBefore = queueNames(client);
        JobQueueExample.Summary s;
        try (ExampleDatabase db = ExampleDatabase.of(database.jdbcUrl(), database.username(), database.password())) {
            s = JobQueueExample.run(db, 12, 25);
        } finally {
            assertEquals(queuesBefore, queueNames(client), "the run dropped its own queues and only those");
            assertEquals(List.of(theirs), pgmq.messages("jobs").stream().map(m -> m.msgId()).toList(),
                    "their message is untouched");
            if (ours) {
                client.dropQueue("jobs");
                client.dropQueue("jobs_dlq");
            } else {
                client.delete("jobs", theirs);
            }
        }
        assertTrue(s.sent() >= 100, "sent " + s.sent());
        assertEquals(s.sent(), s.done() + s.deadLettered(), "nothing lost, nothing twice");
        assertEquals(0, s.queueDepth(), "queue drained");
        assertTrue(s.deadLettered() >= 1, "a poison job reached the dead-letter queue");
        assertTrue(s.retried() >= s.deadLettered() * 3, "poison jobs were retried maxRetries=3 times first");
        assertTrue(s.sentQuietly() > 0 && s.doneQuietly() > 0, "notify=false jobs were found without a notification");
        assertTrue(s.pickupP50() < 1000, "woken by NOTIFY, not by the 2 s poll: p50 " + s.pickupP50());
    }

    private static List<String> queueNames(PgmqClient client) {
        return client.listQueues().stream().map(PgmqQueue::queueName).sorted().toList();
    }
}
