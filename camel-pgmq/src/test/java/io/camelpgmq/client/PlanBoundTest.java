package io.camelpgmq.client;

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
    void noBoundForNothing() {
        assertThrows(IllegalArgumentException.class, () -> PlanBound.of(0));
    }
}
