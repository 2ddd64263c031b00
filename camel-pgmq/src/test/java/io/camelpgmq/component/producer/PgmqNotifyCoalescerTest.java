package io.camelpgmq.component.producer;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The coalescer's rules on a clock the test moves, and the payload parser consumers use. The database behaviour is
 * in {@link io.camelpgmq.component.PgmqNotifyCoalescingTest}.
 */
class PgmqNotifyCoalescerTest {

    private static final String CHANNEL = "pgmq.q_coalesce.INSERT";
    private static final String PAYLOAD = "{\"coalesce_ms\":100}";

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final PgmqNotifyCoalescer coalescer = new PgmqNotifyCoalescer(100, nanos::get);

    private void advanceMillis(long millis) {
        nanos.addAndGet(millis * 1_000_000L);
    }

    /** A send that commits by itself (auto-commit) and returns after {@code tookMillis}; its payload, or null. */
    private String autoCommitSend(long tookMillis) {
        PgmqNotifyCoalescer.Send send = coalescer.begin(CHANNEL);
        String payload = send.payload(true);
        advanceMillis(tookMillis);
        assertFalse(send.returned(), "a send that returned within its window needs no NOTIFY of its own");
        return payload;
    }

    @Test
    void theFirstSendOfAQuietPeriodNotifiesAndLaterOnesInTheWindowSkip() {
        assertEquals(PAYLOAD, autoCommitSend(1), "leading edge: the first send notifies at once, with the window");
        assertNull(autoCommitSend(1), "inside the first half of the window");
        advanceMillis(40);
        assertNull(autoCommitSend(1), "still inside the first half");
        advanceMillis(200);
        assertEquals(PAYLOAD, autoCommitSend(1), "after a quiet period the first send notifies again");
    }

    @Test
    void theFirstSendInTheSecondHalfRenewsTheWindowOnce() {
        autoCommitSend(0);
        advanceMillis(60);
        PgmqNotifyCoalescer.Send renewal = coalescer.begin(CHANNEL);
        assertEquals(PAYLOAD, renewal.payload(true), "the second half's first send notifies");
        PgmqNotifyCoalescer.Send other = coalescer.begin(CHANNEL);
        assertNull(other.payload(true), "while that renewal is in flight, the old window still covers a send");
        advanceMillis(1);
        assertFalse(other.returned());
        assertFalse(renewal.returned());
        advanceMillis(45); // 106 ms after the first send, 46 ms after the renewal started
        assertNull(autoCommitSend(1), "the renewal moved the window forward");
    }

    @Test
    void aSkippedSendThatOutlivesItsWindowMustNotifyOnItsOwn() {
        autoCommitSend(0);
        PgmqNotifyCoalescer.Send slow = coalescer.begin(CHANNEL);
        assertNull(slow.payload(true));
        advanceMillis(101);
        assertTrue(slow.returned(), "committed after the consumers' trailing read may have run");

        PgmqNotifyCoalescer.Send own = coalescer.notifyAlone(CHANNEL);
        assertEquals(PAYLOAD, own.payload(true));
        assertFalse(own.returned());
        assertNull(autoCommitSend(1), "the NOTIFY of its own opened a window");
    }

    @Test
    void aSkippedSendThatFailsNotifiesToBeSafe() {
        autoCommitSend(0);
        PgmqNotifyCoalescer.Send failing = coalescer.begin(CHANNEL);
        assertNull(failing.payload(true));
        assertTrue(failing.failed(), "a failure at commit can leave the message committed");
    }

    @Test
    void onlyAReturnedNotifyingSendOpensAWindow() {
        PgmqNotifyCoalescer.Send first = coalescer.begin(CHANNEL);
        assertEquals(PAYLOAD, first.payload(true));
        assertEquals(PAYLOAD, coalescer.begin(CHANNEL).payload(true),
                "while the first NOTIFY is not known to be committed, others notify too");
        assertFalse(first.failed(), "a failed notifying send has nothing to make up for");
        assertEquals(PAYLOAD, autoCommitSend(1), "a failed NOTIFY opened no window");
    }

    @Test
    void aSendInAJoinedTransactionAlwaysNotifiesAndOpensNoWindow() {
        PgmqNotifyCoalescer.Send joined = coalescer.begin(CHANNEL);
        assertEquals("", joined.payload(false), "the empty payload, as a producer that does not coalesce");
        assertFalse(joined.returned());
        assertEquals(PAYLOAD, autoCommitSend(1), "the joined send may still roll back: it silences nobody");
        assertEquals("", coalescer.begin(CHANNEL).payload(false), "and inside a window it still notifies");
    }

    @Test
    void channelsHaveTheirOwnWindows() {
        autoCommitSend(0);
        assertEquals(PAYLOAD, coalescer.begin("pgmq.q_other.INSERT").payload(true));
    }

    @Test
    void windowIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> new PgmqNotifyCoalescer(0));
        assertThrows(IllegalArgumentException.class, () -> new PgmqNotifyCoalescer(10_001));
        assertEquals("{\"coalesce_ms\":10000}", PgmqNotifyCoalescer.payload(new PgmqNotifyCoalescer(10_000)
                .getWindowMillis()));
    }

    @Test
    void payloadParserAcceptsTheFormatAndRejectsEverythingElse() {
        assertEquals(20, PgmqNotifyCoalescer.trailingReadDelayMillis("{\"coalesce_ms\":20}"));
        assertEquals(20, PgmqNotifyCoalescer.trailingReadDelayMillis(" { \"coalesce_ms\" : 20 } "),
                "whitespace between tokens, as other JSON writers put it");
        assertEquals(1, PgmqNotifyCoalescer.trailingReadDelayMillis("{\"coalesce_ms\":1}"));
        assertEquals(10_000, PgmqNotifyCoalescer.trailingReadDelayMillis("{\"coalesce_ms\":10000}"));
        assertEquals(250, PgmqNotifyCoalescer.trailingReadDelayMillis(PgmqNotifyCoalescer.payload(250)));
        for (String bad : new String[] { null, "", "   ", "20", "{}", "{\"coalesce_ms\":0}", "{\"coalesce_ms\":-5}",
                "{\"coalesce_ms\":10001}", "{\"coalesce_ms\":999999999}", "{\"coalesce_ms\":99999999999999999999}",
                "{\"coalesce_ms\":20.5}", "{\"coalesce_ms\":1e3}", "{\"coalesce_ms\":\"20\"}", "{'coalesce_ms':20}",
                "{\"coalesce_ms\":20,\"x\":1}", "{\"x\":1,\"coalesce_ms\":20}", "{\"COALESCE_MS\":20}",
                "{\"coalesce_ms\":20}}", "[{\"coalesce_ms\":20}]", "{\"coalesce_ms\":null}", "not json at all",
                "{\"coalesce_ms\":" + "1".repeat(5000) + "}", "{\"coalesce_ms\":\u0662\u0660}" }) {
            assertEquals(-1, PgmqNotifyCoalescer.trailingReadDelayMillis(bad), "payload " + bad);
        }
    }
}
