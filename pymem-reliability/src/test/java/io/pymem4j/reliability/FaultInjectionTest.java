package io.pymem4j.reliability;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.failing.FailingHook;
import io.pymem4j.failing.FailurePlan;
import io.pymem4j.raw.MmapArenaAllocator;
import io.pymem4j.replay.ReplayEngine;
import io.pymem4j.replay.ReplayFailedException;
import io.pymem4j.replay.TraceCursor;
import io.pymem4j.replay.TraceFile;
import io.pymem4j.replay.TraceOp;
import io.pymem4j.replay.TraceWriter;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault injection, exhaustively: with the {@code failing} layer in a stack, each of the first
 * {@link #POINTS} allocation calls of the bundled compile trace is made to fail in turn, and
 * each time the replay must stop with {@link ReplayFailedException} at exactly that event,
 * after which (the replay freed what it held) nothing is left: the callers' live blocks
 * (counted by a layer on top), pymalloc's blocks, the debug layer's live blocks and
 * tracemalloc's traced bytes are all 0. The debug layer reports by throwing, so a corruption
 * fails the test. After the last fault the whole prefix replays without one.
 *
 * <p>The layer sits on top of the stack (where {@code set_nomemory} puts its hooks: the
 * caller sees the NULL), or right above the backend, under the debug hooks or tracemalloc,
 * whose own failure paths then run.
 */
class FaultInjectionTest {

    private static final Logger log = LoggerFactory.getLogger(FaultInjectionTest.class);

    /** Allocation points failed in turn, per stack. */
    static final int POINTS = Scale.ofInt("faultPoints", 250, 4_000);

    private static final AtomicLong FAULTS = new AtomicLong();
    private static final AtomicLong ARENA_REFUSALS = new AtomicLong();
    private static final AtomicLong REPLAYS = new AtomicLong();
    private static final AtomicLong EVENTS = new AtomicLong();

    /** The bundled trace up to its allocation point {@code POINTS + 20}. */
    private static TraceFile prefix;
    /** The event index of each allocation point of {@link #prefix}, all domains. */
    private static int[] allocationEvents;
    /** The event index of each OBJ allocation point. */
    private static int[] objAllocationEvents;

    @BeforeAll
    static void cutTheBundledTrace() throws IOException {
        TraceWriter w = new TraceWriter();
        List<Integer> all = new ArrayList<>();
        List<Integer> obj = new ArrayList<>();
        try (TraceCursor c = TraceCursor.open(TraceFile.openBundled())) {
            while (all.size() < POINTS + 20 && c.next()) {
                int index = (int) c.index();
                switch (c.op()) {
                    case MALLOC -> w.malloc(c.domain(), c.id(), c.size());
                    case CALLOC -> w.calloc(c.domain(), c.id(), c.nelem(), c.elsize());
                    case REALLOC -> w.realloc(c.domain(), c.id(), c.newId(), c.size());
                    case FREE -> w.free(c.domain(), c.id());
                }
                if (c.op() != TraceOp.FREE) {
                    all.add(index);
                    if (c.domain() == PyMemAllocatorDomain.OBJ) {
                        obj.add(index);
                    }
                }
            }
        }
        prefix = TraceFile.read(new ByteArrayInputStream(w.toGzip()), "compile-prefix");
        allocationEvents = all.stream().mapToInt(Integer::intValue).toArray();
        objAllocationEvents = obj.stream().mapToInt(Integer::intValue).toArray();
    }

    @AfterAll
    static void figures() {
        log.info("fault injection: {} faults injected and survived in {} replays of {} events in all ({} allocation"
                        + " points failed in turn, of the {} events of the prefix); {} arena requests refused to pymalloc",
                FAULTS.get(), REPLAYS.get(), EVENTS.get(), POINTS, prefix.eventCount(), ARENA_REFUSALS.get());
    }

    /** Every base with the failing layer on top, under the debug hooks, over them, and under tracemalloc. */
    static List<StackUnderTest> stacks() {
        List<StackUnderTest> out = new ArrayList<>();
        for (StackUnderTest base : StackUnderTest.bases()) {
            out.add(base.with("+failing"));
            out.add(base.with("+failing+debug"));
            out.add(base.with("+debug+failing"));
            out.add(base.with("+failing+tracemalloc"));
        }
        return out;
    }

    private static PyMemRuntime start(StackUnderTest stack) {
        return stack.with("+" + CountingHookProvider.NAME).start(CountingHookProvider.registry());
    }

    private static void replay(PyMemRuntime rt) {
        REPLAYS.incrementAndGet();
        ReplayEngine.replay(prefix, rt, 0, 1);
        EVENTS.addAndGet(prefix.eventCount());
    }

    private static ReplayFailedException failedReplay(PyMemRuntime rt) {
        REPLAYS.incrementAndGet();
        // As a warm-up run: the fault stops it before the engine settles the heap to measure RSS
        // for the timed runs (a tenth of a second each, thousands of times over).
        ReplayFailedException e = assertThrows(ReplayFailedException.class, () -> ReplayEngine.replay(prefix, rt, 1, 1));
        EVENTS.addAndGet(e.event() + 1);
        return e;
    }

    /** Nothing is live in any count the stack keeps. */
    private static void assertNothingLeft(StackUnderTest stack, PyMemRuntime rt, String after) {
        try (InterpreterLock.Held _ = StackUnderTest.hold(rt)) {
            assertEquals(0, CountingHookProvider.of(rt).total(), "blocks the callers still hold " + after);
            if (stack.backend().equals("pymalloc")) {
                assertEquals(0, StackUnderTest.pymallocBlocks(rt), "pymalloc's allocated blocks " + after);
            }
            if (stack.debugged()) {
                assertEquals(0, StackUnderTest.debugLiveBlocks(rt), "the debug layer's live blocks " + after);
            }
            if (stack.traced()) {
                assertEquals(0, stack.tracedBytes(rt), "tracemalloc's traced bytes " + after);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void everyOneOfTheFirstAllocationPointsFailsCleanly(StackUnderTest stack) {
        PyMemRuntime rt = start(stack);
        try {
            FailingHook failing = FailingHook.of(rt).orElseThrow();
            replay(rt);
            assertEquals(allocationEvents.length, failing.calls(), "allocation points in the prefix");
            assertNothingLeft(stack, rt, "after a replay without faults");
            for (int k = 0; k < POINTS; k++) {
                failing.failOnly(k);
                ReplayFailedException e = failedReplay(rt);
                assertEquals(allocationEvents[k], e.event(), "the event that failed when call " + k + " failed");
                assertEquals(1, failing.failures());
                assertNothingLeft(stack, rt, "after call " + k + " failed");
                FAULTS.incrementAndGet();
            }
            failing.disarm();
            replay(rt);
            assertNothingLeft(stack, rt, "after the last replay, without faults");
        } finally {
            StackUnderTest.close(rt);
        }
    }

    static List<StackUnderTest> pymallocStacks() {
        return StackUnderTest.bases().stream().filter(b -> b.backend().equals("pymalloc"))
                .flatMap(b -> Stream.of(b, b.with("+debug"))).toList();
    }

    /**
     * pymalloc's own NULL: when no arena can be had from the {@code failFrom}-th on, small
     * requests go to malloc, as obmalloc's do, so the whole bundled trace replays without a
     * failure and gives every block back.
     */
    @ParameterizedTest
    @MethodSource("pymallocStacks")
    void whenArenasCannotBeHadPymallocServesFromMallocAndLeavesNothing(StackUnderTest stack) throws IOException {
        TraceFile whole = TraceFile.bundled();
        for (long failFrom : new long[]{0, 1, 3}) {
            FailingArenas arenas = new FailingArenas(MmapArenaAllocator.INSTANCE, failFrom);
            PyMemRuntime rt = stack.with("+" + CountingHookProvider.NAME).start(CountingHookProvider.registry(), arenas);
            try {
                ReplayEngine.replay(whole, rt, 0, 1);
                REPLAYS.incrementAndGet();
                EVENTS.addAndGet(whole.eventCount());
                assertTrue(arenas.failures() > 0, "no arena request failed from request " + failFrom);
                ARENA_REFUSALS.addAndGet(arenas.failures());
                assertNothingLeft(stack, rt, "after a replay whose arena requests failed from request " + failFrom);
            } finally {
                StackUnderTest.close(rt);
            }
        }
    }

    @Test
    void failingOnlyObjCallsStopsTheReplayAtTheObjAllocations() {
        StackUnderTest stack = new StackUnderTest("pymalloc", "cpython310", false, "+failing+debug");
        PyMemRuntime rt = start(stack);
        try {
            FailingHook failing = FailingHook.of(rt).orElseThrow();
            int points = Math.min(POINTS, objAllocationEvents.length);
            for (int k = 0; k < points; k++) {
                failing.setPlan(FailurePlan.only(k).inDomains(PyMemAllocatorDomain.OBJ));
                assertEquals(objAllocationEvents[k], failedReplay(rt).event(), "OBJ call " + k);
                assertNothingLeft(stack, rt, "after OBJ call " + k + " failed");
                FAULTS.incrementAndGet();
            }
        } finally {
            StackUnderTest.close(rt);
        }
    }

    @Test
    void aSeededProbabilityFailsTheSameEventInEveryReplay() {
        StackUnderTest stack = new StackUnderTest("pymalloc", "classic", false, "+debug+failing");
        PyMemRuntime rt = start(stack);
        try {
            FailingHook failing = FailingHook.of(rt).orElseThrow();
            failing.failWithProbability(0.01, 5);
            long first = failedReplay(rt).event();
            failing.failWithProbability(0.01, 5);
            assertEquals(first, failedReplay(rt).event());
            failing.failWithProbability(0.01, 6);
            assertNotEquals(first, failedReplay(rt).event());
            assertNothingLeft(stack, rt, "after the failed replays");
            FAULTS.addAndGet(3);
        } finally {
            StackUnderTest.close(rt);
        }
    }
}
