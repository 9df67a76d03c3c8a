package io.pymem4j.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two-thread benchmarks' cross-thread queue. */
class SpscLongRingTest {

    @Test
    void valuesComeOutInTheOrderTheyWentIn() {
        SpscLongRing r = new SpscLongRing(4);
        assertTrue(r.offer(11));
        assertTrue(r.offer(22));
        assertEquals(11, r.poll());
        assertTrue(r.offer(33));
        assertEquals(22, r.poll());
        assertEquals(33, r.poll());
    }

    @Test
    void aFullRingRefusesAndAnEmptyOneGivesZero() {
        SpscLongRing r = new SpscLongRing(2);
        assertTrue(r.offer(1));
        assertTrue(r.offer(2));
        assertFalse(r.offer(3));
        assertEquals(1, r.poll());
        assertEquals(2, r.poll());
        assertEquals(0, r.poll());
        assertEquals(0, r.size());
    }

    @Test
    void aCapacityThatIsNotAPowerOfTwoIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SpscLongRing(3));
    }

    @Test
    void everyValueCrossesBetweenTwoThreadsOnceAndInOrder() throws InterruptedException {
        SpscLongRing r = new SpscLongRing(64);
        int n = 200_000;
        Thread producer = Thread.ofPlatform().start(() -> {
            for (long v = 1; v <= n; v++) {
                while (!r.offer(v)) {
                    Thread.onSpinWait();
                }
            }
        });
        long expected = 1;
        while (expected <= n) {
            long v = r.poll();
            if (v != 0) {
                assertEquals(expected++, v);
            } else {
                Thread.onSpinWait();
            }
        }
        producer.join();
        assertEquals(0, r.poll());
    }

    @Test
    void theObjectRingClearsWhatItHandsOut() {
        SpscRing<String> r = new SpscRing<>(2);
        assertTrue(r.offer("a"));
        assertTrue(r.offer("b"));
        assertFalse(r.offer("c"));
        assertEquals("a", r.poll());
        assertEquals("b", r.poll());
        assertEquals(null, r.poll());
    }
}
