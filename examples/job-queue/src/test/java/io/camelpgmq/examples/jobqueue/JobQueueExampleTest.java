package io.camelpgmq.examples.jobqueue;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's main command, shortened: every job is done or dead-lettered, and the story's parts all happen. */
class JobQueueExampleTest {

    @Test
    void everyJobIsDoneOrDeadLetteredAndEveryPathIsShown() throws Exception {
        JobQueueExample.Summary s = JobQueueExample.run(12, 25);
        assertTrue(s.sent() >= 100, "sent " + s.sent());
        assertEquals(s.sent(), s.done() + s.deadLettered(), "nothing lost, nothing twice");
        assertEquals(0, s.queueDepth(), "queue drained");
        assertTrue(s.deadLettered() >= 1, "a poison job reached the dead-letter queue");
        assertTrue(s.retried() >= s.deadLettered() * 3, "poison jobs were retried maxRetries=3 times first");
        assertTrue(s.sentQuietly() > 0 && s.doneQuietly() > 0, "notify=false jobs were found by the poll");
        assertTrue(s.pickupP50() < 1000, "woken by NOTIFY, not by the 2 s poll: p50 " + s.pickupP50());
    }
}
