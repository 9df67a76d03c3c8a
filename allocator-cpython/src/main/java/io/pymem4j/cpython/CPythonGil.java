package io.pymem4j.cpython;

import io.pymem4j.api.InterpreterLock;

import java.util.ArrayDeque;

/**
 * CPython's GIL as a pymem4j {@link InterpreterLock}: a runtime built with it
 * ({@code PyMemRuntime.builder().gil(python.interpreterLock())}) is in GIL mode with the
 * interpreter's own lock, so pymalloc serves MEM and OBJ without a lock of its own, as
 * obmalloc does, and the debug layer's GIL check ({@code _PyMem_DebugCheckGIL}) asks CPython.
 *
 * <ul>
 *   <li>{@link #isHeldByCurrentThread()} is {@code PyGILState_Check()}: true before the
 *       interpreter has thread states (early initialization, single-threaded), as in C.</li>
 *   <li>{@link #acquire()} and {@link #release()} are {@code PyGILState_Ensure} and
 *       {@code PyGILState_Release}, for Java code that calls into the running interpreter; the
 *       state each Ensure returns is kept per thread, so the pairs nest as in C.</li>
 * </ul>
 */
final class CPythonGil implements InterpreterLock {

    private final LibPython py;
    private final ThreadLocal<ArrayDeque<Integer>> states = ThreadLocal.withInitial(ArrayDeque::new);

    CPythonGil(LibPython py) {
        this.py = py;
    }

    @Override
    public void acquire() {
        try {
            states.get().push((int) py.gilStateEnsure.invokeExact());
        } catch (Throwable t) {
            throw LibPython.rethrow(t);
        }
    }

    @Override
    public void release() {
        Integer state = states.get().poll();
        if (state == null) {
            throw new IllegalStateException("release() without acquire() on this thread");
        }
        try {
            py.gilStateRelease.invokeExact((int) state);
        } catch (Throwable t) {
            throw LibPython.rethrow(t);
        }
    }

    @Override
    public boolean isHeldByCurrentThread() {
        try {
            return (int) py.gilStateCheck.invokeExact() != 0;
        } catch (Throwable t) {
            throw LibPython.rethrow(t);
        }
    }

    @Override
    public String toString() {
        return "CPython's GIL (" + py.library.library() + ")";
    }
}
