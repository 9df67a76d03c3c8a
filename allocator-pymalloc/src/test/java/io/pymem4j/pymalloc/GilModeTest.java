package io.pymem4j.pymalloc;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.testkit.AllocatorContractTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pymalloc in GIL mode: no lock of its own, callers hold the runtime's interpreter lock. */
class GilModeTest {

    @Nested
    class Contract extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return PyMemRuntime.builder().allocator("pymalloc").gil(true).build().getAllocator(PyMemAllocatorDomain.OBJ);
        }
    }

    @Test
    void threadsTakingTheGilInTurnShareBlocksSafely() throws InterruptedException {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("pymalloc").gil(true).build();
        InterpreterLock gil = rt.interpreterLock();
        ConcurrentLinkedQueue<long[]> handedOver = new ConcurrentLinkedQueue<>();
        int rounds = 2_000;
        List<Thread> threads = new ArrayList<>();
        Set<Long> liveAtOnce = java.util.Collections.synchronizedSet(new HashSet<>());
        for (int t = 0; t < 3; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < rounds; i++) {
                    long size = 1 + (i * 7L + id) % 512;
                    try (var _ = gil.hold()) {
                        long p = rt.objectMalloc(size);
                        assertTrue(liveAtOnce.add(p), "a live block handed out twice");
                        NativeMemory.fill(p, size, (byte) id);
                        handedOver.add(new long[]{p, size, id});
                        long[] other = handedOver.poll();
                        if (other != null && i % 2 == 0) {
                            assertEquals(-1, NativeMemory.findNot(other[0], other[1], (byte) other[2]));
                            liveAtOnce.remove(other[0]);
                            rt.objectFree(other[0]);
                        } else if (other != null) {
                            handedOver.add(other);
                        }
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        try (var _ = gil.hold()) {
            for (long[] b; (b = handedOver.poll()) != null; ) {
                assertEquals(-1, NativeMemory.findNot(b[0], b[1], (byte) b[2]));
                rt.objectFree(b[0]);
            }
            assertEquals(0, Pymalloc.of(rt).stats().classes().stream().mapToLong(PymallocStats.SizeClass::blocksInUse).sum());
        }
    }
}
