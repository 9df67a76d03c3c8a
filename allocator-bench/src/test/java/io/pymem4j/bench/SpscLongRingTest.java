package io.pymem4j.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The two-thread benchmarks' cross-thread queues. */
class SpscLongRingTest {

    @Test
    void valuesComeOutInTheOrderTheyWentIn() {
        SpscLongRing r = new SpscLongRing(4);
        assertEquals(2, r.offer(new long[] {11, 22}, 2));
        long[] one = new long[1];
        assertEquals(1, r.poll(one));
        assertEquals(11, one[0]);
        assertEquals(1, r.offer(new long[] {33}, 1));
        long[] two = new long[2];
        assertEquals(2, r.poll(two));
        assertArrayEquals(new long[] {22, 33}, two);
    }

    @Test
    void aFullRingTakesWhatFitsAndAnEmptyOneGivesNothing() {
        SpscLongRing r = new SpscLongRing(4);
        assertEquals(3, r.offer(new long[] {1, 2, 3}, 3));
        assertEquals(1, r.offer(new long[] {4, 5, 6}, 3), "one slot left");
        long[] dst = new long[8];
        assertEquals(4, r.poll(dst));
        assertArrayEquals(new long[] {1, 2, 3, 4}, Arrays.copyOf(dst, 4));
        assertEquals(0, r.poll(dst));
        assertEquals(0, r.size());
    }

    @Test
    void aDrainGivesEveryValueInOrderAndEmptiesTheRing() {
        SpscLongRing r = new SpscLongRing(4);
        r.offer(new long[] {7, 8, 9, 10}, 4);
        List<Long> seen = new ArrayList<>();
        r.drain(seen::add);
        assertEquals(List.of(7L, 8L, 9L, 10L), seen);
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
            long[] batch = new long[16];
            long v = 1;
            while (v <= n) {
                int k = (int) Math.min(batch.length, n - v + 1);
                for (int i = 0; i < k; i++) {
                    batch[i] = v + i;
                }
                int sent = 0;
                while (sent < k) {
                    long[] rest = Arrays.copyOfRange(batch, sent, k);
                    sent += r.offer(rest, rest.length);
                }
                v += k;
            }
        });
        long expected = 1;
        long[] dst = new long[10];
        while (expected <= n) {
            int got = r.poll(dst);
            for (int i = 0; i < got; i++) {
                assertEquals(expected++, dst[i]);
            }
            if (got == 0) {
                Thread.onSpinWait();
            }
        }
        producer.join();
        assertEquals(0, r.poll(dst));
    }

    @Test
    void theObjectRingClearsWhatItHandsOut() {
        SpscRing<String> r = new SpscRing<>(2);
        assertEquals(2, r.offer(new String[] {"a", "b", "c"}, 3));
        String[] dst = new String[4];
        assertEquals(2, r.poll(dst));
        assertArrayEquals(new String[] {"a", "b", null, null}, dst);
        assertEquals(0, r.poll(dst));
    }
}
