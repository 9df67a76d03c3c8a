package io.pymem4j.reliability;

import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.spi.AllocatorProvider;

import java.util.ArrayList;
import java.util.List;

/**
 * The stacks the oversized-request tests run: every backend (malloc, pymalloc in both
 * geometries, mimalloc where libmimalloc can be opened), in both thread modes, plain, with
 * debug, with tracemalloc and with both.
 */
final class OversizeStacks {

    private OversizeStacks() {
    }

    /** Whether libmimalloc can be opened here. */
    static boolean mimallocAvailable() {
        AllocatorProvider p = ProviderRegistry.getDefault().providers().get("mimalloc");
        return p != null && p.availability().available();
    }

    static List<StackUnderTest> all() {
        List<StackUnderTest> bases = new ArrayList<>(StackUnderTest.bases());
        if (mimallocAvailable()) {
            bases.add(new StackUnderTest("mimalloc", null, false, ""));
            bases.add(new StackUnderTest("mimalloc", null, true, ""));
        }
        List<StackUnderTest> out = new ArrayList<>();
        for (StackUnderTest base : bases) {
            out.add(base);
            out.add(base.with("+debug"));
            out.add(base.with("+tracemalloc"));
            out.add(base.with("+debug+tracemalloc"));
        }
        return out;
    }
}
