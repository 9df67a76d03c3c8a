package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyMemRuntime;

import java.lang.StackWalker.StackFrame;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A thread's reusable buffer for capturing the caller's stack: one {@link StackWalker} walk
 * that skips the allocator machinery and stops one frame after the traceback limit (or walks
 * the whole stack when all frames are counted). The buffer is its own walk function, filter
 * and sink, so a capture allocates only what the walker itself does.
 *
 * <p>Skipped frames: classes that implement {@link PyMemAllocatorEx} (every layer and
 * adapter on the allocation path), {@link PyMemRuntime} and its nested classes, this
 * module's {@link Tracemalloc} and {@link TracemallocLayer}, and the JDK's
 * {@code java.lang.invoke}, {@code java.lang.foreign} and {@code jdk.internal.foreign}
 * (method handles, {@code SegmentAllocator} defaults). They are skipped wherever they are on
 * the stack, and not counted in the total.
 */
final class StackCapture implements Function<Stream<StackFrame>, StackCapture>, Predicate<StackFrame>,
        Consumer<StackFrame> {

    private static final StackWalker WALKER = StackWalker.getInstance(Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE));
    private static final Set<String> MACHINERY_PACKAGES = Set.of("java.lang.invoke", "java.lang.foreign",
            "jdk.internal.foreign", "jdk.internal.foreign.abi");
    private static final Set<Class<?>> MACHINERY_HOSTS = Set.of(PyMemRuntime.class, Tracemalloc.class,
            TracemallocLayer.class, StackCapture.class);
    private static final ClassValue<Boolean> MACHINERY = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            return PyMemAllocatorEx.class.isAssignableFrom(c) || MACHINERY_HOSTS.contains(c.getNestHost())
                    || MACHINERY_PACKAGES.contains(c.getPackageName());
        }
    };

    /** The frames of the last capture, most recent first. */
    Frame[] frames = new Frame[8];
    /** How many of {@link #frames} are set. */
    int count;
    /** How many frames the walk saw (the limit + 1 at most when not counting all). */
    int seen;
    /** The hash a {@link Traceback} of the captured frames has. */
    int hash;
    /** Depth of {@link Tracemalloc.ExpectedScope}s open on this thread. */
    int expectedScopes;

    /**
     * The block this thread is freeing or reallocating, whose trace was already taken out
     * of the table: a report written by a layer below during that call (the debug layer's)
     * still finds its traceback. {@code freeingDomain} is -1 when there is none.
     */
    int freeingDomain = -1;
    long freeingAddress;
    Traceback freeingTraceback;

    private int limit;
    private Map<StackTraceElement, Frame> frameCache;

    /** Walks the calling thread's stack into this buffer. */
    void capture(int limit, boolean countAll, Map<StackTraceElement, Frame> frameCache) {
        this.limit = limit;
        this.frameCache = frameCache;
        if (frames.length < limit) {
            frames = new Frame[Math.min(Tracemalloc.MAX_NFRAME, Math.max(limit, frames.length * 2))];
        }
        count = 0;
        seen = 0;
        WALKER.walk(countAll ? this : limited);
        this.frameCache = null;
        int h = 1;
        for (int i = count - 1; i >= 0; i--) {
            h = 31 * h + frames[i].hashCode();
        }
        hash = h;
    }

    /** The total_nframe of the captured traceback: exact, or -1 when the walk was cut. */
    int total(boolean countAll) {
        if (countAll || seen <= limit) {
            return Math.min(seen, Tracemalloc.MAX_NFRAME);
        }
        return -1;
    }

    private final Function<Stream<StackFrame>, StackCapture> limited = s -> {
        s.filter(this).limit(limit + 1L).forEach(this);
        return this;
    };

    @Override
    public StackCapture apply(Stream<StackFrame> s) {
        s.filter(this).forEach(this);
        return this;
    }

    @Override
    public boolean test(StackFrame f) {
        return !MACHINERY.get(f.getDeclaringClass());
    }

    @Override
    public void accept(StackFrame f) {
        if (count < limit) {
            StackTraceElement e = f.toStackTraceElement();
            Frame frame = frameCache.get(e);
            if (frame == null) {
                frame = Frame.of(e);
                Frame raced = frameCache.putIfAbsent(e, frame);
                if (raced != null) {
                    frame = raced;
                }
            }
            frames[count++] = frame;
        }
        seen++;
    }
}
