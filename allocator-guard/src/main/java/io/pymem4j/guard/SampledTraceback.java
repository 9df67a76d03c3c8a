package io.pymem4j.guard;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BlockTracebacks;

import java.lang.StackWalker.StackFrame;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The Java frames that allocated one sampled block, as the debug layer's report prints them
 * ("Memory block allocated at (most recent call first):"): a {@link BlockTracebacks} of one
 * block.
 *
 * <p>Only sampled blocks are walked, so the walk is off the hot path; it is still the
 * costliest part of a sampled block, so it stops at the frames it keeps (one batch of the
 * {@link StackWalker}, sized by {@link Walker}) and keeps the {@link StackFrame}s as they
 * are: their file names and lines are looked up when a report prints them, which is rare.
 * Frames of the allocation machinery (every {@link PyMemAllocatorEx}, the runtime, this
 * layer, method handles and reflection) are left out, so the first frame is the caller's. A file is named as
 * tracemalloc names a Java frame: its package as a path, then the source file
 * ({@code io/pymem4j/guard/GuardTest.java}).
 */
final class SampledTraceback implements BlockTracebacks {

    /** Machinery frames between the caller and the walk assumed before the first walk has counted them. */
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

    /**
     * Factory of the walks of one layer. What a walk costs is mostly the frames the JVM
     * fetches in its first batch, each resolved into a {@link StackFrame} whether it is kept or
     * not: a batch of the kept frames plus the machinery frames above them costs about half of
     * one twice that size. So the batch is the limit plus the machinery frames the previous
     * walk skipped (a hint written racily by every thread: a wrong one costs a second batch or
     * a few frames too many, never a wrong traceback), and the frames are taken from the
     * stream's iterator into the block's array, without a stream pipeline.
     */
    static final class Walker {
        /** The most machinery frames a batch makes room for; a deeper machinery costs a second batch. */
        private static final int MAX_MACHINERY = 24;
        private static final Set<StackWalker.Option> OPTIONS = Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE,
                StackWalker.Option.SHOW_REFLECT_FRAMES);

        private final int limit;
        /** A walker per machinery hint, made on first use. */
        private final StackWalker[] walkers = new StackWalker[MAX_MACHINERY + 1];
        private final Function<Stream<StackFrame>, SampledTraceback> collect = this::collect;
        /** Machinery frames the last walk skipped: the next walk's batch makes room for as many. */
        private int machinery = MACHINERY_ESTIMATE;

        /** @param limit the most frames kept, at least 1 */
        Walker(int limit) {
            this.limit = limit;
        }

        /** The calling thread's allocation traceback, its caller's frame first. */
        SampledTraceback capture() {
            int m = machinery;
            StackWalker w = walkers[m];
            if (w == null) {
                w = StackWalker.getInstance(OPTIONS, limit + m);
                walkers[m] = w;
            }
            return w.walk(collect);
        }

        private SampledTraceback collect(Stream<StackFrame> frames) {
            StackFrame[] kept = new StackFrame[limit];
            int n = 0;
            int skipped = 0;
            for (Iterator<StackFrame> it = frames.iterator(); n < limit && it.hasNext(); ) {
                StackFrame f = it.next();
                if (MACHINERY.get(f.getDeclaringClass())) {
                    skipped++;
                } else {
                    kept[n++] = f;
                }
            }
            machinery = Math.min(skipped, MAX_MACHINERY);
            return new SampledTraceback(n == limit ? kept : Arrays.copyOf(kept, n));
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
