package io.pymem4j.tracemalloc;

import java.util.List;

/**
 * Which frames a tracer leaves out of its tracebacks beyond the allocator machinery: the
 * frames of a test framework (classes under the given name prefixes) and the JDK frames only
 * they call, so that the traceback limit counts the frames of the code under test. A JDK
 * frame ({@code java.}, {@code javax.}, {@code jdk.}, {@code sun.}, {@code com.sun.}) is kept
 * when code of the user's calls it, that is when a frame of the user's comes after it on the
 * way down the stack; a JDK frame between framework frames, or below the last user frame, is
 * left out. The walk ends at a framework frame that called the code above it by reflection
 * ({@code Method.invoke}): that code was the test method (or a lifecycle method or a
 * constructor), the oldest frame of the code under test, and what lies below is the
 * framework and whatever runs it (another test, when a test runs tests). A framework frame
 * that called user code directly (an {@code assertThrows} running a lambda) is left out
 * and the walk goes on to the test method. See {@link Tracemalloc#hideFrames(java.util.Collection)}.
 */
final class FrameHiding {

    /** A frame of the user's code: kept. */
    static final int USER = 0;
    /** A frame of the framework: left out. */
    static final int FRAMEWORK = 1;
    /** A JDK frame: kept only when a user frame follows it (older on the stack). */
    static final int JDK = 2;

    private static final List<String> JDK_PREFIXES = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.");

    private final List<String> prefixes;
    private final ClassValue<Integer> kinds = new ClassValue<>() {
        @Override
        protected Integer computeValue(Class<?> c) {
            return classify(c.getName());
        }
    };

    FrameHiding(List<String> prefixes) {
        this.prefixes = List.copyOf(prefixes);
    }

    /** {@link #USER}, {@link #FRAMEWORK} or {@link #JDK}. */
    int kind(Class<?> c) {
        return kinds.get(c);
    }

    int classify(String className) {
        for (String p : prefixes) {
            if (className.startsWith(p)) {
                return FRAMEWORK;
            }
        }
        for (String p : JDK_PREFIXES) {
            if (className.startsWith(p)) {
                return JDK;
            }
        }
        return USER;
    }

    List<String> prefixes() {
        return prefixes;
    }
}
