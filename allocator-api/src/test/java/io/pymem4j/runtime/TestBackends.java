package io.pymem4j.runtime;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.Availability;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.HookProvider;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Backends and hooks for testing the runtime without the real modules: a backend is libc
 * reached through this class's own downcalls (real native memory), tagged with a name so
 * tests can see which instance serves which domain.
 */
final class TestBackends {

    private static final MethodHandle MALLOC;
    private static final MethodHandle CALLOC;
    private static final MethodHandle REALLOC;
    private static final MethodHandle FREE;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        MALLOC = linker.downcallHandle(libc.find("malloc").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        CALLOC = linker.downcallHandle(libc.find("calloc").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
        REALLOC = linker.downcallHandle(libc.find("realloc").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
        FREE = linker.downcallHandle(libc.find("free").orElseThrow(), FunctionDescriptor.ofVoid(JAVA_LONG));
    }

    private TestBackends() {
    }

    /** libc with CPython's raw-layer edge cases, carrying a name. */
    static final class Tagged implements PyMemAllocatorEx {
        final String tag;
        final AtomicInteger mallocs = new AtomicInteger();

        Tagged(String tag) {
            this.tag = tag;
        }

        @Override
        public long malloc(long size) {
            if (size < 0) {
                return 0;
            }
            mallocs.incrementAndGet();
            try {
                return (long) MALLOC.invokeExact(Math.max(size, 1L));
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        @Override
        public long calloc(long nelem, long elsize) {
            if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
                return 0;
            }
            try {
                return nelem == 0 || elsize == 0 ? (long) CALLOC.invokeExact(1L, 1L) : (long) CALLOC.invokeExact(nelem, elsize);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        @Override
        public long realloc(long ptr, long newSize) {
            if (newSize < 0) {
                return 0;
            }
            try {
                return (long) REALLOC.invokeExact(ptr, Math.max(newSize, 1L));
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        @Override
        public void free(long ptr) {
            try {
                FREE.invokeExact(ptr);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        @Override
        public String toString() {
            return tag;
        }
    }

    /** A backend provider whose instances are {@link Tagged} with its name. */
    static class Backend implements BackendProvider {
        private final String name;
        private final Set<PyMemAllocatorDomain> domains;
        private final Availability availability;

        Backend(String name, Set<PyMemAllocatorDomain> domains, Availability availability) {
            this.name = name;
            this.domains = domains;
            this.availability = availability;
        }

        /** A backend serving MEM and OBJ, like pymalloc. */
        static Backend small(String name) {
            return new Backend(name, EnumSet.of(PyMemAllocatorDomain.MEM, PyMemAllocatorDomain.OBJ), Availability.AVAILABLE);
        }

        /** A backend serving all domains, like malloc. */
        static Backend all(String name) {
            return new Backend(name, EnumSet.allOf(PyMemAllocatorDomain.class), Availability.AVAILABLE);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String description() {
            return "test backend " + name;
        }

        @Override
        public Set<PyMemAllocatorDomain> domains() {
            return domains;
        }

        @Override
        public Availability availability() {
            return availability;
        }

        /** Declared as the real providers do: pymalloc before malloc. */
        @Override
        public int defaultPriority() {
            return switch (name) {
                case "pymalloc" -> 2;
                case "malloc" -> 1;
                default -> 0;
            };
        }

        /** Declared as the real malloc does. */
        @Override
        public boolean rawFallback() {
            return name.equals("malloc");
        }

        @Override
        public PyMemAllocatorEx create(BackendContext context) {
            return new Tagged(name);
        }
    }

    /** A layer that forwards everything, remembering what it wraps. */
    record Layer(String name, PyMemAllocatorDomain domain, PyMemAllocatorEx below) implements PyMemAllocatorEx {
        @Override
        public long malloc(long size) {
            return below.malloc(size);
        }

        @Override
        public long calloc(long nelem, long elsize) {
            return below.calloc(nelem, elsize);
        }

        @Override
        public long realloc(long ptr, long newSize) {
            return below.realloc(ptr, newSize);
        }

        @Override
        public void free(long ptr) {
            below.free(ptr);
        }
    }

    /** A hook provider making {@link Layer}s. */
    static class HookLayer implements HookProvider {
        private final String name;
        private final boolean transparent;

        HookLayer(String name, boolean transparent) {
            this.name = name;
            this.transparent = transparent;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String description() {
            return "test hook " + name;
        }

        @Override
        public boolean transparent() {
            return transparent;
        }

        @Override
        public Hook create(HookContext context) {
            return (domain, below) -> new Layer(name, domain, below);
        }
    }

    /** Registered through META-INF/services in the test class path. */
    public static final class ServiceBackend extends Backend {
        public ServiceBackend() {
            super("testmalloc", EnumSet.allOf(PyMemAllocatorDomain.class), Availability.AVAILABLE);
        }
    }

    /** Registered through META-INF/services in the test class path. */
    public static final class ServiceHook extends HookLayer {
        public ServiceHook() {
            super("testhook", true);
        }
    }

    /** A provider whose constructor fails, as one missing its licence file or native library might. */
    public static final class BrokenBackend extends Backend {
        public BrokenBackend() {
            super("broken", EnumSet.allOf(PyMemAllocatorDomain.class), Availability.AVAILABLE);
            throw new IllegalStateException("no licence in /etc/broken.lic");
        }
    }

    /** A provider whose static initializer fails. */
    public static final class UninitializableBackend extends Backend {
        static final long LIMIT = Long.parseLong("lots");

        public UninitializableBackend() {
            super("uninitializable", EnumSet.allOf(PyMemAllocatorDomain.class), Availability.AVAILABLE);
        }
    }

    /** Has the same name as {@link ServiceBackend}, for the duplicate-name test. */
    public static final class ClashingBackend extends Backend {
        public ClashingBackend() {
            super("testmalloc", EnumSet.allOf(PyMemAllocatorDomain.class), Availability.AVAILABLE);
        }
    }
}
