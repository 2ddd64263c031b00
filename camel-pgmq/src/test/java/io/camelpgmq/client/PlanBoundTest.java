package io.camelpgmq.client;

import java.util.Locale;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PlanBoundTest {

    @Test
    void theSmallestPowerOfTwoAtLeastTheCount() {
        assertEquals(1, PlanBound.of(1));
        assertEquals(2, PlanBound.of(2));
        assertEquals(4, PlanBound.of(3));
        assertEquals(16, PlanBound.of(10));
        assertEquals(16, PlanBound.of(16));
        assertEquals(32, PlanBound.of(17));
        assertEquals(128, PlanBound.of(100));
        assertEquals(1 << 30, PlanBound.of(1 << 30));
        assertEquals(Integer.MAX_VALUE, PlanBound.of((1 << 30) + 1));
        assertEquals(Integer.MAX_VALUE, PlanBound.of(Integer.MAX_VALUE));
    }

    @Test
    void writtenInAsciiDigitsWhateverTheLocale() {
        Locale saved = Locale.getDefault(Locale.Category.FORMAT);
        try {
            // a locale whose number formats use Thai digits
            Locale.setDefault(Locale.Category.FORMAT, Locale.forLanguageTag("th-TH-u-nu-thai"));
            assertEquals("16", PlanBound.literal(10));
            for (boolean groupIndexed : new boolean[] { true, false }) {
                String sql = GroupedReadSql.read(GroupedRead.FILL, "pgmq.\"q_x\"", 10, groupIndexed, true);
                assertEquals(2, sql.split("LIMIT 16", -1).length - 1, "both planning bounds in ASCII: " + sql);
            }
        } finally {
            Locale.setDefault(Locale.Category.FORMAT, saved);
        }
    }

    @Test
    void noBoundForNothing() {
        assertThrows(IllegalArgumentException.class, () -> PlanBound.of(0));
    }
}
