package io.camelpgmq.test;

import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqMessage;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.camelpgmq.test.PgmqQueues.bodies;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kit's helpers against the real test database, with no Camel route: what each promises, and its failures. */
@ExtendWith(PgmqExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgmqQueuesTest {

    private static String queueOfTheFirstTest;

    @Test
    @Order(1)
    void newQueueExistsUnderAUniqueName(PgmqQueues pgmq, PgmqTestDatabase db, DataSource dataSource) {
        String a = pgmq.newQueue("orders");
        String b = pgmq.newQueue("orders");
        assertNotEquals(a, b);
        assertTrue(a.startsWith("orders_"), a);
        assertTrue(pgmq.client().queueExists(a) && pgmq.client().queueExists(b));
        assertSame(db.dataSource(), dataSource, "one shared pool");
        assertSame(dataSource, pgmq.dataSource());
        queueOfTheFirstTest = a;
    }

    @Test
    @Order(2)
    void theExtensionDroppedTheQueuesOfThePreviousTest(PgmqQueues pgmq) {
        assertFalse(pgmq.client().queueExists(queueOfTheFirstTest), queueOfTheFirstTest + " was dropped after its test");
    }

    @Test
    void sendWritesTheMessageAndBrowsingLeavesItUnread(PgmqQueues pgmq) {
        String queue = pgmq.newQueue("send");
        long id = pgmq.send(queue, "{\"n\":1}", "{\"source\":\"test\"}");
        List<PgmqMessage> messages = pgmq.messages(queue);
        assertEquals(1, messages.size());
        assertEquals(id, messages.get(0).msgId());
        assertEquals("{\"n\": 1}", messages.get(0).message());
        assertEquals("{\"source\": \"test\"}", messages.get(0).headers());
        assertEquals(0, pgmq.messages(queue).get(0).readCount(), "browsing is no read");
    }

    @Test
    void archiveAndDeadLettersShowWhatEndedThere(PgmqQueues pgmq) {
        String queue = pgmq.newQueue("archived");
        String dlq = pgmq.newQueue("archived_dlq");
        PgmqClient client = pgmq.client();
        long first = pgmq.send(queue, "{\"n\":1}");
        pgmq.send(queue, "{\"n\":2}");
        pgmq.send(dlq, "{\"n\":3}");
        assertTrue(client.archive(queue, first));
        assertEquals(List.of("{\"n\": 1}"), bodies(pgmq.archive(queue)));
        assertEquals(List.of("{\"n\": 2}"), bodies(pgmq.messages(queue)));
        assertEquals(List.of("{\"n\": 3}"), bodies(pgmq.deadLetters(dlq)));
    }

    @Test
    void awaitEmptyReturnsOnceTheQueueIsDrained(PgmqQueues pgmq) throws Exception {
        String queue = pgmq.newQueue("drained");
        long id = pgmq.send(queue, "{\"n\":1}");
        Thread consumer = new Thread(() -> {
            sleep(300);
            pgmq.client().delete(queue, id);
        });
        consumer.start();
        long start = System.nanoTime();
        pgmq.awaitEmpty(queue, Duration.ofSeconds(10));
        assertTrue(System.nanoTime() - start >= 250_000_000L, "it waited for the consumer");
        assertTrue(pgmq.messages(queue).isEmpty());
        consumer.join();
    }

    @Test
    void awaitEmptyFailsWithWhatIsStillThere(PgmqQueues pgmq) {
        String queue = pgmq.newQueue("stuck");
        long first = pgmq.send(queue, "{\"job\":\"taken once\"}");
        pgmq.send(queue, "{\"job\":\"never taken\"}");
        pgmq.client().read(queue, 30, 1);   // the first one is in flight
        AssertionError failure = assertThrows(AssertionError.class,
                () -> pgmq.awaitEmpty(queue, Duration.ofMillis(200)));
        String message = failure.getMessage();
        assertTrue(message.startsWith("Queue '" + queue + "' still holds 2 message(s) after PT0.2S: msg_id " + first
                                      + " (read 1 times"), message);
        assertTrue(message.contains("{\"job\": \"never taken\"}") && message.contains("read 0 times"), message);
        assertTrue(message.contains("is the route started"), message);
    }

    @Test
    void unknownQueuesAreNamedInTheError(PgmqQueues pgmq) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> pgmq.archive("no_such_queue_here"));
        assertTrue(e.getMessage().contains("no_such_queue_here"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pgmq.messages("Bad-Name"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
