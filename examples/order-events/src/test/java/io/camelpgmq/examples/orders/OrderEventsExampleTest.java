package io.camelpgmq.examples.orders;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.camelpgmq.examples.ExampleDatabase;
import io.camelpgmq.test.PgmqExtension;
import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's command, shortened, on the test kit's PostgreSQL (camel-pgmq-test): the topic fanned every event out to each bound queue, each
 * queue handled every order's events in sequence (checked from what the handlers recorded), the poison event and
 * only it is in billing's dead-letter queue, every other order completed, and nothing is left behind.
 */
@ExtendWith(PgmqExtension.class)
class OrderEventsExampleTest {

    @Test
    void everyOrderIsHandledInSequenceByEachBoundQueueAndOnlyThePoisonIsDeadLettered(PgmqTestDatabase database)
            throws Exception {
        OrderEventsExample.Summary s = OrderEventsExample.run(
                ExampleDatabase.of(database.jdbcUrl(), database.username(), database.password()), 8, 50, 8, "grouped");
        System.out.println(s);
        OrderEventsExample.QueueSummary billing = s.billing();
        OrderEventsExample.QueueSummary shipping = s.shipping();

        assertTrue(s.orders() >= 20, "orders " + s.orders());
        // fan-out: billing is bound to orders.* (all 4 events), shipping to paid, shipped, delivered
        assertEquals(s.published(), billing.routed(), "billing got every event");
        assertEquals(s.orders() * 3L, shipping.routed(), "shipping got paid, shipped, delivered of every order");
        assertEquals(s.copies(), billing.routed() + shipping.routed());
        assertEquals(0, s.misrouted(), "every send made as many copies (CamelPgmqRoutedQueues) as the bindings say");

        // every copy reached its queue's consumer: handled, or dead-lettered
        assertEquals(billing.routed(), billing.processed() + billing.deadLettered(), "billing: every event handled");
        assertEquals(shipping.routed(), shipping.processed() + shipping.deadLettered(),
                "shipping: every event handled");

        // per order, in sequence, in both queues
        assertEquals(s.orders(), billing.orders());
        assertEquals(billing.orders(), billing.ordersKept(), "billing kept every order's sequence");
        assertEquals(shipping.orders(), shipping.ordersKept(), "shipping kept every order's sequence");
        assertTrue(billing.retried() + shipping.retried() > billing.deadLettered() * 3,
                "transient failures were retried, not only the poison");

        // the poison event is dead-lettered after maxRetries=3 retries; the other orders all completed
        assertTrue(s.poisonDeadLettered(), "billing's DLQ holds exactly the poison event: " + billing.deadLetters());
        assertEquals(Map.of(), shipping.deadLetters(), "shipping handles the poison payment");
        assertEquals(s.orders() - 1, s.otherOrdersCompleted(), "every other order completed");

        // nothing left: the queues drained, then were dropped
        assertEquals(0, billing.leftInQueue());
        assertEquals(0, shipping.leftInQueue());
        assertEquals(0, billing.leftInDeadLetterQueue(), "the dead letter was read and archived");
        assertEquals(0, shipping.leftInDeadLetterQueue());
        assertEquals(List.of(), s.queuesLeftAfterDrop());
        assertTrue(Set.of(s.poisonSeq()).equals(billing.deadLetters().get(s.poisonOrder())));
    }
}
