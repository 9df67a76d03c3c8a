package io.pymem4j.bench;

import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The JMH states of the peers that need setting up; libc ({@link io.pymem4j.raw.LibcAllocator})
 * and {@link UnsafePeer} need none. A peer that cannot run here fails its setup with
 * the reason; {@link JmhSuite} leaves such peers out before they get there.
 */
public final class PeerStates {

    private PeerStates() {
    }

    private static void require(String unavailable) {
        if (unavailable != null) {
            throw new IllegalStateException(unavailable);
        }
    }

    @State(Scope.Benchmark)
    public static class Jemalloc {
        JemallocPeer a;

        @Setup(Level.Trial)
        public void setUp() {
            require(JemallocPeer.unavailable());
            a = JemallocPeer.INSTANCE;
        }
    }

    @State(Scope.Benchmark)
    public static class Mimalloc {
        MimallocPeer a;

        @Setup(Level.Trial)
        public void setUp() {
            require(MimallocPeer.unavailable());
            a = MimallocPeer.INSTANCE;
        }
    }

    /** An LWJGL allocator; each benchmark thread attaches itself (rpmalloc's thread heap) per iteration. */
    public abstract static class Lwjgl {
        LwjglPeer a;

        void create(LwjglPeer.Library library) {
            a = LwjglPeer.create(library);
        }
    }

    @State(Scope.Benchmark)
    public static class LwjglSystem extends Lwjgl {
        @Setup(Level.Trial)
        public void setUp() {
            create(LwjglPeer.Library.SYSTEM);
        }
    }

    @State(Scope.Benchmark)
    public static class LwjglJemalloc extends Lwjgl {
        @Setup(Level.Trial)
        public void setUp() {
            create(LwjglPeer.Library.JEMALLOC);
        }
    }

    @State(Scope.Benchmark)
    public static class LwjglRpmalloc extends Lwjgl {
        @Setup(Level.Trial)
        public void setUp() {
            create(LwjglPeer.Library.RPMALLOC);
        }
    }

    /** rpmalloc's per-thread initialization, on each benchmark thread. */
    @State(Scope.Thread)
    public static class RpmallocThread {
        @Setup(Level.Iteration)
        public void attach(LwjglRpmalloc s) {
            s.a.attachThread();
        }
    }

    /**
     * Netty's pooled allocator with direct buffers, its thread caches on for every thread
     * (as on Netty's event-loop threads; Netty 4.2's default gives plain threads none).
     * Otherwise Netty's defaults for this JDK: on Java 25 Netty turns Unsafe off, so buffers
     * are {@code PooledDirectByteBuf}s over {@code ByteBuffer}s.
     */
    @State(Scope.Benchmark)
    public static class Netty {
        PooledByteBufAllocator alloc;

        @Setup(Level.Trial)
        public void setUp() {
            alloc = new PooledByteBufAllocator(true, 0, PooledByteBufAllocator.defaultNumDirectArena(),
                    PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
                    PooledByteBufAllocator.defaultSmallCacheSize(), PooledByteBufAllocator.defaultNormalCacheSize(),
                    true);
        }
    }
}
