package io.pymem4j.spi;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;

import java.util.EnumSet;
import java.util.Set;

/**
 * Provides a backend: the allocator at the bottom of a stack, the one that owns memory.
 *
 * <p>As in CPython's {@code _PyMem_SetupAllocators}, a backend serves the MEM and OBJ
 * domains (one instance shared by both, as pymalloc's state is) and the RAW domain keeps
 * the system allocator ({@code malloc}), unless {@link #domains()} says the backend serves
 * RAW too, as {@code malloc} itself does.
 */
public non-sealed interface BackendProvider extends AllocatorProvider {

    /** The domains this backend serves; the others get {@code malloc}. */
    default Set<PyMemAllocatorDomain> domains() {
        return EnumSet.of(PyMemAllocatorDomain.MEM, PyMemAllocatorDomain.OBJ);
    }

    /**
     * Creates one backend instance for one runtime; it serves every domain in
     * {@link #domains()}. Called only when {@link #availability()} is available.
     */
    PyMemAllocatorEx create(BackendContext context);
}
