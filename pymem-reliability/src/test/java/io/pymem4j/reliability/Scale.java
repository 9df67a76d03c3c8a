package io.pymem4j.reliability;

/**
 * How much each reliability test does: the CI size by default, the long size with
 * {@code -Dreliability.long=true} (the runs whose figures RELIABILITY.md gives). A single
 * figure can be set with {@code -Dreliability.KEY=N}.
 */
final class Scale {

    /** True for the long versions. */
    static final boolean LONG = Boolean.getBoolean("reliability.long");

    private Scale() {
    }

    /** {@code reliability.KEY} if set, else {@code full} in a long run, else {@code ci}. */
    static long of(String key, long ci, long full) {
        String v = System.getProperty("reliability." + key);
        if (v != null && !v.isBlank()) {
            return Long.parseLong(v.strip());
        }
        return LONG ? full : ci;
    }

    static int ofInt(String key, int ci, int full) {
        return Math.toIntExact(of(key, ci, full));
    }
}
