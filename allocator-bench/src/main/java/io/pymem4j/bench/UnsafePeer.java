package io.pymem4j.bench;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.MallocFamily;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;

/**
 * {@code sun.misc.Unsafe.allocateMemory}, {@code reallocateMemory} and {@code freeMemory}
 * as a peer: what many Java libraries still allocate off-heap memory with (the JVM's
 * {@code os::malloc}, so libc underneath). JDK 23+ deprecates these for removal and prints
 * a warning on first use (JEP 471).
 *
 * <p>The methods are reached through method handles bound to {@code theUnsafe}, held in
 * {@code static final} fields so the JIT inlines them into the very calls a library makes;
 * naming the class in source would draw javac's unsuppressible "internal proprietary API"
 * warning. Unsafe returns 0 for a 0-byte request and frees on a resize to 0, so 0 bytes
 * become 1 here, as in CPython's raw layer; calloc is allocate and {@code setMemory(0)}; a
 * refused request, which Unsafe throws as {@link OutOfMemoryError}, returns 0 as the
 * contract says.
 */
public final class UnsafePeer implements PyMemAllocatorEx {

    private static final MethodHandle ALLOCATE;
    private static final MethodHandle REALLOCATE;
    private static final MethodHandle FREE;
    private static final MethodHandle SET;

    static {
        try {
            Class<?> type = Class.forName("sun.misc.Unsafe");
            Field f = type.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            MethodHandles.Lookup l = MethodHandles.lookup();
            ALLOCATE = l.findVirtual(type, "allocateMemory", MethodType.methodType(long.class, long.class)).bindTo(unsafe);
            REALLOCATE = l.findVirtual(type, "reallocateMemory", MethodType.methodType(long.class, long.class, long.class))
                    .bindTo(unsafe);
            FREE = l.findVirtual(type, "freeMemory", MethodType.methodType(void.class, long.class)).bindTo(unsafe);
            SET = l.findVirtual(type, "setMemory", MethodType.methodType(void.class, long.class, long.class, byte.class))
                    .bindTo(unsafe);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The one instance: the state is the JVM's. */
    public static final UnsafePeer INSTANCE = new UnsafePeer();

    private UnsafePeer() {
    }

    @Override
    public long malloc(long size) {
        if (size < 0) {
            return 0;
        }
        try {
            return (long) ALLOCATE.invokeExact(size == 0 ? 1 : size);
        } catch (OutOfMemoryError e) {
            return 0;
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
            return 0;
        }
        long size = nelem * elsize == 0 ? 1 : nelem * elsize;
        long p = malloc(size);
        if (p != 0) {
            try {
                SET.invokeExact(p, size, (byte) 0);
            } catch (Throwable t) {
                throw MallocFamily.rethrow(t);
            }
        }
        return p;
    }

    @Override
    public long realloc(long ptr, long newSize) {
        if (newSize < 0) {
            return 0;
        }
        try {
            return (long) REALLOCATE.invokeExact(ptr, newSize == 0 ? 1 : newSize);
        } catch (OutOfMemoryError e) {
            return 0;
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }

    @Override
    public void free(long ptr) {
        if (ptr != 0) {
            try {
                FREE.invokeExact(ptr);
            } catch (Throwable t) {
                throw MallocFamily.rethrow(t);
            }
        }
    }

    @Override
    public String toString() {
        return "unsafe";
    }
}
