package io.pymem4j.runtime;

import java.util.List;
import java.util.Map;

/**
 * One runtime as a JMX MXBean, readable from JConsole or any JMX client once
 * {@link PyMemManagement#register(PyMemRuntime)} registered it under
 * {@code io.pymem4j:type=PyMemRuntime,name=<stack>,id=<n>}.
 *
 * <p>The runtime itself counts nothing (a counter on every allocation would cost the hot
 * path); the figures come from the layers that keep them, through
 * {@link io.pymem4j.spi.RuntimeStatistics} contributors on the class path.
 *
 * @since 0.1
 */
public interface PyMemRuntimeMXBean {

    /** {@link PyMemRuntime#currentAllocatorName()}: {@code pymalloc_debug}, or null after {@code setAllocator}. */
    String getAllocatorName();

    /** The stack the runtime was last set up with, composed form ({@code pymalloc+debug+tracemalloc}). */
    String getStack();

    /** The backend's name ({@code pymalloc}). */
    String getBackend();

    /** The hook layers, bottom first ({@code [debug, tracemalloc]}). */
    List<String> getHooks();

    /** True when MEM and OBJ callers hold the runtime's interpreter lock. */
    boolean isGilMode();

    /**
     * Every contributor's figures, keyed {@code section.name} and sorted; for example
     * {@code pymalloc.arenas.allocated} or {@code tracemalloc.MEM.current}. Empty when no
     * contributor knows the runtime's layers.
     */
    Map<String, Long> getStatistics();
}
