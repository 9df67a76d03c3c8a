package io.pymem4j.failing;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.HookProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailingLayerTest {

    private static PyMemRuntime runtime() {
        return PyMemRuntime.create("malloc+failing");
    }

    private static FailingHook layer(PyMemRuntime rt) {
        return FailingHook.of(rt).orElseThrow();
    }

    /** Mallocs of 16 bytes in {@code domain}, one per entry: whether each returned a block (freed at once). */
    private static List<Boolean> mallocs(PyMemRuntime rt, PyMemAllocatorDomain domain, int n) {
        List<Boolean> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long p = rt.malloc(domain, 16);
            got.add(p != 0);
            rt.free(domain, p);
        }
        return got;
    }

    @Test
    void withoutAPlanNothingFailsAndEveryAllocationCallIsCounted() {
        PyMemRuntime rt = runtime();
        FailingHook hook = layer(rt);
        long a = rt.rawMalloc(8);
        long b = rt.memCalloc(2, 8);
        long c = rt.objectRealloc(0, 24);
        c = rt.objectRealloc(c, 48);
        assertTrue(a != 0 && b != 0 && c != 0);
        rt.rawFree(a);
        rt.memFree(b);
        rt.objectFree(c);
        assertEquals(4, hook.calls());
        assertEquals(0, hook.failures());
        assertTrue(hook.plan().disarmed());
    }

    @Test
    void aRangeFailsExactlyTheCallsFromStartToBeforeStop() {
        PyMemRuntime rt = runtime();
        layer(rt).failRange(2, 4);
        assertEquals(List.of(true, true, false, false, true, true), mallocs(rt, MEM, 6));
        assertEquals(2, layer(rt).failures());
    }

    @Test
    void aStopOfZeroFailsEveryCallFromStartOn() {
        PyMemRuntime rt = runtime();
        layer(rt).failRange(1, 0);
        assertEquals(List.of(true, false, false, false, false), mallocs(rt, OBJ, 5));
    }

    @Test
    void failOnlyFailsOneCall() {
        PyMemRuntime rt = runtime();
        layer(rt).failOnly(0);
        assertEquals(List.of(false, true, true), mallocs(rt, RAW, 3));
    }

    @Test
    void oneCountRunsOverAllDomainsAndAllThreeAllocatingCalls() {
        PyMemRuntime rt = runtime();
        layer(rt).failRange(1, 3);
        long a = rt.rawMalloc(8);
        assertNotEquals(0, a);
        assertEquals(0, rt.memCalloc(1, 8));
        assertEquals(0, rt.objectRealloc(0, 8));
        long d = rt.memMalloc(8);
        assertNotEquals(0, d);
        rt.rawFree(a);
        rt.memFree(d);
    }

    @Test
    void settingAPlanNumbersCallsFromZeroAgain() {
        PyMemRuntime rt = runtime();
        FailingHook hook = layer(rt);
        mallocs(rt, MEM, 5);
        assertEquals(5, hook.calls());
        hook.failOnly(1);
        assertEquals(0, hook.calls());
        assertEquals(List.of(true, false, true), mallocs(rt, MEM, 3));
    }

    @Test
    void freeIsNeverCountedAndNeverFails() {
        PyMemRuntime rt = runtime();
        FailingHook hook = layer(rt);
        long p = rt.memMalloc(32);
        hook.failRange(0, 0);
        rt.memFree(p);
        rt.memFree(0);
        assertEquals(0, hook.calls());
        assertEquals(0, rt.memMalloc(32));
        assertEquals(1, hook.calls());
    }

    @Test
    void aFailedReallocLeavesTheBlockWhereAndAsItWas() {
        PyMemRuntime rt = runtime();
        long p = rt.memMalloc(64);
        NativeMemory.fill(p, 64, (byte) 0x5A);
        layer(rt).failOnly(0);
        assertEquals(0, rt.memRealloc(p, 4096));
        assertEquals(-1, NativeMemory.findNot(p, 64, (byte) 0x5A));
        long q = rt.memRealloc(p, 4096);
        assertNotEquals(0, q);
        assertEquals(-1, NativeMemory.findNot(q, 64, (byte) 0x5A));
        rt.memFree(q);
    }

    @Test
    void callsOfDomainsOutsideThePlanAreNeitherCountedNorFailed() {
        PyMemRuntime rt = runtime();
        FailingHook hook = layer(rt);
        hook.setPlan(FailurePlan.from(0).inDomains(OBJ));
        assertEquals(List.of(true, true), mallocs(rt, RAW, 2));
        assertEquals(List.of(true, true), mallocs(rt, MEM, 2));
        assertEquals(0, hook.calls());
        assertEquals(List.of(false, false), mallocs(rt, OBJ, 2));
        assertEquals(2, hook.calls());
    }

    @Test
    void theSameSeedFailsTheSameCalls() {
        PyMemRuntime rt = runtime();
        layer(rt).failWithProbability(0.3, 42);
        List<Boolean> first = mallocs(rt, MEM, 200);
        layer(rt).failWithProbability(0.3, 42);
        assertEquals(first, mallocs(rt, MEM, 200));
        layer(rt).failWithProbability(0.3, 43);
        assertNotEquals(first, mallocs(rt, MEM, 200));
    }

    @Test
    void aProbabilityFailsAboutThatShareOfCalls() {
        PyMemRuntime rt = runtime();
        layer(rt).failWithProbability(0.1, 7);
        long failed = mallocs(rt, OBJ, 10_000).stream().filter(ok -> !ok).count();
        // 1000 expected; 4.5 standard deviations (30 each) either way.
        assertTrue(failed > 865 && failed < 1135, failed + " of 10000 failed");
        assertEquals(failed, layer(rt).failures());
    }

    @Test
    void probabilitiesZeroAndOneFailNothingAndEverything() {
        PyMemRuntime rt = runtime();
        layer(rt).failWithProbability(0, 1);
        assertEquals(List.of(true, true, true), mallocs(rt, MEM, 3));
        layer(rt).failWithProbability(1, 1);
        assertEquals(List.of(false, false, false), mallocs(rt, MEM, 3));
    }

    @Test
    void theOptionsSetThePlanTheLayerStartsWith() {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("malloc+failing")
                .option(FailurePlan.START, "1").option(FailurePlan.STOP, "3").option(FailurePlan.DOMAINS, "mem, obj")
                .build();
        assertEquals(new FailurePlan(1, 3, 1.0, 0, Set.of(MEM, OBJ)), layer(rt).plan());
        assertEquals(List.of(true, true, true), mallocs(rt, RAW, 3));
        assertEquals(List.of(true, false, false, true), mallocs(rt, MEM, 4));
    }

    @Test
    void aProbabilityOptionAloneFailsFromCallZero() {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("malloc+failing")
                .option(FailurePlan.PROBABILITY, "0.5").option(FailurePlan.SEED, "-9").build();
        assertEquals(FailurePlan.probability(0.5, -9), layer(rt).plan());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "failing.start       | -1   | option failing.start='-1' is not valid: expected a call number from 0 up",
            "failing.stop        | x    | option failing.stop='x' is not valid: expected a call number from 0 up",
            "failing.probability | 1.5  | option failing.probability='1.5' is not valid: expected a number from 0 to 1, such as 0.001",
            "failing.probability | NaN  | option failing.probability='NaN' is not valid: expected a number from 0 to 1, such as 0.001",
            "failing.seed        | 0x10 | option failing.seed='0x10' is not valid: expected a whole number (a Java long)",
            "failing.domains     | RAW,HEAP | option failing.domains='RAW,HEAP' is not valid: expected RAW, MEM, OBJ separated by commas, or all",
    })
    void aBadOptionFailsTheSetUpNamingTheOptionAndWhereItWasSet(String key, String value, String message) {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> PyMemRuntime.builder().allocator("malloc+failing").option(key, value).build());
        assertEquals(message + " (" + key + " from PyMemRuntime.Builder.option in code)", e.getMessage());
    }

    @Test
    void theLayerIsATransparentHookNamedFailing() {
        HookProvider p = ProviderRegistry.getDefault().hook("failing");
        assertTrue(p instanceof FailingHookProvider);
        assertTrue(p.transparent());
        assertFalse(p.enabledByConfiguration(runtime()));
    }

    @Test
    void theLayerCanBeAddedToARuntimeInUseAndItsBlocksFreedThroughIt() {
        PyMemRuntime rt = PyMemRuntime.create("malloc");
        long p = rt.memMalloc(100);
        rt.setupAllocators("malloc+failing");
        assertEquals("malloc+failing", rt.currentAllocatorName());
        layer(rt).failRange(0, 0);
        assertEquals(0, rt.memMalloc(8));
        rt.memFree(p);
        rt.setupAllocators("malloc");
        assertTrue(FailingHook.of(rt).isEmpty());
        long q = rt.memMalloc(8);
        assertNotEquals(0, q);
        rt.memFree(q);
    }

    @Test
    void concurrentCallsAreNumberedOnceEach() throws Exception {
        PyMemRuntime rt = runtime();
        FailingHook hook = layer(rt);
        hook.failRange(1_000, 3_000);
        int threads = 4;
        int each = 5_000;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> nulls = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                nulls.add(pool.submit(() -> {
                    start.await();
                    int n = 0;
                    for (int i = 0; i < each; i++) {
                        long p = rt.objectMalloc(24);
                        if (p == 0) {
                            n++;
                        }
                        rt.objectFree(p);
                    }
                    return n;
                }));
            }
            int total = 0;
            for (Future<Integer> f : nulls) {
                total += f.get();
            }
            assertEquals(2_000, total);
            assertEquals(2_000, hook.failures());
            assertEquals((long) threads * each, hook.calls());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPlanDescribesItself() {
        assertEquals("calls 3 to 5 fail (counting [RAW, MEM, OBJ])", FailurePlan.range(3, 6).toString());
        assertEquals("calls 0 on fail with probability 0.25 (seed 9) (counting [OBJ])",
                FailurePlan.probability(0.25, 9).inDomains(OBJ).toString());
        assertEquals("nothing fails (counting [RAW, MEM, OBJ])", FailurePlan.NONE.toString());
    }

    @Test
    void aPlanRefusesValuesOutsideItsRanges() {
        assertThrows(IllegalArgumentException.class, () -> FailurePlan.range(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> FailurePlan.range(0, -1));
        assertThrows(IllegalArgumentException.class, () -> FailurePlan.probability(-0.1, 0));
        assertThrows(IllegalArgumentException.class, () -> FailurePlan.NONE.inDomains(List.of()));
    }
}
