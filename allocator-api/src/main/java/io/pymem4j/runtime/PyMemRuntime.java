package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyObjectArenaAllocator;
import io.pymem4j.spi.ArenaProvider;
import io.pymem4j.spi.HookProvider;
import io.pymem4j.spi.RuntimeView;
import io.pymem4j.spi.UsableSize;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One allocator runtime: an allocator per domain, the arena allocator, and the stack they
 * were set up from. CPython's {@code _PyRuntime.allocators}, of which a JVM may hold several
 * (tests make their own); {@link #getDefault()} is the process-wide one.
 *
 * <h2>Setting up a stack</h2>
 * {@link #setupAllocators(String)} is {@code _PyMem_SetupAllocators}: it builds the stack a
 * name describes (see {@link StackSpec}) from the providers of the runtime's
 * {@link ProviderRegistry} and installs it in the three domains. {@link #getAllocator} and
 * {@link #setAllocator} are {@code PyMem_GetAllocator} and {@code PyMem_SetAllocator}; the
 * arena allocator has its pair too.
 *
 * <h2>Live blocks and changing the stack</h2>
 * A block must be freed by the allocator that made it, so a runtime refuses any change
 * that could hand a live block to another one. The rule, as CPython's (a replacement only
 * before initialization, wrapping hooks at any time):
 * <ul>
 *   <li>Until the runtime is first used (an allocation through it, or {@link #getAllocator}
 *       handing an allocator out), {@code setupAllocators} may install any stack.</li>
 *   <li>After that it keeps the backend and the hook layers the old and new names share
 *       at the bottom, as the same instances, and may only add or remove
 *       {@linkplain HookProvider#transparent() transparent} hooks (tracemalloc) above them.
 *       Anything else throws {@link AllocatorSetupException} and changes nothing.</li>
 *   <li>{@link #setAllocator} is the C API's unchecked replacement: its caller promises the
 *       new allocator can free the old one's blocks (a wrapping hook). After it, the runtime
 *       cannot vouch for its blocks, so {@code setupAllocators} refuses on a used runtime.</li>
 * </ul>
 * Until first use, the domain slots hold a latch that marks the runtime used and steps
 * aside, so the rule costs the allocation path nothing.
 *
 * <h2>Threads</h2>
 * Every method may be called from any thread. Allocation calls read one volatile field and
 * call the domain's allocator; set-up calls are serialized by the runtime's lock.
 *
 * <h2>Closing</h2>
 * {@link #close()} gives back everything the layers hold, whatever blocks are still live,
 * through each layer's {@link io.pymem4j.spi.LayerLifecycle}, and reports the live blocks
 * ({@link CloseReport}). After it every call on the runtime, or on an allocator it handed
 * out, throws {@link IllegalStateException}; see {@link #close()}.
 *
 * <h2>GIL mode</h2>
 * A runtime built with {@link Builder}{@code .gil(InterpreterLock)} (or the option {@code gil=true})
 * is an embedded interpreter's: callers of the MEM and OBJ domains promise to hold its
 * {@link #interpreterLock()}, as CPython's callers hold the GIL, and backends may then take
 * no lock of their own for those domains (pymalloc does not). RAW stays callable from any
 * thread. The debug layer checks the promise.
 *
 * @since 0.1
 */
public final class PyMemRuntime implements RuntimeView, AutoCloseable {

    /** System property naming the default runtime's stack, as {@code PYTHONMALLOC} does. */
    public static final String MALLOC_PROPERTY = "pymem4j.malloc";
    /** Environment variable naming the default runtime's stack, read when the property is unset. */
    public static final String MALLOC_ENV = "PYMEM4J_MALLOC";
    /** The option that puts a runtime in GIL mode with a lock of its own: {@code pymem4j.gil=true}. */
    public static final String GIL_OPTION = "gil";
    /**
     * The option that registers the default runtime's MXBean when it is made, with no code:
     * {@code pymem4j.jmx=true} ({@code PYMEM4J_JMX=true}); see {@link PyMemManagement}.
     */
    public static final String JMX_OPTION = "jmx";
    /**
     * The options the runtime itself reads: {@value #GIL_OPTION}, {@value #JMX_OPTION},
     * {@code malloc} (the default runtime's stack, {@value #MALLOC_PROPERTY}) and
     * {@code max.block}. A layer's options come from its provider
     * ({@link io.pymem4j.spi.AllocatorProvider#optionKeys()}).
     */
    public static final Set<String> RUNTIME_OPTION_KEYS = Set.of(GIL_OPTION, JMX_OPTION, "malloc", "max.block");

    private static final Logger log = LoggerFactory.getLogger(PyMemRuntime.class);

    private final ProviderRegistry registry;
    private final RuntimeOptions options;
    private final Object lock = new Object();
    private final InterpreterLock gil;
    private final ArenaSlot arenas;
    private final StackAssembler assembler;
    private final CloseSequence closing = new CloseSequence(this, lock);

    // The allocation path reads only these.
    private volatile PyMemAllocatorEx raw;
    private volatile PyMemAllocatorEx mem;
    private volatile PyMemAllocatorEx obj;
    /** Moves on every set-up: see {@link #stackVersion()}. */
    private volatile int stackVersion;

    // Written under lock; volatile so that segment views read them without it.
    private volatile BuiltStack stack;
    private volatile boolean closed;

    // Guarded by lock.
    private boolean used;
    private boolean customized;

    PyMemRuntime(RuntimeBuilder b) {
        this.registry = b.registry != null ? b.registry : ProviderRegistry.getDefault();
        registry.checkConsistent();
        this.options = new RuntimeOptions(b.options, b.origins);
        options.check(registry);
        this.gil = b.gil != null ? b.gil : booleanOption(GIL_OPTION) ? InterpreterLock.reentrant() : null;
        this.arenas = new ArenaSlot(b.arenaAllocator != null ? b.arenaAllocator
                : registry.defaultArena().map(ArenaProvider::create).orElse(NoArenas.INSTANCE));
        this.assembler = new StackAssembler(registry, this, arenas);
        setupAllocators(b.allocator);
    }

    /** A runtime with the stack {@code allocator} from the default registry. */
    public static PyMemRuntime create(String allocator) {
        return builder().allocator(allocator).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The process-wide runtime, set up on first use from the system property
     * {@value #MALLOC_PROPERTY}, else the environment variable {@value #MALLOC_ENV}, else
     * {@code default}. A bad name throws {@link AllocatorSetupException} on every call
     * until it is fixed. With the option {@value #JMX_OPTION} true, its MXBean is registered
     * with the platform MBean server as it is made.
     */
    public static PyMemRuntime getDefault() {
        return DefaultRuntime.get();
    }

    /** The stack name configured for the default runtime (property, then environment, then ""). */
    public static String configuredAllocator() {
        return DefaultRuntime.configuredAllocator();
    }

    // ---------------------------------------------------------------- set-up

    /**
     * Builds and installs the stack {@code name} ({@code _PyMem_SetupAllocators}); see the
     * class doc for what is allowed once the runtime has been used.
     *
     * @throws AllocatorSetupException for an unknown or unavailable name, or a refused change
     * @throws NullPointerException     for a null name (the default stack is {@code ""} or {@code "default"})
     */
    public void setupAllocators(String name) {
        Objects.requireNonNull(name, "name: give \"\" or \"default\" for the default stack");
        synchronized (lock) {
            checkOpen();
            StackSpec spec;
            BuiltStack next;
            try {
                spec = assembler.withConfiguredHooks(StackSpec.parse(name, registry));
                next = used ? assembler.rebuildAbove(stack, customized, spec) : assembler.build(spec);
            } catch (AllocatorSetupException e) {
                throw options.withOrigin(e, registry);
            }
            if (!used && stack != null) {
                StackCloser.closeReplaced(stack);
            }
            stack = next;
            stackVersion++;
            PyMemAllocatorDomain[] domains = PyMemAllocatorDomain.values();
            for (PyMemAllocatorDomain d : domains) {
                setSlot(d, used ? next.top(d) : new FirstUse(this, d));
            }
            log.debug("allocator stack set up: {}", spec.name());
        }
    }

    /**
     * Puts the debug hooks on every domain ({@code PyMem_SetupDebugHooks}); does nothing when
     * the stack has them. Like any layout-changing layer, only before first use.
     */
    public void setupDebugHooks() {
        synchronized (lock) {
            if (!stack.spec().hasHook("debug")) {
                setupAllocators(stack.spec().withHook("debug").name());
            }
        }
    }

    // ---------------------------------------------------------------- get/set

    /** The allocator of {@code domain} ({@code PyMem_GetAllocator}); handing it out counts as first use. */
    public PyMemAllocatorEx getAllocator(PyMemAllocatorDomain domain) {
        checkOpen();
        return opened(domain);
    }

    /**
     * Replaces the allocator of {@code domain} ({@code PyMem_SetAllocator}). As in C, the
     * caller promises that {@code allocator} can free every live block of the one it
     * replaces; typically it wraps the allocator {@link #getAllocator} returned. The stack's
     * name is unknown after it ({@link #currentAllocatorName()} returns null), and
     * {@code setupAllocators} refuses to change a used runtime.
     */
    public void setAllocator(PyMemAllocatorDomain domain, PyMemAllocatorEx allocator) {
        Objects.requireNonNull(allocator, "allocator");
        synchronized (lock) {
            checkOpen();
            markUsed();
            customized = true;
            setSlot(domain, allocator);
        }
    }

    /** The arena allocator ({@code PyObject_GetArenaAllocator}). */
    public PyObjectArenaAllocator getArenaAllocator() {
        return arenas.current();
    }

    /**
     * Replaces the arena allocator ({@code PyObject_SetArenaAllocator}). Arenas are given
     * back to the allocator current at that time, so set it before the first allocation.
     */
    public void setArenaAllocator(PyObjectArenaAllocator allocator) {
        checkOpen();
        arenas.set(Objects.requireNonNull(allocator, "allocator"));
    }

    /**
     * The stack's name, as {@code _PyMem_GetCurrentAllocatorName} gives it: a CPython name
     * ({@code pymalloc}, {@code malloc_debug}, ...) where the stack is one of CPython's, the
     * composed form ({@code pymalloc+debug+tracemalloc}) otherwise, and null after
     * {@link #setAllocator} replaced a domain's allocator. A layer that says it is not
     * {@linkplain io.pymem4j.spi.Hook#named() named} now is left out: tracemalloc after
     * {@code stop()} ({@code pymalloc} again, as CPython's name once tracing stops), until
     * it starts again. {@link #stackSpec()} keeps every layer.
     */
    public String currentAllocatorName() {
        synchronized (lock) {
            return customized ? null : stack.currentName();
        }
    }

    /** The stack this runtime was last set up with, whatever {@link #setAllocator} did since. */
    public StackSpec stackSpec() {
        synchronized (lock) {
            return stack.spec();
        }
    }

    @Override
    public <T> Optional<T> findHook(Class<T> type) {
        return currentStack().findHook(type);
    }

    @Override
    public int stackVersion() {
        return stackVersion;
    }

    /**
     * Verifies every live block of the layers that can ({@link io.pymem4j.spi.LiveBlockCheck}: the debug
     * layer checks the pads around each block, as its free would), bottom layer first, and
     * reports a damaged block as corruption, with its allocation traceback when tracemalloc
     * traces it: a buffer overflow in a block that is never freed is found here rather than
     * only as a leak. Run it when no other thread frees or reallocates this runtime's blocks.
     *
     * @return how many damaged blocks were found, 0 on a stack without such a layer
     * @throws Error the layer's report under its policy ({@code MemoryCorruptionError} under
     *               the debug layer's {@code throw}, after checking every block)
     */
    public int check() {
        return currentStack().checkLiveBlocks();
    }

    @Override
    public boolean gilMode() {
        return gil != null;
    }

    @Override
    public InterpreterLock interpreterLock() {
        return gil;
    }

    @Override
    public <T> Optional<T> findBackend(Class<T> type) {
        return currentStack().findBackend(type);
    }

    /** The registry this runtime sets stacks up from. */
    public ProviderRegistry registry() {
        return registry;
    }

    @Override
    public String option(String key) {
        return options.value(key);
    }

    /**
     * Where the option {@code key} that {@link #option(String)} returns was set, for messages:
     * {@code "the system property pymem4j.gil"}, {@code "the environment variable PYMEM4J_GIL"},
     * the source the builder was given with it, or {@code "PyMemRuntime.Builder.option in code"};
     * null when it is not set.
     */
    public String optionOrigin(String key) {
        return options.origin(key);
    }

    /**
     * The option {@code key} as a boolean: {@code true} or {@code false} in any case, false when
     * it is not set.
     *
     * @throws AllocatorSetupException for any other value, naming the option, the value and
     *                                 where it was set
     */
    public boolean booleanOption(String key) {
        return options.booleanValue(key, registry);
    }

    /**
     * {@code value} of the option {@code key} as a boolean: {@code true} or {@code false} in
     * any case; null is false.
     *
     * @throws AllocatorSetupException for any other value, naming the option and the value
     */
    public static boolean parseBoolean(String key, String value) {
        return RuntimeOptions.parseBoolean(key, value);
    }

    // ---------------------------------------------------------------- allocation

    public long malloc(PyMemAllocatorDomain domain, long size) {
        return slot(domain).malloc(size);
    }

    public long calloc(PyMemAllocatorDomain domain, long nelem, long elsize) {
        return slot(domain).calloc(nelem, elsize);
    }

    public long realloc(PyMemAllocatorDomain domain, long ptr, long newSize) {
        return slot(domain).realloc(ptr, newSize);
    }

    public void free(PyMemAllocatorDomain domain, long ptr) {
        slot(domain).free(ptr);
    }

    /** {@code PyMem_RawMalloc}. */
    public long rawMalloc(long size) {
        return raw.malloc(size);
    }

    /** {@code PyMem_RawCalloc}. */
    public long rawCalloc(long nelem, long elsize) {
        return raw.calloc(nelem, elsize);
    }

    /** {@code PyMem_RawRealloc}. */
    public long rawRealloc(long ptr, long newSize) {
        return raw.realloc(ptr, newSize);
    }

    /** {@code PyMem_RawFree}. */
    public void rawFree(long ptr) {
        raw.free(ptr);
    }

    /** {@code PyMem_Malloc}. */
    public long memMalloc(long size) {
        return mem.malloc(size);
    }

    /** {@code PyMem_Calloc}. */
    public long memCalloc(long nelem, long elsize) {
        return mem.calloc(nelem, elsize);
    }

    /** {@code PyMem_Realloc}. */
    public long memRealloc(long ptr, long newSize) {
        return mem.realloc(ptr, newSize);
    }

    /** {@code PyMem_Free}. */
    public void memFree(long ptr) {
        mem.free(ptr);
    }

    /** {@code PyObject_Malloc}. */
    public long objectMalloc(long size) {
        return obj.malloc(size);
    }

    /** {@code PyObject_Calloc}. */
    public long objectCalloc(long nelem, long elsize) {
        return obj.calloc(nelem, elsize);
    }

    /** {@code PyObject_Realloc}. */
    public long objectRealloc(long ptr, long newSize) {
        return obj.realloc(ptr, newSize);
    }

    /** {@code PyObject_Free}. */
    public void objectFree(long ptr) {
        obj.free(ptr);
    }

    // ---------------------------------------------------------------- segments, arenas, aligned blocks

    /**
     * A bounds-checked view of {@code size} bytes of the block at {@code address}; see
     * {@link NativeMemory#segment(long, long)}. When a layer of the stack knows the block's
     * size ({@link #usableSize(long)}: the debug layer knows the requested size, pymalloc the
     * size class of its pool blocks), a longer view is refused.
     *
     * @throws IllegalArgumentException for NULL, a negative size, or a size past the block's end
     * @throws IllegalStateException    after {@link #close()}
     */
    public MemorySegment segment(long address, long size) {
        checkOpen();
        BlockViews.checkLength(this, address, size);
        return NativeMemory.segment(address, size);
    }

    /**
     * The bytes usable from {@code address} to the end of its block as a layer of the stack
     * knows them (see {@link UsableSize}), asked of the MEM domain's allocator, then of the
     * RAW domain's; {@link UsableSize#UNKNOWN} when neither knows (plain {@code malloc}).
     */
    public long usableSize(long address) {
        checkOpen();
        return BlockViews.usableSize(this, address);
    }

    /** The allocator a call in {@code domain} enters: the slot's, or before first use the stack's top. */
    PyMemAllocatorEx stackTop(PyMemAllocatorDomain domain) {
        PyMemAllocatorEx a = slot(domain);
        return a instanceof FirstUse ? stack.top(domain) : a;
    }

    /**
     * Allocates {@code size} bytes in {@code domain} at an address that is a multiple of
     * {@code alignment}, as C's {@code aligned_alloc}; the block is freed with the domain's
     * own free ({@link #free(PyMemAllocatorDomain, long)}, or an allocator's), like any
     * block. Every layer of the built-in stacks serves it ({@link io.pymem4j.spi.AlignedAllocation}):
     * {@code malloc} with {@code aligned_alloc}, {@code mimalloc} with
     * {@code mi_malloc_aligned}, pymalloc from its pools up to 16 bytes and from the raw
     * backend above, the debug layer by placing its header so that the user's pointer is
     * aligned. A stack whose allocator does not implement it serves alignments up to 16
     * with plain malloc when the block happens to be aligned.
     *
     * @param alignment a power of two from 1 to the page size ({@link #pageSize()})
     * @return the block's address, or 0 when it cannot be had or {@code size} is negative
     * @throws IllegalArgumentException      for any other alignment
     * @throws UnsupportedOperationException when the domain's allocator cannot align so
     * @throws IllegalStateException         after {@link #close()}
     */
    public long alignedMalloc(PyMemAllocatorDomain domain, long alignment, long size) {
        PageSize.checkAlignment(alignment);
        checkOpen();
        if (size < 0) {
            return 0;
        }
        return BlockViews.alignedMalloc(opened(domain), domain, alignment, size);
    }

    /** The platform's page size, the largest alignment {@link #alignedMalloc} takes. */
    public static long pageSize() {
        return PageSize.BYTES;
    }

    /**
     * A {@link SegmentAllocator} that allocates through {@code domain}, so FFM code can use
     * this stack. Segments are not zeroed (use {@code allocate} then {@code fill}, or
     * {@link #calloc}), take any alignment {@link #alignedMalloc} takes (a power of two up to
     * the page size), and are freed with {@link #free(PyMemAllocatorDomain, MemorySegment)} in
     * the same domain: nothing frees them automatically, and their scope is the global one, so
     * a segment used after its free is not caught (an {@link #arena(PyMemAllocatorDomain)}
     * closes its segments' scope). A NULL from the allocator throws {@link OutOfMemoryError}.
     */
    public SegmentAllocator segmentAllocator(PyMemAllocatorDomain domain) {
        Objects.requireNonNull(domain, "domain");
        checkOpen();
        return (byteSize, byteAlignment) -> NativeMemory.segment(BlockViews.allocate(this, domain, byteSize, byteAlignment),
                byteSize);
    }

    /** Frees a segment that {@link #segmentAllocator(PyMemAllocatorDomain)} returned. */
    public void free(PyMemAllocatorDomain domain, MemorySegment segment) {
        free(domain, segment.address());
    }

    /**
     * A confined {@link Arena} on this stack, as {@link Arena#ofConfined()}: {@code allocate}
     * goes through {@code domain} (zeroed, at any alignment {@link #alignedMalloc} takes),
     * {@code close()} frees every block it made, and its segments' scope is the arena's, so
     * a segment used after close throws {@link IllegalStateException} as a JDK arena's does.
     * Only the thread that made it may allocate, use its segments, or close it (others get
     * {@link WrongThreadException}). Use it with try-with-resources.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public Arena arena(PyMemAllocatorDomain domain) {
        checkOpen();
        return new StackArena(this, Objects.requireNonNull(domain, "domain"), false);
    }

    /**
     * As {@link #arena(PyMemAllocatorDomain)}, shared as {@link Arena#ofShared()}: any thread
     * may allocate, use its segments and close it.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public Arena sharedArena(PyMemAllocatorDomain domain) {
        checkOpen();
        return new StackArena(this, Objects.requireNonNull(domain, "domain"), true);
    }

    // ---------------------------------------------------------------- close

    /**
     * Closes the runtime: gives back everything its layers hold (pymalloc's arenas and heaps,
     * the debug layer's block table and quarantine, tracemalloc's traces), whatever blocks are
     * still live, through each layer's {@link io.pymem4j.spi.LayerLifecycle}.
     *
     * <p>Blocks still live are the caller's leak: the layers that count them say how many,
     * and which (with tracebacks when traced), in a {@link CloseReport}, logged here at WARN
     * on this class's logger when a layer found one, and returned by
     * {@link #closeAndReport()}. Pool blocks go with pymalloc's arenas; blocks of libc or
     * mimalloc stay allocated.
     *
     * <p>After close, every call on the runtime (allocation, set-up, segments, arenas) and
     * every call on an allocator it handed out ({@link #getAllocator}, a segment allocator, a
     * free of an old block) throws {@link IllegalStateException}: the built-in layers refuse
     * it at no cost on their fast paths, or one field read (a third party's backend that is
     * not a {@code LayerLifecycle} keeps serving the allocators it handed out). The stack's
     * name, options and layers stay readable. Close a runtime when no other thread uses it: a
     * call racing with close is not covered.
     *
     * <p>Closing twice does nothing. A closed runtime that was {@link #getDefault()} stops
     * being it: the next {@code getDefault()} sets up a new one. Its MXBean registrations
     * ({@link PyMemManagement#register}) are closed.
     *
     * @throws RuntimeException or {@link Error}: the first a layer threw while closing (a
     *         debug layer's report of a block written after its free, under
     *         {@code debug.policy=throw}); every layer is closed nonetheless
     */
    @Override
    public void close() {
        closeAndReport();
    }

    /**
     * Closes the runtime as {@link #close()} does and returns what was live at close; a
     * closed runtime returns the report of its close again.
     */
    public CloseReport closeAndReport() {
        return closing.run();
    }

    /** True once {@link #close()} began. */
    public boolean isClosed() {
        return closed;
    }

    /** Throws {@link IllegalStateException} when the runtime is closed. */
    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the pymem4j runtime '" + stack.spec().name() + "' is closed");
        }
    }

    /** A bean registered for this runtime, unregistered when it closes (or now, and refused, when it is closed). */
    void registered(PyMemManagement.Registration registration) {
        closing.add(registration);
    }

    /** Under the lock: marks the runtime closed, makes its slots refuse every call, and returns the stack to close. */
    BuiltStack refuseCalls() {
        closed = true;
        PyMemAllocatorEx refusal = new ClosedSlot(stack.spec().name());
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            setSlot(d, refusal);
        }
        return stack;
    }

    // ---------------------------------------------------------------- internals

    private PyMemAllocatorEx slot(PyMemAllocatorDomain domain) {
        return switch (domain) {
            case RAW -> raw;
            case MEM -> mem;
            case OBJ -> obj;
        };
    }

    private void setSlot(PyMemAllocatorDomain domain, PyMemAllocatorEx a) {
        switch (domain) {
            case RAW -> raw = a;
            case MEM -> mem = a;
            case OBJ -> obj = a;
        }
    }

    /** Marks the runtime used, then returns the allocator of {@code domain} (for {@link FirstUse}). */
    PyMemAllocatorEx open(PyMemAllocatorDomain domain) {
        synchronized (lock) {
            checkOpen();
            markUsed();
            return slot(domain);
        }
    }

    /** Under the lock: once, marks the runtime used and puts the stack's allocators in place of the first-use openers. */
    private void markUsed() {
        if (!used) {
            used = true;
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                setSlot(d, stack.top(d));
            }
        }
    }

    /** The allocator of {@code domain}, the runtime marked used first if it was not. */
    private PyMemAllocatorEx opened(PyMemAllocatorDomain domain) {
        PyMemAllocatorEx a = slot(domain);
        return a instanceof FirstUse f ? f.open() : a;
    }

    /** The stack set up now, read under the lock as set-up writes it. */
    private BuiltStack currentStack() {
        synchronized (lock) {
            return stack;
        }
    }

    /**
     * Configures a runtime before it is built: {@link #builder()}, then the stack, registry,
     * arena allocator, GIL mode and options, then {@code build()}.
     */
    // The methods are RuntimeBuilder's, inherited (javadoc shows them here). A {@link} to one
    // of them from elsewhere renders as RuntimeBuilder's, unlinked: link Builder itself.
    public static final class Builder extends RuntimeBuilder {
        private Builder() {
        }
    }
}
