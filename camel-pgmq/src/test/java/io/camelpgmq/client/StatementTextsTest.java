package io.camelpgmq.client;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StatementTextsTest {

    private static final AtomicInteger WRITES = new AtomicInteger();

    /** A shape whose text says which queue it is for, counting how often it is written. */
    private record Read(String queueName) implements StatementTexts.Shape {
        @Override
        public String write() {
            WRITES.incrementAndGet();
            return "SELECT * FROM pgmq.\"q_" + queueName + '"';
        }
    }

    private record Broken(String queueName) implements StatementTexts.Shape {
        @Override
        public String write() {
            throw new IllegalArgumentException("no such queue: " + queueName);
        }
    }

    @Test
    void anEqualShapeGetsTheSameStringWrittenOnce() {
        StatementTexts texts = new StatementTexts();
        int before = WRITES.get();
        String first = texts.of(new Read("orders"));
        assertSame(first, texts.of(new Read("orders")), "the same string, so pgjdbc's cache matches it by identity");
        assertEquals(before + 1, WRITES.get());
        assertEquals("SELECT * FROM pgmq.\"q_invoices\"", texts.of(new Read("invoices")));
    }

    @Test
    void beyondTheMostKeptTextsAreWrittenAtEachCall() {
        StatementTexts texts = new StatementTexts();
        for (int i = 0; i < StatementTexts.MOST; i++) {
            texts.of(new Read("q" + i));
        }
        int before = WRITES.get();
        String once = texts.of(new Read("one_more"));
        String again = texts.of(new Read("one_more"));
        assertEquals(once, again);
        assertNotSame(once, again, "not kept: nothing bounds the queue names a caller may pass");
        assertEquals(before + 2, WRITES.get());
        assertSame(texts.of(new Read("q0")), texts.of(new Read("q0")), "those kept stay kept");
    }

    @Test
    void aShapeThatCannotBeWrittenFailsEachTimeAndKeepsNothing() {
        StatementTexts texts = new StatementTexts();
        assertThrows(IllegalArgumentException.class, () -> texts.of(new Broken("x")));
        assertThrows(IllegalArgumentException.class, () -> texts.of(new Broken("x")));
    }
}
