package io.pymem4j.tracemalloc;

import org.junit.jupiter.api.Test;

import static io.pymem4j.tracemalloc.SyntheticSnapshots.f;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.tb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TestFilters of test_tracemalloc.py. */
class FilterTest {

    @Test
    void defaultsAndCustomValues() {
        Filter d = new Filter(true, "abc");
        assertTrue(d.inclusive());
        assertEquals("abc", d.filenamePattern());
        assertNull(d.lineno());
        assertFalse(d.allFrames());
        assertNull(d.domain());
        Filter c = new Filter(false, "test.py", 123, true, null);
        assertEquals(c, Filter.exclude("test.py").withLineno(123).withAllFrames(true));
        assertFalse(c.inclusive());
        assertEquals(123, c.lineno());
        assertTrue(c.allFrames());
    }

    @Test
    void frameMatchWithoutLine() {
        Filter inc = Filter.include("abc");
        Filter exc = Filter.exclude("abc");
        for (int line : new int[]{0, 5, 10}) {
            assertTrue(inc.matchesFrame("abc", line));
            assertFalse(inc.matchesFrame("12356", line));
            assertFalse(exc.matchesFrame("abc", line));
            assertTrue(exc.matchesFrame("12356", line));
        }
    }

    @Test
    void frameMatchWithLineFive() {
        Filter inc = new Filter(true, "abc", 5);
        assertFalse(inc.matchesFrame("abc", 0));
        assertTrue(inc.matchesFrame("abc", 5));
        assertFalse(inc.matchesFrame("abc", 10));
        assertFalse(inc.matchesFrame("12356", 5));
        Filter exc = new Filter(false, "abc", 5);
        assertTrue(exc.matchesFrame("abc", 0));
        assertFalse(exc.matchesFrame("abc", 5));
        assertTrue(exc.matchesFrame("abc", 10));
        assertTrue(exc.matchesFrame("12356", 5));
    }

    @Test
    void frameMatchWithLineZero() {
        Filter inc = new Filter(true, "abc", 0);
        assertTrue(inc.matchesFrame("abc", 0));
        assertFalse(inc.matchesFrame("abc", 5));
        assertFalse(inc.matchesFrame("12356", 0));
        Filter exc = new Filter(false, "abc", 0);
        assertFalse(exc.matchesFrame("abc", 0));
        assertTrue(exc.matchesFrame("abc", 5));
        assertTrue(exc.matchesFrame("12356", 0));
    }

    @Test
    void unknownFileNeverMatchesANamedPattern() {
        assertFalse(Filter.include("abc").matchesFrame("<unknown>", 0));
        assertTrue(Filter.exclude("abc").matchesFrame("<unknown>", 0));
    }

    private static boolean fnmatch(String filename, String pattern) {
        return Filter.include(pattern).matchesFrame(filename, 0);
    }

    @Test
    void jokerCasesOfFnmatch() {
        assertFalse(fnmatch("abc", ""));
        assertFalse(fnmatch("", "abc"));
        assertTrue(fnmatch("", ""));
        assertTrue(fnmatch("", "*"));
        assertTrue(fnmatch("abc", "abc"));
        assertFalse(fnmatch("abc", "abcd"));
        assertFalse(fnmatch("abc", "def"));
        assertTrue(fnmatch("abc", "a*"));
        assertTrue(fnmatch("abc", "abc*"));
        assertFalse(fnmatch("abc", "b*"));
        assertFalse(fnmatch("abc", "abcd*"));
        assertTrue(fnmatch("abc", "a*c"));
        assertTrue(fnmatch("abcdcx", "a*cx"));
        assertFalse(fnmatch("abb", "a*c"));
        assertFalse(fnmatch("abcdce", "a*cx"));
        assertTrue(fnmatch("abcde", "a*c*e"));
        assertTrue(fnmatch("abcbdefeg", "a*bd*eg"));
        assertFalse(fnmatch("abcdd", "a*c*e"));
        assertFalse(fnmatch("abcbdefef", "a*bd*eg"));
    }

    @Test
    void matchingIsCaseSensitiveWithoutSeparatorFoldingOrPycRule() {
        assertFalse(fnmatch("aBC", "ABc"));
        assertFalse(fnmatch("aBcDe", "Ab*dE"));
        assertFalse(fnmatch("a/b", "a\\b"));
        assertFalse(fnmatch("a\\b", "a/b"));
        assertFalse(fnmatch("a.pyc", "a.py"));
        assertFalse(fnmatch("a.pyo", "a.py"));
    }

    @Test
    void questionMarksSetsAndStarsAcrossDirectories() {
        assertTrue(fnmatch("io/app/Cache.java", "io/*/Cache.java"));
        assertTrue(fnmatch("io/app/deep/Cache.java", "io/*.java"));
        assertTrue(fnmatch("a1.java", "a?.java"));
        assertTrue(fnmatch("a1.java", "a[0-9].java"));
        assertFalse(fnmatch("a1.java", "a[!0-9].java"));
        assertTrue(fnmatch("a[.java", "a[.java"));
        assertTrue(fnmatch("a+b.java", "a+b.java"));
        assertTrue(fnmatch("a&b", "a[&]b"));
    }

    @Test
    void tracebackMatchWithAndWithoutAllFrames() {
        Traceback t1 = tb(f("a.py", 2), f("b.py", 3));
        Traceback t2 = tb(f("b.py", 4), f("b.py", 5));
        Traceback t3 = tb(f("c.py", 5), f("<unknown>", 0));
        Traceback unknown = tb(f("<unknown>", 0));
        boolean[][] expected = {
                // t1, t2, t3, unknown
                {true, true, false, false},   // include b.py, all frames
                {false, true, false, false},  // include b.py, most recent
                {false, false, true, true},   // exclude b.py, all frames
                {true, false, true, true},    // exclude b.py, most recent
                {true, true, true, false},    // exclude <unknown>, most recent
                {false, false, true, true},   // include <unknown>, all frames
                {true, true, false, false},   // exclude <unknown>, all frames
        };
        Filter[] filters = {
                Filter.include("b.py").withAllFrames(true),
                Filter.include("b.py"),
                Filter.exclude("b.py").withAllFrames(true),
                Filter.exclude("b.py"),
                Filter.exclude("<unknown>"),
                Filter.include("<unknown>").withAllFrames(true),
                Filter.exclude("<unknown>").withAllFrames(true),
        };
        Traceback[] tracebacks = {t1, t2, t3, unknown};
        for (int i = 0; i < filters.length; i++) {
            for (int j = 0; j < tracebacks.length; j++) {
                assertEquals(expected[i][j], filters[i].matchesTraceback(tracebacks[j]), filters[i] + " on " + tracebacks[j].repr());
            }
        }
    }
}
