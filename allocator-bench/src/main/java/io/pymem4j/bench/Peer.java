package io.pymem4j.bench;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The allocators a Java developer would pick instead of pymem4j, each measured as its own
 * benchmark. Those with a size-only API (malloc/realloc/free on addresses) are also
 * {@link PyMemAllocatorEx} adapters, so the trace replay runs through them exactly as
 * through a stack; Netty's buffers and JDK arenas free by object, so they run in the JMH
 * suites only.
 */
public enum Peer {
    /** libc's malloc family through FFM downcalls: allocator-raw's {@link LibcAllocator}. */
    FFM_GLIBC("ffm-glibc", "ffmGlibc", "libc malloc/free through FFM (allocator-raw)", () -> LibcAllocator.INSTANCE),
    /** jemalloc through FFM ({@link JemallocPeer}). */
    FFM_JEMALLOC("ffm-jemalloc", "ffmJemalloc", "jemalloc (libjemalloc2) through FFM", () -> JemallocPeer.INSTANCE),
    /** mimalloc through FFM ({@link MimallocPeer}). */
    FFM_MIMALLOC("ffm-mimalloc", "ffmMimalloc", "mimalloc (libmimalloc2.0) through FFM", () -> MimallocPeer.INSTANCE),
    /** {@code sun.misc.Unsafe} ({@link UnsafePeer}). */
    UNSAFE("unsafe", "unsafe", "sun.misc.Unsafe allocateMemory/freeMemory", () -> UnsafePeer.INSTANCE),
    /** LWJGL's system allocator ({@link LwjglPeer}). */
    LWJGL_SYSTEM("lwjgl-system", "lwjglSystem", "LWJGL MemoryUtil, system allocator (libc through JNI)",
            () -> LwjglPeer.create(LwjglPeer.Library.SYSTEM)),
    /** LWJGL's bundled jemalloc ({@link LwjglPeer}). */
    LWJGL_JEMALLOC("lwjgl-jemalloc", "lwjglJemalloc", "LWJGL MemoryUtil, its bundled jemalloc",
            () -> LwjglPeer.create(LwjglPeer.Library.JEMALLOC)),
    /** LWJGL's rpmalloc ({@link LwjglPeer}). */
    LWJGL_RPMALLOC("lwjgl-rpmalloc", "lwjglRpmalloc", "LWJGL MemoryUtil, rpmalloc",
            () -> LwjglPeer.create(LwjglPeer.Library.RPMALLOC)),
    /** Netty's {@code PooledByteBufAllocator}, direct buffers (JMH only). */
    NETTY_POOLED("netty-pooled", "nettyPooled", "Netty PooledByteBufAllocator direct buffers, thread caches on", null),
    /** A JDK confined {@code Arena} per block (JMH only). */
    ARENA_CONFINED("arena-confined", "arenaConfined", "JDK Arena.ofConfined() per block: allocate, close", null),
    /** A JDK shared {@code Arena} per block (JMH only). */
    ARENA_SHARED("arena-shared", "arenaShared", "JDK Arena.ofShared() per block: allocate, close", null);

    private final String label;
    private final String method;
    private final String description;
    private final Supplier<PyMemAllocatorEx> allocator;

    Peer(String label, String method, String description, Supplier<PyMemAllocatorEx> allocator) {
        this.label = label;
        this.method = method;
        this.description = description;
        this.allocator = allocator;
    }

    /** The name in options and results, e.g. {@code ffm-jemalloc}. */
    public String label() {
        return label;
    }

    /** The JMH benchmark methods' name, e.g. {@code ffmJemalloc} ({@code ffmJemallocLocal} in the two-thread suite). */
    public String method() {
        return method;
    }

    public String description() {
        return description;
    }

    /** True when the peer has a malloc/realloc/free API on addresses and so replays traces. */
    public boolean sizeOnly() {
        return allocator != null;
    }

    /**
     * Why the peer cannot run in this JVM (a missing library, natives that do not load), or
     * null when it can. Checked in the JVM that runs it: jemalloc through FFM only loads in
     * one started with {@link #environment()}.
     */
    public String unavailable() {
        return switch (this) {
            case FFM_JEMALLOC -> JemallocPeer.unavailable();
            case FFM_MIMALLOC -> MimallocPeer.unavailable();
            case LWJGL_SYSTEM -> LwjglPeer.unavailable(LwjglPeer.Library.SYSTEM);
            case LWJGL_JEMALLOC -> LwjglPeer.unavailable(LwjglPeer.Library.JEMALLOC);
            case LWJGL_RPMALLOC -> LwjglPeer.unavailable(LwjglPeer.Library.RPMALLOC);
            default -> null;
        };
    }

    /**
     * The allocator as a {@link PyMemAllocatorEx}, set up for the calling thread.
     *
     * @throws UnsupportedOperationException for a peer that is not {@link #sizeOnly()}
     */
    public PyMemAllocatorEx allocator() {
        if (allocator == null) {
            throw new UnsupportedOperationException(label + " frees by object, not by address: it has no size-only API");
        }
        return allocator.get();
    }

    /** Environment variables a JVM running this peer must be started with. */
    public Map<String, String> environment() {
        return this == FFM_JEMALLOC ? Map.of("GLIBC_TUNABLES", JemallocPeer.GLIBC_TUNABLES) : Map.of();
    }

    /** The peer labelled {@code label}. */
    public static Peer of(String label) {
        for (Peer p : values()) {
            if (p.label.equals(label)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown peer '" + label + "'; the peers are " + labels());
    }

    /** Every peer's label, in order. */
    public static List<String> labels() {
        return Arrays.stream(values()).map(Peer::label).toList();
    }

    @Override
    public String toString() {
        return label;
    }
}
