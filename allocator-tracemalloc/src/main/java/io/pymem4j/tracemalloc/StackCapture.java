package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.Hook;

import java.lang.StackWalker.StackFrame;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A thread's reusable buffer for capturing the caller's stack, and its cache of frames.
 *
 * <h2>The walk</h2>
 * One {@link StackWalker} walk that skips the allocator machinery and stops as soon as it
 * has the traceback limit's frames plus one (the one that tells a cut traceback from a
 * whole one), or walks the whole stack when all frames are counted. What a walk costs is
 * mostly the frames the JVM fetches, a cost per frame, plus a fixed cost per batch; an unused frame of a batch costs as much as a used one. So the
 * walker is chosen per capture with an {@code estimateDepth} of what the recent captures of
 * this thread needed (their machinery frames + the limit + 1): the first batch then holds
 * every frame the capture reads and little more. A stack of another shape costs one more
 * batch once and raises the estimate at once; the estimate falls back by one frame a
 * capture.
 *
 * <h2>Frames</h2>
 * A kept frame costs one call into the JVM ({@link StackFrame#toStackTraceElement()}; a
 * method name alone costs as much), which no public API avoids. What it returns is then
 * looked up, by (declaring {@link Class}, method name, line), in a small direct-mapped
 * per-thread cache, then in the tracer's shared table that keeps one {@link Frame} per
 * code location. A hit allocates nothing and builds no string; only the first sighting of a
 * location builds its {@code Frame}. The cache entry also keeps the frame's hash, so the
 * traceback's hash costs no string hashing either.
 *
 * <p>Skipped frames: classes that implement {@link PyMemAllocatorEx} (every layer and
 * adapter on the allocation path) or {@link Hook} (a layer's state, such as the debug layer's
 * when it asks for the traceback of a free), {@link PyMemRuntime}'s package (its arenas and
 * segment allocators), this
 * module's {@link Tracemalloc}, {@link TraceStore}, {@link ThreadCaptures} and
 * {@link TracemallocLayer}, and the JDK's
 * {@code java.lang.invoke}, {@code java.lang.foreign} and {@code jdk.internal.foreign}
 * (method handles, {@code SegmentAllocator} defaults); and reflection's {@code Method.invoke},
 * {@code Constructor.newInstance} and {@code jdk.internal.reflect}, which a default
 * {@code StackWalker} hides too. They are skipped wherever they are on the stack, and not
 * counted in the total. The test is a {@link ClassValue} lookup on the
 * frame's class, which costs no call into the JVM. A tracer may leave out more frames, a test
 * framework's ({@link FrameHiding}); they are not counted either, so the limit counts the
 * frames of the code under test.
 */
final class StackCapture implements Function<Stream<StackFrame>, StackCapture> {

