package io.pymem4j.junit;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.Tracemalloc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests that {@link PyMemExtensionTest} runs through the JUnit Platform test kit, most of
 * them meant to fail. Nested classes, so the build's own test run leaves them alone. The
 * comments {@code // at: NAME} mark the lines the expected messages name.
 */
final class Fixtures {

    private Fixtures() {
    }

    /** What the fixtures saw, for the assertions of PyMemExtensionTest; reset before each run. */
    static final List<Object> SEEN = new ArrayList<>();

    static final class LeakTest {
        @PyMemTest(traceback = 1)
        @Test
        void leaksThreeBlocksFromTwoLines(PyMemRuntime rt) {
            for (int i = 0; i < 2; i++) {
                rt.memMalloc(64); // at: two-blocks
            }
            rt.objectMalloc(100); // at: one-block
        }

        @PyMemTest
        @Test
        void freesEverything(PyMemRuntime rt) {
            rt.memFree(rt.memMalloc(64));
            rt.objectFree(rt.objectCalloc(3, 50));
            rt.rawFree(rt.rawRealloc(rt.rawMalloc(8), 4000));
        }

        @PyMemTest(traceback = 3)
        @Test
        void leaksThroughAHelper(PyMemRuntime rt) {
            helper(rt); // at: helper-call
        }

        private static void helper(PyMemRuntime rt) {
            rt.memMalloc(10); // at: helper
        }

        @PyMemTest(stack = "malloc_debug", traceback = 0)
        @Test
        void leaksWithoutTracemalloc(PyMemRuntime rt) {
            rt.memMalloc(10);
        }

        @PyMemTest(allowLeaks = true)
        @Test
        void leaksButIsAllowedTo(PyMemRuntime rt) {
            rt.memMalloc(10);
        }

        @PyMemTest
        @Test
        void marksItsCacheExpected(PyMemRuntime rt, Tracemalloc tm) {
            try (var _ = tm.expectedScope()) {
                rt.memMalloc(10);
            }
        }
    }

    @PyMemTest(stack = "malloc_debug")
    static final class LifecycleTest {
        private long buffer;

        @BeforeEach
        void allocate(PyMemRuntime rt) {
            buffer = rt.memMalloc(100);
            SEEN.add(rt);
        }

        @Test
        void usesTheBuffer(PyMemRuntime rt) {
            SEEN.add(rt);
            NativeMemory.fill(buffer, 100, (byte) 1);
        }

        @AfterEach
        void free(PyMemRuntime rt) {
            rt.memFree(buffer);
        }
    }

    @PyMemTest(traceback = 5, allowLeaksFrom = "io/pymem4j/junit/KnownLeaks.java")
    static final class KnownLeakTest {
        @Test
        void leaksThroughAKnownCacheAndByItself(PyMemRuntime rt) {
            KnownLeaks.cache(rt);
            rt.memMalloc(8); // at: unknown-leak
        }
    }

    static final class CorruptionTest {
        @PyMemTest(stack = "malloc_debug", traceback = 1)
        @Test
        void swallowsTheReportOfAnOverflow(PyMemRuntime rt) {
            long p = rt.memMalloc(16); // at: overflowed
            NativeMemory.putByte(p + 16, (byte) 'x');
            try {
                rt.memFree(p);
            } catch (MemoryCorruptionError swallowed) {
                // as careless code under test might
            }
        }

        @PyMemTest(stack = "malloc_debug")
        @Test
        void overflowsInAnotherThread(PyMemRuntime rt) {
            long p = rt.memMalloc(16);
            NativeMemory.putByte(p + 17, (byte) 'x');
            CompletableFuture.runAsync(() -> {
                try {
                    rt.memFree(p);
                } catch (MemoryCorruptionError lostInAPool) {
                    // nothing reaches the test thread
                }
            }).join();
        }

        @PyMemTest(stack = "pymalloc_debug")
        @Test
        void letsTheReportFailIt(PyMemRuntime rt) {
            long p = rt.memMalloc(16);
            NativeMemory.putByte(p - 1, (byte) 'x');
            rt.memFree(p);
        }

        @PyMemTest(stack = "pymalloc_debug", allowCorruption = true)
        @Test
        void provokesAReportOnPurpose(PyMemRuntime rt) {
            long p = rt.memMalloc(16);
            rt.memFree(p);
            assertThrows(MemoryCorruptionError.class, () -> rt.memFree(p));
        }

        @PyMemTest(stack = "pymalloc_debug", options = "debug.quarantine.bytes=64k")
        @Test
        void writesAfterFree(PyMemRuntime rt) {
            long p = rt.memMalloc(32);
            rt.memFree(p);
            NativeMemory.putByte(p + 3, (byte) 0);
        }

        @PyMemTest(stack = "pymalloc_debug")
        @Test
        void writesAfterFreeWithTheDefaults(PyMemRuntime rt) {
            long p = rt.memMalloc(32);
            rt.memFree(p);
            NativeMemory.putByte(p + 3, (byte) 0);
        }

        @PyMemTest(stack = "malloc_debug", traceback = 5)
        @Test
        void overflowsABlockItNeverFrees(PyMemRuntime rt) {
            long p = rt.memMalloc(16); // at: never-freed
            NativeMemory.putByte(p + 16, (byte) 'x');
        }

        @PyMemTest(stack = "malloc_debug", traceback = 5)
        @Test
        void freesABlockTwice(PyMemRuntime rt) {
            long p = rt.memMalloc(16); // at: twice-allocated
            rt.memFree(p); // at: twice-freed
            try {
                rt.memFree(p);
            } catch (MemoryCorruptionError swallowed) {
                // the extension still fails the test, with the report
            }
        }
    }

    static final class StackPropertyTest {
        @PyMemTest(stack = "malloc_debug", traceback = 0)
        @Test
        void recordsItsStack(PyMemRuntime rt) {
            SEEN.add(rt.currentAllocatorName());
        }
    }

    @PyMemTest(scope = PyMemTest.Scope.CLASS, stack = "malloc_debug", traceback = 1)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static final class SharedByTheClassTest {
        @BeforeAll
        static void before(PyMemRuntime rt) {
            SEEN.add(rt);
        }

        @Test
        @Order(1)
        void freesItsBlock(PyMemRuntime rt) {
            SEEN.add(rt);
            rt.memFree(rt.memMalloc(8));
        }

        @Test
        @Order(2)
        void leaksABlock(PyMemRuntime rt) {
            SEEN.add(rt);
            rt.memMalloc(24); // at: class-leak
        }

        @Test
        @Order(3)
        void isNotBlamedForTheLeakBefore(PyMemRuntime rt) {
            SEEN.add(rt);
        }
    }

    @PyMemTest(scope = PyMemTest.Scope.SUITE, stack = "malloc_debug", traceback = 2)
    static final class SuiteOneTest {
        @Test
        void records(PyMemRuntime rt) {
            SEEN.add(rt);
        }
    }

    @PyMemTest(scope = PyMemTest.Scope.SUITE, stack = "malloc_debug", traceback = 2)
    static final class SuiteTwoTest {
        @Test
        void records(PyMemRuntime rt) {
            SEEN.add(rt);
        }
    }

    @PyMemTest(scope = PyMemTest.Scope.SUITE, stack = "malloc_debug", traceback = 3)
    static final class OtherSuiteRuntimeTest {
        @Test
        void records(PyMemRuntime rt) {
            SEEN.add(rt);
        }
    }

    @PyMemTest(stack = "malloc_debug", traceback = 4)
    static final class InjectionTest {
        private final PyMemRuntime fromConstructor;

        InjectionTest(PyMemRuntime rt) {
            this.fromConstructor = rt;
        }

        @Test
        void getsOneRuntimeInTheConstructorAndTheMethod(PyMemRuntime rt, Tracemalloc tm) {
            assertTrue(rt == fromConstructor, "one runtime per test");
            assertEquals("malloc+debug+tracemalloc+junit", rt.currentAllocatorName());
            assertTrue(tm.isTracing());
            assertEquals(4, tm.getTracebackLimit());
            assertTrue(tm == Tracemalloc.of(rt));
        }

        @PyMemTest(stack = "pymalloc", traceback = 0)
        @Test
        void aMethodAnnotationWins(PyMemRuntime rt) {
            assertEquals("pymalloc+junit", rt.currentAllocatorName());
        }
    }

    @PyMemTest
    static final class PerTestRuntimeInBeforeAllTest {
        @BeforeAll
        static void before(PyMemRuntime rt) {
            SEEN.add(rt);
        }

        @Test
        void never() {
        }
    }

    static final class MisconfiguredTest {
        @PyMemTest(stack = "tcmalloc")
        @Test
        void unknownStack(PyMemRuntime rt) {
            SEEN.add(rt);
        }

        @PyMemTest(options = "debug.policy")
        @Test
        void optionWithoutValue(PyMemRuntime rt) {
            SEEN.add(rt);
        }
    }
}
