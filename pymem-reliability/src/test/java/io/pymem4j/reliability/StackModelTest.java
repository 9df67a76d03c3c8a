package io.pymem4j.reliability;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Group;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Model-based properties of every stack: random programs of malloc, calloc, realloc and free
 * in random domains, checked against a model of the live blocks after every step
 * ({@link ModelRun} says what is checked). One property per stack, so each is tried and
 * shrunk on its own: malloc and pymalloc in both geometries, in both thread modes, each plain,
 * with the debug hooks and with tracemalloc.
 */
class StackModelTest {

    private static final Logger log = LoggerFactory.getLogger(StackModelTest.class);
    private static final int CI = 25;
    private static final int FULL = 2_000;

    private static final StackUnderTest MALLOC = new StackUnderTest("malloc", null, false, "");
    private static final StackUnderTest PYMALLOC = new StackUnderTest("pymalloc", "cpython310", false, "");
    private static final StackUnderTest CLASSIC = new StackUnderTest("pymalloc", "classic", false, "");

    private static StackUnderTest gil(StackUnderTest s) {
        return new StackUnderTest(s.backend(), s.geometry(), true, s.hooks());
    }

    @Provide
    Arbitrary<List<Op>> programs() {
        return Op.programs(80);
    }

    @AfterContainer
    static void figures() {
        log.info("model-based properties: {} programs, {} steps, {} block checks, {} bytes compared with the model",
                ModelRun.PROGRAMS.get(), ModelRun.STEPS.get(), ModelRun.BLOCK_CHECKS.get(), ModelRun.BYTES_CHECKED.get());
    }

    @Group
    class Malloc {
        @Property @Scaled(ci = CI, full = FULL)
        void plain(@ForAll("programs") List<Op> program) {
            ModelRun.check(MALLOC, program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withDebug(@ForAll("programs") List<Op> program) {
            ModelRun.check(MALLOC.with("+debug"), program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withTracemalloc(@ForAll("programs") List<Op> program) {
            ModelRun.check(MALLOC.with("+tracemalloc"), program);
        }
    }

    @Group
    class MallocGilMode {
        @Property @Scaled(ci = CI, full = FULL)
        void plain(@ForAll("programs") List<Op> program) {
            ModelRun.check(gil(MALLOC), program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withDebug(@ForAll("programs") List<Op> program) {
            ModelRun.check(gil(MALLOC).with("+debug"), program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withTracemalloc(@ForAll("programs") List<Op> program) {
            ModelRun.check(gil(MALLOC).with("+tracemalloc"), program);
        }
    }

    @Group
    class PymallocCpython310 {
        @Property @Scaled(ci = CI, full = FULL)
        void plain(@ForAll("programs") List<Op> program) {
            ModelRun.check(PYMALLOC, program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withDebug(@ForAll("programs") List<Op> program) {
            ModelRun.check(PYMALLOC.with("+debug"), program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withTracemalloc(@ForAll("programs") List<Op> program) {
            ModelRun.check(PYMALLOC.with("+tracemalloc"), program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withDebugAndTracemalloc(@ForAll("programs") List<Op> program) {
            ModelRun.check(PYMALLOC.with("+debug+tracemalloc"), program);
        }
    }

    @Group
    class PymallocCpython310GilMode {
        @Property @Scaled(ci = CI, full = FULL)
        void plain(@ForAll("programs") List<Op> program) {
            ModelRun.check(gil(PYMALLOC), program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withDebug(@ForAll("programs") List<Op> program) {
            ModelRun.check(gil(PYMALLOC).with("+debug"), program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withTracemalloc(@ForAll("programs") List<Op> program) {
            ModelRun.check(gil(PYMALLOC).with("+tracemalloc"), program);
        }
    }

    @Group
    class PymallocClassic {
        @Property @Scaled(ci = CI, full = FULL)
        void plain(@ForAll("programs") List<Op> program) {
            ModelRun.check(CLASSIC, program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withDebug(@ForAll("programs") List<Op> program) {
            ModelRun.check(CLASSIC.with("+debug"), program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withTracemalloc(@ForAll("programs") List<Op> program) {
            ModelRun.check(CLASSIC.with("+tracemalloc"), program);
        }
    }

    @Group
    class PymallocClassicGilMode {
        @Property @Scaled(ci = CI, full = FULL)
        void plain(@ForAll("programs") List<Op> program) {
            ModelRun.check(gil(CLASSIC), program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withDebug(@ForAll("programs") List<Op> program) {
            ModelRun.check(gil(CLASSIC).with("+debug"), program);
        }

        @Property @Scaled(ci = CI, full = FULL)
        void withTracemalloc(@ForAll("programs") List<Op> program) {
            ModelRun.check(gil(CLASSIC).with("+tracemalloc"), program);
        }
    }
}