    /**
     * Reflection frames are shown, and skipped here: a walker that hides them drops them
     * after the JVM fetched them, so the estimate would not count them and every capture
     * under {@code Method.invoke} would fetch a second batch of up to 32 frames.
     */
    private static final Set<StackWalker.Option> OPTIONS = Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE,
            StackWalker.Option.SHOW_REFLECT_FRAMES);
    /** StackStreamFactory's largest first batch; deeper estimates gain nothing. */
    private static final int MAX_ESTIMATE = 255;
    /** Walkers by estimateDepth, made on first use (immutable, so a racy fill is harmless). */
    private static final StackWalker[] WALKERS = new StackWalker[MAX_ESTIMATE + 1];
    private static final Set<String> MACHINERY_PACKAGES = Set.of(PyMemRuntime.class.getPackageName(), "java.lang.invoke",
            "java.lang.foreign", "jdk.internal.foreign", "jdk.internal.foreign.abi", "jdk.internal.reflect");
    private static final Set<Class<?>> MACHINERY_HOSTS = Set.of(PyMemRuntime.class, Tracemalloc.class,
            TraceStore.class, TracemallocLayer.class, StackCapture.class, ThreadCaptures.class);
    private static final ClassValue<Boolean> MACHINERY = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            return PyMemAllocatorEx.class.isAssignableFrom(c) || Hook.class.isAssignableFrom(c)
                    || MACHINERY_HOSTS.contains(c.getNestHost())
                    || MACHINERY_PACKAGES.contains(c.getPackageName()) || c == Method.class || c == Constructor.class;
        }
    };
    /** Entries of the per-thread frame cache; a power of two. */
    private static final int CACHE_SIZE = 256;
    /** The most JDK frames in a row a capture with {@link FrameHiding} keeps between user frames. */
    private static final int HELD = 16;

    /** The key of the tracer's shared frame table: a code location as the JVM names it. */
    record Location(Class<?> declaringClass, String methodName, int line) {
    }

    /** The walker {@link #prepare} chose for the next walk: its first batch is the estimate. */
    StackWalker walker;
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
    /** The id of {@link #freeingTraceback} (0 when there is none). */
    int freeingTracebackId;
    /**
     * The id of the traceback this thread's realloc through the tracer captured, while the
     * layer below runs (0 otherwise): a layer below that asks for the caller's traceback
     * gets it without a second walk.
     */
    int callTracebackId;

    // The walk in progress.
    private int limit;
    private boolean countAll;
    /** The frames left out beyond the machinery, or null. */
    private FrameHiding hiding;
    /** With {@link #hiding}: whether the last frame was reflection's (Method.invoke ...). */
    private boolean reflective;
    /** With {@link #hiding}: the walk has reached the framework frame that called the test by reflection. */
    private boolean ended;
    /** JDK frames met since the last user frame, kept if a user frame comes next (only with {@link #hiding}). */
    private final StackFrame[] held = new StackFrame[HELD];
    private int heldCount;
    private ConcurrentHashMap<Location, Frame> frameTable;
    /** The hashes of {@link #frames}, from the cache. */
    private int[] hashes = new int[8];
    /** Machinery frames this walk skipped. */
    private int skipped;
    /**
     * The machinery frames and (when counting all) the frames of the next walk: the most
     * recent walks' counts, rising at once and falling by one a walk, because a batch too
     * short costs a second batch of up to 32 frames while one too long costs a frame or two.
     */
    private int skipEstimate = 4;
    private int seenEstimate;

    // The frame cache: direct-mapped on (class, method, line), cleared when the tracer's epoch moves.
    private final Class<?>[] cachedClass = new Class<?>[CACHE_SIZE];
    private final String[] cachedMethod = new String[CACHE_SIZE];
    private final int[] cachedLine = new int[CACHE_SIZE];
    private final Frame[] cachedFrame = new Frame[CACHE_SIZE];
    private final int[] cachedHash = new int[CACHE_SIZE];
    private int cacheEpoch;

    /**
     * Walks the calling thread's stack into this buffer: {@link #prepare} and the walk.
     *
     * @param frameTable the tracer's table of frames, one per code location
     * @param epoch      the tracer's frame epoch: when it moved, the per-thread cache is stale
     * @param hiding     the frames left out beyond the machinery, or null
     */
    void capture(int limit, boolean countAll, ConcurrentHashMap<Location, Frame> frameTable, int epoch,
                 FrameHiding hiding) {
        prepare(limit, countAll, frameTable, epoch, hiding);
        walker.walk(this);
    }

    /**
     * Sets this buffer up for a walk and chooses its {@link #walker}: the caller then calls
     * {@code c.walker.walk(c)} itself, so that the walk starts at the caller's frame (every
     * frame between the caller and the walk is one more frame the JVM fetches). The walk
     * fills {@link #frames}, {@link #count}, {@link #seen} and {@link #hash}.
     */
    void prepare(int limit, boolean countAll, ConcurrentHashMap<Location, Frame> frameTable, int epoch,
                        FrameHiding hiding) {
        this.limit = limit;
        this.countAll = countAll;
        this.frameTable = frameTable;
        this.hiding = hiding;
        if (epoch != cacheEpoch) {
            clearCache();
            cacheEpoch = epoch;
        }
        if (frames.length < limit) {
            int n = Math.min(Tracemalloc.MAX_NFRAME, Math.max(limit, frames.length * 2));
            frames = new Frame[n];
            hashes = new int[n];
        }
        count = 0;
        seen = 0;
        skipped = 0;
        walker = walkerFor(skipEstimate + (countAll ? seenEstimate : limit) + 1);
    }

    /** Ends a walk: the estimates for the next one, and the traceback's hash. */
    private void finish() {
        this.frameTable = null;
        this.hiding = null;
        skipEstimate = Math.max(skipped, skipEstimate - 1);
        seenEstimate = Math.max(seen, seenEstimate - 1);
        int h = 1;
        for (int i = count - 1; i >= 0; i--) {
            h = 31 * h + hashes[i];
        }
        hash = h;
    }

    /** Reflection's frames, through which a test framework calls a test method. */
    private static boolean isReflection(Class<?> c) {
        return c == Method.class || c == Constructor.class || c.getPackageName().equals("jdk.internal.reflect");
    }

    private static StackWalker walkerFor(int estimate) {
        int e = Math.clamp(estimate, 1, MAX_ESTIMATE);
        StackWalker w = WALKERS[e];
        if (w == null) {
            w = StackWalker.getInstance(OPTIONS, e);
            WALKERS[e] = w;
        }
        return w;
    }

    /** The total_nframe of the captured traceback: exact, or -1 when the walk was cut. */
    int total(boolean countAll) {
        if (countAll || seen <= limit) {
            return Math.min(seen, Tracemalloc.MAX_NFRAME);
        }
        return -1;
    }

    @Override
    public StackCapture apply(Stream<StackFrame> s) {
        Iterator<StackFrame> it = s.iterator();
        int stopAt = countAll ? Integer.MAX_VALUE : limit + 1;
        reflective = false;
        ended = false;
        while (seen < stopAt && !ended && it.hasNext()) {
            StackFrame f = it.next();
            if (MACHINERY.get(f.getDeclaringClass())) {
                skipped++;
                reflective = hiding != null && isReflection(f.getDeclaringClass());
            } else if (hiding == null || userFrame(f, stopAt)) {
                if (seen < stopAt) {
                    if (count < limit) {
                        keep(f);
                    }
                    seen++;
                }
            }
        }
        Arrays.fill(held, 0, Math.min(heldCount, HELD), null);
        heldCount = 0;
        finish();
        return this;
    }

    /**
     * With {@link FrameHiding}: true for a user frame, which the caller keeps after the JDK
     * frames held since the last user frame (they were called by user code: kept too); false
     * for a framework frame (left out, and the JDK frames held with it) or a JDK frame (held).
     */
    private boolean userFrame(StackFrame f, int stopAt) {
        boolean calledByReflection = reflective;
        reflective = false;
        switch (hiding.kind(f.getDeclaringClass())) {
            case FrameHiding.FRAMEWORK -> {
                skipped++;
                // The framework called the code below it by reflection: that was the test
                // method (or a lifecycle method, a constructor), the oldest frame of the
                // code under test; what follows is the framework and whatever runs it.
                ended = calledByReflection;
                Arrays.fill(held, 0, Math.min(heldCount, HELD), null);
                heldCount = 0;
                return false;
            }
            case FrameHiding.JDK -> {
                skipped++;
                if (heldCount < HELD) {
                    held[heldCount] = f;
                }
                heldCount++;
                return false;
            }
            default -> {
                for (int k = 0; k < Math.min(heldCount, HELD) && seen < stopAt; k++) {
                    if (count < limit) {
                        keep(held[k]);
                    }
                    seen++;
                    held[k] = null;
                }
                heldCount = 0;
                return true;
            }
        }
    }

    /** Appends the frame of {@code f}, from the cache when this thread saw its location before. */
    private void keep(StackFrame f) {
        StackTraceElement e = f.toStackTraceElement();
        Class<?> c = f.getDeclaringClass();
        String method = e.getMethodName();
        int line = e.getLineNumber();
        // Keyed on the class and line only: two methods of a class rarely share a line, and
        // hashing the method name would cost a pass over its characters whenever the String
        // has no cached hash. The method name is still compared, by identity first (the JVM
        // interns it).
        int slot = spread(System.identityHashCode(c) * 31 + line * 0x9E3779B9) & (CACHE_SIZE - 1);
        Frame frame;
        String cached = cachedMethod[slot];
        if (cachedClass[slot] == c && cachedLine[slot] == line && (cached == method || method.equals(cached))) {
            frame = cachedFrame[slot];
        } else {
            Location key = new Location(c, method, line);
            frame = frameTable.get(key);
            if (frame == null) {
                frame = Frame.of(e);
                Frame raced = frameTable.putIfAbsent(key, frame);
                if (raced != null) {
                    frame = raced;
                }
            }
            cachedClass[slot] = c;
            cachedMethod[slot] = method;
            cachedLine[slot] = line;
            cachedFrame[slot] = frame;
            cachedHash[slot] = frame.hashCode();
        }
        hashes[count] = cachedHash[slot];
        frames[count++] = frame;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    private void clearCache() {
        Arrays.fill(cachedClass, null);
        Arrays.fill(cachedMethod, null);
        Arrays.fill(cachedFrame, null);
    }
}
