package io.camelpgmq.examples.orders;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The order check of the example's summary, on recorded histories: it must be able to say no. */
class QueueLedgerTest {

    private static final List<Integer> ALL = List.of(1, 2, 3, 4);

    @Test
    void inSequenceWithARetryAndADeadLetterIsKept() {
        QueueLedger l = new QueueLedger("billing");
        run(l, 1, 1, true);
        run(l, 2, 1, false);
        run(l, 2, 2, false);
        l.deadLettered("o", 2);
        run(l, 3, 1, true);
        run(l, 4, 1, true);
        assertTrue(l.orderKept("o", ALL));
    }

    @Test
    void aLaterEventBeforeTheRetryOfAnEarlierOneIsNotKept() {
        QueueLedger l = new QueueLedger("billing");
        run(l, 1, 1, true);
        run(l, 2, 1, false);
        run(l, 3, 1, true); // plain reads: the next event overtakes the failed one
        run(l, 2, 2, true);
        run(l, 4, 1, true);
        assertFalse(l.orderKept("o", ALL));
    }

    @Test
    void twoEventsOfAnOrderAtOnceAreNotKept() {
        QueueLedger l = new QueueLedger("billing");
        l.begin("o", 1, 1);
        l.begin("o", 2, 1);
        l.end("o", 1, true);
        l.end("o", 2, true);
        run(l, 3, 1, true);
        run(l, 4, 1, true);
        assertFalse(l.orderKept("o", ALL));
    }

    @Test
    void aMissingOrDuplicatedEventOrAWrongGroupIsNotKept() {
        QueueLedger missing = new QueueLedger("shipping");
        run(missing, 1, 1, true);
        run(missing, 2, 1, true);
        run(missing, 4, 1, true);
        assertFalse(missing.orderKept("o", ALL));

        QueueLedger twice = new QueueLedger("shipping");
        ALL.forEach(seq -> run(twice, seq, 1, true));
        twice.deadLettered("o", 4);
        assertFalse(twice.orderKept("o", ALL));

        QueueLedger group = new QueueLedger("shipping");
        ALL.forEach(seq -> run(group, seq, 1, true));
        group.wrongGroup("o");
        assertFalse(group.orderKept("o", ALL));
    }

    private static void run(QueueLedger l, int seq, int attempt, boolean ok) {
        l.begin("o", seq, attempt);
        l.end("o", seq, ok);
    }
}
