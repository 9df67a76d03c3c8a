package io.pymem4j.tracemalloc;

import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Tracemalloc#hideFrames}: a test framework's frames are left out, the limit counts the code under test. */
class FrameHidingTest {

    private static final String FILE = "io/pymem4j/tracemalloc/FrameHidingTest.java";
    private static final String CLASS = FrameHidingTest.class.getName();

    /** Stands for a test framework: runs a "test method" by reflection, or a lambda directly. */
    static final class Framework {
        static void invoke(Object target, String method) throws ReflectiveOperationException {
            Method m = target.getClass().getDeclaredMethod(method);
            m.setAccessible(true);
            m.invoke(target);
        }

        static void run(Runnable r) {
            r.run();
        }
    }

    private PyMemRuntime rt;
    private Tracemalloc tm;
    private long block;
    private int allocateLine;
    private int callLine;

    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow().getLineNumber()) + 1;
    }

    @BeforeEach
    void trace() {
        rt = PyMemRuntime.create("malloc+tracemalloc");
        tm = Tracemalloc.of(rt);
        tm.start(10);
    }

    @AfterEach
    void stop() {
        rt.memFree(block);
        tm.stop();
    }

    private void allocate() {
        allocateLine = nextLine();
        block = rt.memMalloc(32);
    }

    private void testMethod() {
        callLine = nextLine();
        allocate();
    }

    private void testMethodWithALambda() {
        callLine = nextLine();
        Framework.run(this::allocate);
    }

    private void testMethodThroughTheJdk() {
        callLine = nextLine();
        new ArrayList<>(List.of(1)).forEach(i -> allocate());
    }

    /** The traced block's frames, most recent first. */
    private List<Frame> frames() {
        Traceback tb = tm.getObjectTraceback(block);
        return tb.reversed();
    }

    @Test
    void theFrameworksFramesAreLeftOutAndTheWalkEndsWhereItCalledTheTestByReflection() throws Exception {
        tm.hideFrames(List.of(CLASS + "$Framework"));
        Framework.invoke(this, "testMethod");
        assertEquals(List.of(new Frame(FILE, allocateLine, CLASS, "allocate"), new Frame(FILE, callLine, CLASS, "testMethod")),
                frames());
        assertEquals(2, tm.getObjectTraceback(block).totalNframe().orElseThrow());
    }

    @Test
    void withoutHidingTheFrameworkAndWhatCallsItFillTheLimit() throws Exception {
        Framework.invoke(this, "testMethod");
        List<Frame> frames = frames();
        assertEquals(10, frames.size());
        assertEquals(Framework.class.getName(), frames.get(2).className());
    }

    @Test
    void aFrameworkFrameThatRunsALambdaIsLeftOutAndTheWalkGoesOnToTheTest() throws Exception {
        tm.hideFrames(List.of(CLASS + "$Framework"));
        Framework.invoke(this, "testMethodWithALambda");
        List<Frame> frames = frames();
        assertEquals(List.of("allocate", "testMethodWithALambda"), frames.stream().map(Frame::methodName).toList());
        assertEquals(callLine, frames.get(1).lineno());
    }

    @Test
    void jdkFramesCalledByTheCodeUnderTestAreKept() throws Exception {
        tm.hideFrames(List.of(CLASS + "$Framework"));
        Framework.invoke(this, "testMethodThroughTheJdk");
        List<Frame> frames = frames();
        assertEquals("allocate", frames.get(0).methodName());
        assertTrue(frames.get(1).methodName().startsWith("lambda$testMethodThroughTheJdk$"), frames::toString);
        assertEquals("java.util.ArrayList", frames.get(2).className(), frames::toString);
        assertEquals(new Frame(FILE, callLine, CLASS, "testMethodThroughTheJdk"), frames.getLast());
    }

    @Test
    void anEmptyListKeepsEveryFrameAgain() throws Exception {
        tm.hideFrames(List.of(CLASS + "$Framework"));
        tm.hideFrames(List.of());
        Framework.invoke(this, "testMethod");
        assertEquals(10, frames().size());
    }
}
