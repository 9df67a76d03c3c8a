package io.pymem4j.guard;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BlockTracebacks;

import java.lang.StackWalker.StackFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Java frames that allocated one sampled block, as the debug layer's report prints them
 * ("Memory block allocated at (most recent call first):"): a {@link BlockTracebacks} of one
 * block.
 *
 * <p>Only sampled blocks are walked, so the walk is off the hot path; it is still the
 * costliest part of a sampled block, so it stops at the frames it keeps (one batch of the
 * {@link StackWalker}) and keeps the {@link StackFrame}s as they are: their file names and
 * lines are looked up when a report prints them, which is rare. Frames of the allocation
 * machinery (every {@link PyMemAllocatorEx}, the runtime, this layer, method handles and
 * reflection) are left out, so the first frame is the caller's. A file is named as
 * tracemalloc names a Java frame: its package as a path, then the source file
 * ({@code io/pymem4j/guard/GuardTest.java}).
 */
final class SampledTraceback implements BlockTracebacks {

    /** Frames the walker fetches beyond those kept: the machinery between the caller and the walk. */
    private static final int MACHINERY_ESTIMATE = 8;
    private static final Set<String> MACHINERY_PACKAGES = Set.of("io.pymem4j.runtime", "java.lang.invoke",
            "java.lang.foreign", "jdk.internal.foreign", "jdk.internal.foreign.abi", "jdk.internal.reflect",
            "java.lang.reflect");
    private static final Set<Class<?>> MACHINERY_HOSTS = Set.of(GuardHook.class, SampledTraceback.class);
    private static final ClassValue<Boolean> MACHINERY = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            return PyMemAllocatorEx.class.isAssignableFrom(c) || MACHINERY_HOSTS.contains(c.getNestHost())
                    || MACHINERY_PACKAGES.contains(c.getPackageName());
        }
    };

    private final StackFrame[] frames;

    private SampledTraceback(StackFrame[] frames) {
        this.frames = frames;
    }

    /** Factory of the walks of one layer: its walker holds a batch of the frames it keeps. */
    static final class Walker {
        private final StackWalker walker;
        private final int limit;

        /** @param limit the most frames kept, at least 1 */
        Walker(int limit) {
            this.limit = limit;
            this.walker = StackWalker.getInstance(Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE,
                    StackWalker.Option.SHOW_REFLECT_FRAMES), limit + MACHINERY_ESTIMATE);
        }

        /** The calling thread's allocation traceback, its caller's frame first. */
        SampledTraceback capture() {
            StackFrame[] kept = walker.walk(s -> s.filter(f -> !MACHINERY.get(f.getDeclaringClass()))
                    .limit(limit).toArray(StackFrame[]::new));
            return new SampledTraceback(kept);
        }
    }

    @Override
    public boolean tracing() {
        return true;
    }

    /** The frames of this block, whatever is asked: it serves one report, of one block. */
    @Override
    public List<SourceLine> frames(PyMemAllocatorDomain domain, long address) {
        List<SourceLine> lines = new ArrayList<>(frames.length);
        for (StackFrame f : frames) {
            lines.add(new SourceLine(sourcePath(f), Math.max(f.getLineNumber(), 0)));
        }
        return lines;
    }

    /** The package as a path and the file the class file records, or {@code <unknown>} as CPython spells it. */
    private static String sourcePath(StackFrame f) {
        String file = f.getFileName();
        if (file == null) {
            return "<unknown>";
        }
        String pkg = f.getDeclaringClass().getPackageName();
        return pkg.isEmpty() ? file : pkg.replace('.', '/') + '/' + file;
    }
}
