package io.pymem4j.guard;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.DebugHookProvider;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.raw.MallocProvider;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.TracemallocHookProvider;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** A runtime over a {@link PatternBackend} with the guard layer (or the debug layer, to compare with). */
final class GuardFixture {

    final PatternBackend.Provider provider = new PatternBackend.Provider();
    final PyMemRuntime runtime;
    final PatternBackend backend;

    /** {@code stack} names the pattern backend ({@code pattern+guard}); {@code options} are key, value pairs. */
    GuardFixture(String stack, String... options) {
        PyMemRuntime.Builder b = PyMemRuntime.builder()
                .registry(ProviderRegistry.of(provider, new GuardHookProvider(), new DebugHookProvider(),
                        new TracemallocHookProvider(), new MallocProvider()))
                .allocator(stack);
        for (int i = 0; i < options.length; i += 2) {
            b.option(options[i], options[i + 1]);
        }
        runtime = b.build();
        backend = provider.last;
    }

    /** {@code pattern+guard} sampling every block, keeping one frame of each, with {@code options} on top. */
    static GuardFixture everyBlock(String... options) {
        String[] all = new String[options.length + 4];
        all[0] = GuardConfig.SAMPLE;
        all[1] = "1";
        all[2] = GuardConfig.FRAMES;
        all[3] = "1";
        System.arraycopy(options, 0, all, 4, options.length);
        return new GuardFixture("pattern+guard", all);
    }

    GuardHook hook() {
        return GuardHook.of(runtime).orElseThrow();
    }

    GuardAllocator allocator(PyMemAllocatorDomain domain) {
        return (GuardAllocator) runtime.getAllocator(domain);
    }

    /** Runs {@code action}, which must throw; returns the error. */
    static MemoryCorruptionError corruption(Runnable action) {
        return assertThrows(MemoryCorruptionError.class, action::run);
    }

    static String hex(long p) {
        return "0x" + Long.toHexString(p);
    }
}
