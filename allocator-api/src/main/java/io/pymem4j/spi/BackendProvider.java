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
 * the system allocator ({@code malloc}, the backend that declares {@link #rawFallback()}),
 * unless {@link #domains()} says the backend serves RAW too, as {@code malloc} itself does.
 *
 * <p>Which backend the names {@code default} and {@code debug} mean is declared by the
 * backends too, with {@link #defaultPriority()}: the runtime knows no backend by name.
 *
 * @since 0.1
 */
public non-sealed interface BackendProvider extends AllocatorProvider {

    /** The domains this backend serves; the others get {@code malloc}. */
    default Set<PyMemAllocatorDomain> domains() {
        return EnumSet.of(PyMemAllocatorDomain.MEM, PyMemAllocatorDomain.OBJ);
    }

    /**
     * How strongly this backend asks to be the default one, the backend of the stack names
     * {@code default}, {@code debug} and the empty name: of the registered backends, the
     * highest positive priority wins, and 0 (the default) never does. As CPython uses
     * pymalloc where it is built and malloc otherwise, {@code pymalloc} declares 2 and
     * {@code malloc} 1.
     */
    default int defaultPriority() {
        return 0;
    }

    /**
     * True for the system allocator, which serves the RAW domain of every stack whose backend
     * does not serve RAW (CPython's RAW domain is always {@code malloc}). One backend of a
     * registry declares it; with several, the first by name serves.
     */
    default boolean rawFallback() {
        return false;
    }

    /**
     * Creates one backend instance for one runtime; it serves every domain in
     * {@link #domains()}. Called only when {@link #availability()} is available.
     */
    PyMemAllocatorEx create(BackendContext context);
}
