package io.pymem4j.guard;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.debug.CorruptionPolicy;
import io.pymem4j.spi.BlockLimit;

import java.util.Set;
import java.util.function.Function;

/**
 * The guard layer's options, read from {@link io.pymem4j.runtime.PyMemRuntime#option(String)}
 * (so also {@code -Dpymem4j.guard.sample=N} or {@code PYMEM4J_GUARD_SAMPLE}) when the layer
 * is created.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>key</th><th>values</th><th>default</th></tr>
 *   <tr><td>{@code guard.sample}</td><td>N: on average one block in N gets the debug treatment;
 *       1 samples every block that fits a slot, 0 none</td><td>1000</td></tr>
 *   <tr><td>{@code guard.seed}</td><td>a long: every thread's countdown starts from this seed, so
 *       a run samples the same blocks of each thread every time</td><td>none: each thread's
 *       countdown is seeded at random</td></tr>
 *   <tr><td>{@code guard.policy}</td><td>{@code throw}, {@code abort}, {@code log}, as
 *       {@code debug.policy}</td><td>{@code throw}</td></tr>
 *   <tr><td>{@code guard.slots}</td><td>how many sampled blocks the reserved region holds, live
 *       or in quarantine, 1 to 65536; slots times slot bytes is at most 1 GiB</td><td>128</td></tr>
 *   <tr><td>{@code guard.slot.bytes}</td><td>the bytes of one slot, a multiple of 16 from 64 to
 *       1m (k and m suffixes): blocks up to this less the 32 bytes of decoration can be
 *       sampled</td><td>4k</td></tr>
 *   <tr><td>{@code guard.quarantine}</td><td>how many freed sampled blocks stay in quarantine,
 *       filled with DEADBYTE, 0 to {@code guard.slots} - 1</td><td>a quarter of the slots</td></tr>
 *   <tr><td>{@code guard.frames}</td><td>Java frames kept of a sampled block's allocation, 0 to 64;
 *       0 takes the traceback from the stack's tracemalloc, as the debug layer does</td><td>8</td></tr>
 * </table>
 *
 * @param sample     the mean of the countdown between sampled blocks (0: never)
 * @param seed       the countdowns' seed, or null for random ones
 * @param policy     what follows a report
 * @param slots      the slots of the reserved region
 * @param slotBytes  the bytes of one slot
 * @param quarantine the most freed blocks held in quarantine
 * @param frames     the most Java frames kept per sampled block
 * @since 0.1
 */
public record GuardConfig(long sample, Long seed, CorruptionPolicy policy, int slots, int slotBytes, int quarantine,
                          int frames) {

    public static final String SAMPLE = "guard.sample";
    public static final String SEED = "guard.seed";
    public static final String POLICY = "guard.policy";
    public static final String SLOTS = "guard.slots";
    public static final String SLOT_BYTES = "guard.slot.bytes";
    public static final String QUARANTINE = "guard.quarantine";
    public static final String FRAMES = "guard.frames";

    /** Every key above. */
    public static final Set<String> KEYS = Set.of(SAMPLE, SEED, POLICY, SLOTS, SLOT_BYTES, QUARANTINE, FRAMES);

    /** The defaults: one block in 1000, random countdowns, throw, 128 slots of 4 KiB, 32 in quarantine, 8 frames. */
    public static final GuardConfig DEFAULT = new GuardConfig(1000, null, CorruptionPolicy.THROW, 128, 4096, 32, 8);

    static final int MAX_SLOTS = 1 << 16;
    static final int MIN_SLOT_BYTES = 64;
    static final int MAX_SLOT_BYTES = 1 << 20;
    static final int MAX_FRAMES = 64;
    /** The most the reserved region may take: slots times slot bytes. */
    static final long MAX_REGION = 1L << 30;

    public GuardConfig {
        if (sample < 0 || policy == null || slots < 1 || slots > MAX_SLOTS || slotBytes < MIN_SLOT_BYTES
                || slotBytes > MAX_SLOT_BYTES || slotBytes % 16 != 0 || quarantine < 0 || quarantine >= slots
                || frames < 0 || frames > MAX_FRAMES || (long) slots * slotBytes > MAX_REGION) {
            throw new IllegalArgumentException("guard options out of range: sample " + sample + ", policy " + policy
                    + ", slots " + slots + ", slot bytes " + slotBytes + ", quarantine " + quarantine + ", frames " + frames);
        }
    }

    /** Reads the options through {@code option} (a runtime's {@code option} method); absent keys keep the default. */
    public static GuardConfig from(Function<String, String> option) {
        String sample = option.apply(SAMPLE);
        String seed = option.apply(SEED);
        String policy = option.apply(POLICY);
        String slots = option.apply(SLOTS);
        String slotBytes = option.apply(SLOT_BYTES);
        String quarantine = option.apply(QUARANTINE);
        String frames = option.apply(FRAMES);
        int n = slots == null ? DEFAULT.slots : (int) count(SLOTS, slots, 1, MAX_SLOTS);
        int bytes = slotBytes == null ? DEFAULT.slotBytes : parseSlotBytes(slotBytes);
        if ((long) n * bytes > MAX_REGION) {
            throw new AllocatorSetupException("options " + SLOTS + "=" + n + " and " + SLOT_BYTES + "=" + bytes
                    + " would reserve " + (long) n * bytes + " bytes: the region is at most 1 GiB");
        }
        return new GuardConfig(
                sample == null ? DEFAULT.sample : count(SAMPLE, sample, 0, Long.MAX_VALUE),
                seed == null ? null : parseSeed(seed),
                policy == null ? DEFAULT.policy : parsePolicy(policy),
                n,
                bytes,
                quarantine == null ? n / 4 : (int) count(QUARANTINE, quarantine, 0, n - 1),
                frames == null ? DEFAULT.frames : (int) count(FRAMES, frames, 0, MAX_FRAMES));
    }

    /** A whole number from {@code min} to {@code max}: digits, underscores allowed between them. */
    private static long count(String key, String value, long min, long max) {
        String digits = value.strip().replace("_", "");
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < min || n > max) {
            throw bad(key, value, "a whole number from " + min + " to " + max);
        }
        return n;
    }

    private static Long parseSeed(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw bad(SEED, value, "a whole number (a long)");
        }
    }

    private static CorruptionPolicy parsePolicy(String value) {
        CorruptionPolicy p = CorruptionPolicy.fromOption(value);
        if (p == null) {
            throw bad(POLICY, value, "throw, abort or log");
        }
        return p;
    }

    private static int parseSlotBytes(String value) {
        long n = BlockLimit.bytes(value);
        if (n < MIN_SLOT_BYTES || n > MAX_SLOT_BYTES || n % 16 != 0) {
            throw bad(SLOT_BYTES, value, "a multiple of 16 from " + MIN_SLOT_BYTES + " to 1m");
        }
        return (int) n;
    }

    private static AllocatorSetupException bad(String key, String value, String expected) {
        return new AllocatorSetupException("option " + key + "='" + value + "' is not valid: expected " + expected);
    }
}
