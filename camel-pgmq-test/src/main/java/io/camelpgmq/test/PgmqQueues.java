package io.camelpgmq.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.client.QueueNames;

/**
 * What a route test does with queues: make queues of its own, send to them, wait until a consumer has drained them,
 * and look at what ended in the archive and the dead-letter queue. {@link PgmqExtension} gives one per test and drops
 * its queues after the test; {@link #on(DataSource)} makes one over any DataSource.
 */
public final class PgmqQueues {

    /** At most this many messages are returned by the browsing methods: a test that needs more has a problem. */
    public static final int BROWSE_LIMIT = 10_000;
    private static final long POLL_MILLIS = 20;

    private final DataSource dataSource;
    private final PgmqClient client;
    private final List<String> created = new ArrayList<>();

    private PgmqQueues(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.client = new PgmqClient(dataSource);
    }

    /** Helpers over a database that has pgmq (the extension or camel-pgmq's compatible SQL). */
    public static PgmqQueues on(DataSource dataSource) {
        return new PgmqQueues(dataSource);
    }

    /** The database: bind it in the Camel registry and the {@code pgmq} component picks it up. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** camel-pgmq's plain-JDBC client on the same database, for everything the helpers do not cover. */
    public PgmqClient client() {
        return client;
    }

    /** A queue name that no other test, in this JVM or a parallel one, uses: {@code prefix_<counter>_<random>}. */
    public String uniqueName(String prefix) {
        return PgmqTestDatabase.uniqueQueueName(prefix);
    }

    /** Creates a queue under a {@link #uniqueName unique name}, dropped (with its archive) by {@link #dropCreated()}. */
    public String newQueue(String prefix) {
        String name = uniqueName(prefix);
        client.createQueue(name);
        synchronized (created) {
            created.add(name);
        }
        return name;
    }

    /**
     * Sends a JSON message and wakes the queue's consumers, as {@code to("pgmq:<queue>")} does: the message and its
     * NOTIFY commit together. Returns the message id.
     */
    public long send(String queue, String json) {
        return send(queue, json, null);
    }

    /** Sends a JSON message with pgmq headers (a JSON object, or {@code null}) and wakes the queue's consumers. */
    public long send(String queue, String json, String headersJson) {
        return client.send(queue, json, headersJson, 0, QueueNames.insertChannel(queue));
    }

    /**
     * Waits until the queue holds no message at all, visible or in flight: every message was completed (archived or
     * deleted) or dead-lettered. Fails after {@code timeout} with what is still there.
     *
     * @throws AssertionError when messages are still in the queue after {@code timeout}
     */
    public void awaitEmpty(String queue, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long length = client.metrics(queue).queueLength();
            if (length == 0) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError(stillThere(queue, length, timeout));
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for queue '" + queue + "' to drain", e);
            }
        }
    }

    private String stillThere(String queue, long length, Duration timeout) {
        List<PgmqMessage> some = client.browse(queue, 5);
        String listed = some.stream()
                .map(m -> "msg_id " + m.msgId() + " (read " + m.readCount() + " times, visible at " + m.vt() + "): "
                          + abbreviate(m.message()))
                .collect(Collectors.joining("; "));
        return "Queue '" + queue + "' still holds " + length + " message(s) after " + timeout + ": " + listed
               + (length > some.size() ? "; ..." : "")
               + ". Read 0 times: no consumer took them (is the route started, on this database and this queue?);"
               + " read and visible later: failed and waiting for a retry or their visibility timeout.";
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= 120 ? text : text.substring(0, 117) + "...";
    }

    /** The queue's messages, oldest first, visible or not, without reading them (read counts and visibility stay). */
    public List<PgmqMessage> messages(String queue) {
        return client.browse(queue, BROWSE_LIMIT);
    }

    /** The queue's archive ({@code pgmq.a_<queue>}), oldest first: with {@code onSuccess=archive}, the done messages. */
    public List<PgmqMessage> archive(String queue) {
        return client.browseArchive(queue, BROWSE_LIMIT);
    }

    /**
     * The dead-letter queue's messages, oldest first, without reading them. A dead-letter queue is a queue: this is
     * {@link #messages(String)} under a name that says what a test means.
     */
    public List<PgmqMessage> deadLetters(String deadLetterQueue) {
        return messages(deadLetterQueue);
    }

    /** The message bodies of {@code messages}, as pgmq returns them (jsonb: {@code {"a": 1}}). */
    public static List<String> bodies(List<PgmqMessage> messages) {
        return messages.stream().map(PgmqMessage::message).toList();
    }

    /** Drops the queues made by {@link #newQueue}, with their archives. */
    public void dropCreated() {
        List<String> names;
        synchronized (created) {
            names = List.copyOf(created);
            created.clear();
        }
        for (String name : names) {
            client.dropQueue(name);
        }
    }
}
