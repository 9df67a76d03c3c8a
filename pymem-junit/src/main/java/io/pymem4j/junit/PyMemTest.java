package io.pymem4j.junit;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test, or every test of a class, against a {@link io.pymem4j.runtime.PyMemRuntime}
 * with the debug hooks and tracemalloc, and fails a test that corrupted or leaked a block.
 *
 * <pre>
 * &#64;PyMemTest(stack = "pymalloc_debug", traceback = 10)
 * class BufferTest {
 *     &#64;Test
 *     void growsInPlace(PyMemRuntime rt, Tracemalloc tm) { ... }
 * }
 * </pre>
 *
 * The nearest annotation counts: a method's over its class's, a class's over an enclosing
 * class's. See {@link PyMemExtension} for what is checked after each test and how.
 *
 * @since 0.1
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@ExtendWith(PyMemExtension.class)
public @interface PyMemTest {

    /** Which tests share one runtime. */
    enum Scope {
        /** A new runtime for every test (the default, and always so for an annotation on a method). */
        TEST,
        /** One runtime for the tests of the annotated class, its nested classes included. */
        CLASS,
        /** One runtime for every class of the run (a Jupiter engine run, i.e. one suite) with the same stack, traceback and options. */
        SUITE
    }

    /**
     * The allocator stack, any name {@code PyMemRuntime.create} accepts ({@code pymalloc_debug},
     * {@code mimalloc_debug}, ...). The system property {@code pymem4j.junit.stack}
     * ({@link PyMemExtension#STACK_PROPERTY}) overrides it for a whole run, to run a suite once
     * on {@code malloc_debug} and once on {@code pymalloc_debug}.
     */
    String stack() default "pymalloc_debug";

    /**
     * The frames tracemalloc keeps per block, 1 to 65535, counted from the code under test
     * (the test framework's frames are left out); leaks are then grouped by where they were
     * allocated, and reports show where a block was allocated and freed. 0 leaves tracemalloc
     * out: the debug layer then only counts leaked blocks.
     */
    int traceback() default 10;

    /**
     * Runtime options as {@code key=value} ({@code debug.quarantine.bytes=64k}); unless set here,
     * {@code debug.policy} is {@code throw}, {@code debug.quarantine.bytes} {@code 1m} (so a write
     * after free is found) and {@code debug.frames} {@code java}.
     */
    String[] options() default {};

    /** Which tests share the runtime. */
    Scope scope() default Scope.TEST;

    /** Report leaks without failing the test (they are logged at WARN). */
    boolean allowLeaks() default false;

    /**
     * Known leaks: blocks whose allocation traceback has a frame in a file matching one of
     * these patterns (tracemalloc's filename patterns: {@code *} and {@code ?},
     * {@code io/example/cache/*}) are not leaks. Frames are only as deep as {@link #traceback()}.
     */
    String[] allowLeaksFrom() default {};

    /**
     * Let the debug layer's reports made during the test pass: for tests that provoke and
     * catch them on purpose. Reports a test does not catch still fail it, as any error does.
     */
    boolean allowCorruption() default false;
}
