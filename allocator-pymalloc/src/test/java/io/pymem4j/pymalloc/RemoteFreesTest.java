package io.pymem4j.pymalloc;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue that carries other threads' frees to a heap's owner. */
class RemoteFreesTest {

    @Test
    void blocksComeOutInTheOrderTheyWentIn() {
        RemoteFrees q = new RemoteFrees(8);
        for (long p = 0x1000; p <= 0x4000; p += 0x1000) {
            assertTrue(q.offer(p));
        }
        long[] dst = new long[8];
        assertEquals(4, q.poll(dst));
        assertArrayEquals(new long[] {0x1000, 0x2000, 0x3000, 0x4000}, Arrays.copyOf(dst, 4));
    }

    @Test
    void aFullQueueRefusesTheNextBlock() {
        RemoteFrees q = new RemoteFrees(4);
        for (int k = 1; k <= 4; k++) {
            assertTrue(q.offer(k));
        }
        assertFalse(q.offer(5));
        assertEquals(4, q.size());
    }

    @Test
    void slotsTakenByTheOwnerAreUsedAgain() {
        RemoteFrees q = new RemoteFrees(4);
        long[] dst = new long[4];
        for (long round = 0; round < 10; round++) {
            for (int k = 1; k <= 3; k++) {
                assertTrue(q.offer(round * 10 + k));
            }
            assertEquals(3, q.poll(dst));
            assertEquals(round * 10 + 3, dst[2]);
        }
        assertEquals(0, q.size());
    }

    @Test
    void aPollTakesNoMoreThanItsArrayHoldsAndLeavesTheRest() {
        RemoteFrees q = new RemoteFrees(8);
        for (int k = 1; k <= 5; k++) {
            q.offer(k);
        }
        long[] dst = new long[2];
        assertEquals(2, q.poll(dst));
        assertArrayEquals(new long[] {1, 2}, dst);
        assertEquals(3, q.size());
        assertFalse(q.isEmpty());
    }

    @Test
    void anEmptyQueueSaysSoAndGivesNothing() {
        RemoteFrees q = new RemoteFrees(4);
        assertTrue(q.isEmpty());
        assertEquals(0, q.poll(new long[4]));
    }

    @Test
    void theCapacityMustBeAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new RemoteFrees(12));
        assertThrows(IllegalArgumentException.class, () -> new RemoteFrees(1));
    }

    @Test
    void everyBlockOfFourProducersReachesTheOwnerExactlyOnce() throws Exception {
        int producers = 4;
        int perProducer = 200_000;
        RemoteFrees q = new RemoteFrees(64);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < producers; t++) {
            long base = (long) t * perProducer;
            Thread th = new Thread(() -> {
                for (long k = 1; k <= perProducer; k++) {
                    while (!q.offer(base + k)) {
                        Thread.onSpinWait();
                    }
                }
            });
            threads.add(th);
            th.start();
        }
        BitSet seen = new BitSet(producers * perProducer + 1);
        long[] dst = new long[16];
        int got = 0;
        while (got < producers * perProducer) {
            int n = q.poll(dst);
            for (int i = 0; i < n; i++) {
                int v = (int) dst[i];
                assertFalse(seen.get(v), "block " + v + " taken twice");
                seen.set(v);
            }
            got += n;
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(producers * perProducer, seen.cardinality());
        assertTrue(q.isEmpty());
    }
}
