package io.pymem4j.spi;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.util.List;

/**
 * Where a report finds the traceback of a block's allocation, and of its free: CPython's
 * {@code _PyMem_DumpTraceback}, which tracemalloc serves. A hook layer whose {@link Hook}
 * implements this offers it; another layer finds it with
 * {@link RuntimeView#findHook(Class)}, so neither module depends on the other. Without one,
 * the debug layer's report says "Enable tracemalloc to get the memory block allocation
 * traceback", as CPython's does when tracemalloc is not tracing.
 *
 * <h2>Traceback ids</h2>
 * A report may come long after the block was freed, when the tracer no longer has its trace.
 * A layer that keeps a record of freed blocks keeps an <em>id</em> of each traceback, an
 * {@code int}, not the frames: {@link #tracebackId} gives the id of a live block's
 * allocation traceback (no stack walk), {@link #captureTraceback()} the id of the calling
 * thread's stack now (a stack walk, so callers ask only while {@link #tracing()}), and
 * {@link #framesOf(int)} turns an id back into frames while the tracer still knows it (until
 * its traces are cleared or it stops). {@value #NO_TRACEBACK} is no traceback.
 *
 * @since 0.1
 */
public interface BlockTracebacks {

    /** The id of no traceback: an untraced block, nothing captured, or a tracer without ids. */
    int NO_TRACEBACK = 0;

    /**
     * One frame of a traceback, as a report prints it: a file name and a line number, and
     * where the frame is a Java method's, its class and method (else null), so that a report
     * can print it the way Java prints a stack trace.
     *
     * @param filename   the source file as the tracer names it ({@code com/example/Foo.java})
     * @param lineno     the line, 0 when unknown
     * @param className  the declaring class's binary name, or null
     * @param methodName the method's name, or null
     */
    record SourceLine(String filename, int lineno, String className, String methodName) {

        /** A frame of a file and a line only (a Python frame). */
        public SourceLine(String filename, int lineno) {
            this(filename, lineno, null, null);
        }

        /**
         * The frame as Java prints a stack trace element, {@code com.example.Foo.bar(Foo.java:25)}
         * ({@code (Foo.java)} without a line), which IDEs and CI logs link to the source; null
         * for a frame without a class and method.
         */
        public String javaForm() {
            if (className == null || methodName == null) {
                return null;
            }
            String file = filename == null ? null : filename.substring(filename.lastIndexOf('/') + 1);
            String where = file == null || file.isEmpty() || file.startsWith("<") ? "Unknown Source"
                    : lineno > 0 ? file + ":" + lineno : file;
            return className + "." + methodName + "(" + where + ")";
        }
    }

    /** True while allocations are traced. */
    boolean tracing();

    /**
     * The frames where the block at {@code address} of {@code domain} was allocated, most
     * recent first, or null when the block is not traced.
     */
    List<SourceLine> frames(PyMemAllocatorDomain domain, long address);

    /**
     * The id of the allocation traceback of the live block at {@code address} of
     * {@code domain} (or of the block this thread is freeing through the tracer at this
     * moment), or {@value #NO_TRACEBACK}. Walks no stack.
     */
    default int tracebackId(PyMemAllocatorDomain domain, long address) {
        return NO_TRACEBACK;
    }

    /**
     * Captures the calling thread's stack as an allocation's traceback would be captured (the
     * allocator machinery left out, the same frame limit) and returns its id; {@value #NO_TRACEBACK}
     * when not tracing. Costs a stack walk, unless this thread's call through the tracer has
     * captured its stack already (a realloc's).
     */
    default int captureTraceback() {
        return NO_TRACEBACK;
    }

    /**
     * The frames of the traceback {@code id}, most recent first, or null when the tracer no
     * longer knows it (its traces were cleared since, or it stopped) or {@code id} is
     * {@value #NO_TRACEBACK}.
     */
    default List<SourceLine> framesOf(int id) {
        return null;
    }
}
