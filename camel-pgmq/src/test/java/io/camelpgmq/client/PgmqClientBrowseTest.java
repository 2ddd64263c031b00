package io.camelpgmq.client;

import java.util.List;

import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Browsing a queue and its archive: every row, oldest first, and no read (read counts and visibility stay). */
class PgmqClientBrowseTest {

    private final PgmqClient client = new PgmqClient(PgmqTestDatabase.get().dataSource());

    @Test
    void browseShowsVisibleAndInFlightMessagesWithoutReadingThem() {
        String q = PgmqTestDatabase.uniqueQueueName("browse");
        client.createQueue(q);
        try {
            long first = client.send(q, "{\"n\":1}");
            long second = client.send(q, "{\"n\":2}", "{\"h\":true}", 0);
            long third = client.send(q, "{\"n\":3}");
            PgmqMessage inFlight = client.read(q, 30, 1).get(0);
            assertEquals(first, inFlight.msgId());

            List<PgmqMessage> all = client.browse(q, 10);
            assertEquals(List.of(first, second, third), all.stream().map(PgmqMessage::msgId).toList());
            assertEquals(1, all.get(0).readCount());
            assertEquals(inFlight.vt(), all.get(0).vt(), "browsing leaves the visibility alone");
            assertEquals("{\"h\": true}", all.get(1).headers());
            assertEquals(List.of(first, second), client.browse(q, 2).stream().map(PgmqMessage::msgId).toList());
            assertEquals(List.of(0, 0), client.browse(q, 10).subList(1, 3).stream().map(PgmqMessage::readCount).toList(),
                    "a second browse still finds them unread");
            assertEquals(List.of(second), client.read(q, 30, 1).stream().map(PgmqMessage::msgId).toList(),
                    "the next read takes the next visible message, as if nobody had browsed");
        } finally {
            client.dropQueue(q);
        }
    }

    @Test
    void browseArchiveShowsTheArchivedMessages() {
        String q = PgmqTestDatabase.uniqueQueueName("browse_archive");
        client.createQueue(q);
        try {
            long first = client.send(q, "{\"n\":1}");
            client.send(q, "{\"n\":2}");
            client.archive(q, first);
            List<PgmqMessage> archived = client.browseArchive(q, 10);
            assertEquals(List.of(first), archived.stream().map(PgmqMessage::msgId).toList());
            assertEquals("{\"n\": 1}", archived.get(0).message());
        } finally {
            client.dropQueue(q);
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnySql() {
        assertThrows(IllegalArgumentException.class, () -> client.browse("Robert'); DROP TABLE x;--", 10));
        assertThrows(IllegalArgumentException.class, () -> client.browseArchive("ok_name", 0));
    }
}
