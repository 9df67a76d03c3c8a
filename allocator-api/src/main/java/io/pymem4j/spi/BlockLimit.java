package io.pymem4j.spi;

import io.pymem4j.api.AllocatorSetupException;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The largest block a runtime hands out: the runtime option {@value #OPTION} (system property
 * {@code pymem4j.max.block}, environment {@code PYMEM4J_MAX_BLOCK}, or the builder's
 * {@code option("max.block", ...)}), in bytes with an optional {@code k}, {@code m}, {@code g}
 * or {@code t} suffix (powers of 1024).
 *
 * <p>Why a limit at all: an allocator may hand out a block it cannot back. mimalloc reserves
 * address space for a 64 TiB request and returns a pointer; the first layer that writes the
 * whole block (the debug layer fills a new block with CLEANBYTE) then makes the kernel kill
 * the process, with no exception and no message. A request above the limit returns NULL
 * (0) on every stack instead, before any layer or library sees it, so no layer touches
 * bytes it was not granted.
 *
 * <p>The default, {@link #machineDefault()}, is the most one block could ever be backed by:
 * the physical memory plus the swap space this JVM sees
 * ({@code com.sun.management.OperatingSystemMXBean}, which reports a container's memory
 * limit rather than the host's where the JVM finds one). Not {@code CommitLimit} of
 * {@code /proc/meminfo}: the kernel enforces it only under {@code vm.overcommit_memory=2},
 * and it is Linux only. A block below the default may still fail to be backed on a busy
 * machine (its memory is shared); one above it never can be.
 *
 * <p>Where it is enforced: the backends' calls and the debug layer compare the request with
 * the limit they read when they were made (a final field), before calling the library or
 * filling; pymalloc's small-block path needs no check (its sizes are at most 512 bytes), and
 * its larger requests go to the RAW backend, which checks. A calloc's product and a
 * realloc's new size are checked the same way; a refused realloc leaves the block as it was.
 *
 * @since 0.1
 */
public final class BlockLimit {

    /** The runtime option's key. */
    public static final String OPTION = "max.block";

    private BlockLimit() {
    }

    /** The limit of {@code runtime}: its {@value #OPTION} option, else {@link #machineDefault()}. */
    public static long of(RuntimeView runtime) {
        String value = runtime == null ? null : runtime.option(OPTION);
        return value == null ? machineDefault() : parse(value);
    }

    /**
     * Physical memory plus swap as this JVM sees them (a container's limit where it has one),
     * at least 1 MiB; {@code Long.MAX_VALUE} where the platform does not say.
     */
    public static long machineDefault() {
        return Machine.LIMIT;
    }

    /**
     * Parses a {@value #OPTION} value: a count of bytes from 1 up, with an optional k, m, g or
     * t suffix.
     *
     * @throws AllocatorSetupException for anything else, naming the option and the value
     */
    public static long parse(String value) {
        long n = bytes(value);
        if (n < 1) {
            throw new AllocatorSetupException("option " + OPTION + "='" + value
                    + "' is not valid: expected a count of bytes from 1 up, such as 1048576, 64m or 2g");
        }
        return n;
    }

    /**
     * A count of bytes as every byte-valued option writes it: digits (underscores allowed)
     * with an optional k, m, g or t suffix, in any case.
     *
     * @return the count, or -1 when {@code value} is not one or does not fit a {@code long}
     */
    public static long bytes(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT).replace("_", "");
        int shift = 0;
        if (!v.isEmpty()) {
            switch (v.charAt(v.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                case 't' -> shift = 40;
                default -> shift = 0;
            }
        }
        if (shift != 0) {
            v = v.substring(0, v.length() - 1);
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1;
        }
        return n < 0 || n > (Long.MAX_VALUE >> shift) ? -1 : n << shift;
    }

    /** Computed once per JVM, on first use. */
    private static final class Machine {
        static final long LIMIT = compute();

        private static long compute() {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                long memory = os.getTotalMemorySize();
                long swap = Math.max(0, os.getTotalSwapSpaceSize());
                if (memory > 0) {
                    long sum = memory + swap;
                    return Math.max(1L << 20, sum < 0 ? Long.MAX_VALUE : sum);
                }
            }
            return Long.MAX_VALUE;
        }
    }
}
