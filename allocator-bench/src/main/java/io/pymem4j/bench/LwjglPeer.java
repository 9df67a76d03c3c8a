package io.pymem4j.bench;

import io.pymem4j.api.PyMemAllocatorEx;
import org.lwjgl.system.MemoryUtil;
import org.lwjgl.system.jemalloc.JEmallocAllocator;
import org.lwjgl.system.libc.LibCStdlib;
import org.lwjgl.system.rpmalloc.RPmalloc;
import org.lwjgl.system.rpmalloc.RPmallocAllocator;

/**
 * One of LWJGL's {@link MemoryUtil.MemoryAllocator}s as a peer, the objects behind
 * {@code MemoryUtil.nmemAlloc} and friends: {@code system} (libc through LWJGL's JNI
 * bindings, what LWJGL's own system allocator calls), {@code jemalloc} (LWJGL's bundled
 * build) and {@code rpmalloc}. They are used directly rather than through MemoryUtil's
 * process-wide choice ({@code org.lwjgl.system.allocator}), so all three can be made in one
 * JVM; the call MemoryUtil makes is the same one.
 *
 * <p>Edge cases as CPython's raw layer: 0 bytes become 1, a calloc with a zero argument
 * {@code calloc(1, 1)}, negative sizes and overflowing products 0. rpmalloc needs every
 * thread that calls it initialized: {@link #attachThread()}.
 */
public final class LwjglPeer implements PyMemAllocatorEx {

    /** LWJGL's allocators, by the names of {@code Configuration.MEMORY_ALLOCATOR}. */
    public enum Library {
        SYSTEM("system"), JEMALLOC("jemalloc"), RPMALLOC("rpmalloc");

        private final String label;

        Library(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Library library;
    private final Calls allocator;

    private LwjglPeer(Library library, Calls allocator) {
        this.library = library;
        this.allocator = allocator;
    }

    /**
     * The allocator of {@code library}; its natives are loaded now.
     *
     * @throws LinkageError (UnsatisfiedLinkError and the like) when LWJGL's natives do not load here
     */
    public static LwjglPeer create(Library library) {
        Calls a = switch (library) {
            case SYSTEM -> new Stdlib();
            case JEMALLOC -> new Via(new JEmallocAllocator());
            case RPMALLOC -> {
                // LWJGL returns the C result as a boolean: true is a failure.
                if (RPmalloc.nrpmalloc_initialize() != 0) {
                    throw new IllegalStateException("rpmalloc_initialize failed");
                }
                yield new Via(new RPmallocAllocator());
            }
        };
        LwjglPeer la = new LwjglPeer(library, a);
        la.attachThread();
        long probe = la.malloc(16);
        if (probe == 0) {
            throw new IllegalStateException("LWJGL " + library.label() + ": malloc(16) returned NULL");
        }
        la.free(probe);
        return la;
    }

    /** Why {@code library} cannot run in this JVM, or null when it can. */
    public static String unavailable(Library library) {
        try {
            create(library);
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "LWJGL " + library.label() + " does not load: " + e;
        }
    }

    /** Prepares the calling thread (rpmalloc's per-thread heap); a no-op for the others and when done. */
    public void attachThread() {
        if (library == Library.RPMALLOC) {
            RPmalloc.rpmalloc_thread_initialize();
        }
    }

    public Library library() {
        return library;
    }

    @Override
    public long malloc(long size) {
        return size < 0 ? 0 : allocator.malloc(size == 0 ? 1 : size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
            return 0;
        }
        boolean empty = nelem == 0 || elsize == 0;
        return allocator.calloc(empty ? 1 : nelem, empty ? 1 : elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        return newSize < 0 ? 0 : allocator.realloc(ptr, newSize == 0 ? 1 : newSize);
    }

    @Override
    public void free(long ptr) {
        if (ptr != 0) {
            allocator.free(ptr);
        }
    }

    @Override
    public String toString() {
        return "lwjgl-" + library.label();
    }

    /** The four calls the adapter makes; one implementation per library, so each JVM sees one. */
    private interface Calls {
        long malloc(long size);

        long calloc(long nelem, long elsize);

        long realloc(long ptr, long size);

        void free(long ptr);
    }

    /** LWJGL's libc bindings: what its package-private system allocator calls. */
    private static final class Stdlib implements Calls {
        @Override
        public long malloc(long size) {
            return LibCStdlib.nmalloc(size);
        }

        @Override
        public long calloc(long nelem, long elsize) {
            return LibCStdlib.ncalloc(nelem, elsize);
        }

        @Override
        public long realloc(long ptr, long size) {
            return LibCStdlib.nrealloc(ptr, size);
        }

        @Override
        public void free(long ptr) {
            LibCStdlib.nfree(ptr);
        }
    }

    /** One of LWJGL's public MemoryAllocator classes. */
    private record Via(MemoryUtil.MemoryAllocator allocator) implements Calls {
        @Override
        public long malloc(long size) {
            return allocator.malloc(size);
        }

        @Override
        public long calloc(long nelem, long elsize) {
            return allocator.calloc(nelem, elsize);
        }

        @Override
        public long realloc(long ptr, long size) {
            return allocator.realloc(ptr, size);
        }

        @Override
        public void free(long ptr) {
            allocator.free(ptr);
        }
    }
}
