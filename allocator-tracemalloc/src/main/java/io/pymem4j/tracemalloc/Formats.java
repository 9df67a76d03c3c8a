package io.pymem4j.tracemalloc;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Python's text conventions the value classes need: {@code _format_size} and {@code repr} of a str. */
final class Formats {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Formats() {
    }

    /**
     * {@code tracemalloc._format_size}: divides by 1024 through B, KiB, MiB, GiB and TiB; a
     * unit other than B below 100 prints one decimal, otherwise a value below 10240 (or in
     * TiB) prints none. Rounding is Python's: the exact binary value, half to even.
     */
    static String size(double size, boolean sign) {
        double v = size;
        for (int i = 0; ; i++) {
            if (Math.abs(v) < 100 && i > 0) {
                return number(v, 1, sign) + " " + UNITS[i];
            }
            if (Math.abs(v) < 10 * 1024 || i == UNITS.length - 1) {
                return number(v, 0, sign) + " " + UNITS[i];
            }
            v /= 1024;
        }
    }

    private static String number(double v, int decimals, boolean sign) {
        BigDecimal d = new BigDecimal(v).setScale(decimals, RoundingMode.HALF_EVEN);
        String text = d.toPlainString();
        return sign && d.signum() >= 0 ? "+" + text : text;
    }

    /** {@code text}, plus Python's {@code , average=<size / count>} when there are blocks. */
    static String withAverage(String text, long size, long count) {
        return count != 0 ? text + ", average=" + size((double) size / count, false) : text;
    }

    /** {@code %+i}. */
    static String signed(long v) {
        return v >= 0 ? "+" + v : Long.toString(v);
    }

    /** Python's repr of a str: single quotes unless the text has one and no double quote. */
    static String pyRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder(s.length() + 2).append(quote);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c == quote) {
                        b.append('\\');
                    }
                    b.append(c);
                }
            }
        }
        return b.append(quote).toString();
    }
}
