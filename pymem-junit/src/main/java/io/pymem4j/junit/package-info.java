/**
 * A JUnit 5 extension for code that allocates through pymem4j: {@link io.pymem4j.junit.PyMemTest}
 * on a test or a class gives it a runtime with the debug hooks and tracemalloc, injected as a
 * parameter, and fails each test that corrupted a block (the debug report in the message) or
 * left blocks allocated (tracemalloc's statistics by traceback in the message).
 *
 * <pre>
 *   &#64;PyMemTest(stack, traceback, options, scope, allowLeaks, allowLeaksFrom, allowCorruption)
 *        |
 *   PyMemExtension: finds the nearest annotation, keeps a TestRuntime in the JUnit store of
 *        |          its scope (test, class, run), resolves PyMemRuntime / Tracemalloc parameters
 *   TestRuntime:    stack + tracemalloc + junit (ReportRecorder, the top layer that notes every
 *                   report the debug layer throws, on any thread); begin / check / close
 * </pre>
 * See {@link io.pymem4j.junit.PyMemExtension} for the checks and their order.
 */
package io.pymem4j.junit;
