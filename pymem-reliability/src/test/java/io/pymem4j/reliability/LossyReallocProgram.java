package io.pymem4j.reliability;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A property that must fail: the model-based check over a backend with a planted bug (a
 * realloc to more than 64 bytes flips byte 8 of the block). Not a test of its own (its name
 * keeps surefire away from it): {@link ShrinkingTest} runs it through the jqwik engine and
 * looks at the smallest program that failed.
 */
public class LossyReallocProgram {

    /** The shortest program that failed in the last run. */
    static volatile List<Op> shortestFailing;

    private static final StackUnderTest LOSSY = new StackUnderTest("lossy", null, false, "");

    /** libc with the bug planted in realloc. */
    static final class LossyRealloc implements PyMemAllocatorEx {
        @Override
        public long malloc(long size) {
            return LibcAllocator.INSTANCE.malloc(size);
        }

        @Override
        public long calloc(long nelem, long elsize) {
            return LibcAllocator.INSTANCE.calloc(nelem, elsize);
        }

        @Override
        public long realloc(long ptr, long newSize) {
            long q = LibcAllocator.INSTANCE.realloc(ptr, newSize);
            if (q != 0 && ptr != 0 && newSize > 64) {
                NativeMemory.putByte(q + 8, (byte) (NativeMemory.getByte(q + 8) ^ 0x55));
            }
            return q;
        }

        @Override
        public void free(long ptr) {
            LibcAllocator.INSTANCE.free(ptr);
        }
    }

    /** Provides it as the backend {@code lossy}, for every domain. */
    public static final class LossyProvider implements BackendProvider {
        @Override
        public String name() {
            return "lossy";
        }

        @Override
        public String description() {
            return "libc whose realloc above 64 bytes flips byte 8";
        }

        @Override
        public Set<PyMemAllocatorDomain> domains() {
            return EnumSet.allOf(PyMemAllocatorDomain.class);
        }

        @Override
        public PyMemAllocatorEx create(BackendContext context) {
            return new LossyRealloc();
        }
    }

    @Provide
    Arbitrary<List<Op>> programs() {
        return Op.programs(80);
    }

    @Property(tries = 200, seed = "20261121", afterFailure = AfterFailureMode.RANDOM_SEED)
    void theModelCatchesALossyRealloc(@ForAll("programs") List<Op> program) {
        try {
            ModelRun.check(LOSSY, LOSSY.start(ProviderRegistry.of(new LossyProvider())), program);
        } catch (AssertionError e) {
            List<Op> shortest = shortestFailing;
            if (shortest == null || program.size() < shortest.size()) {
                shortestFailing = List.copyOf(program);
            }
            throw e;
        }
    }
}
