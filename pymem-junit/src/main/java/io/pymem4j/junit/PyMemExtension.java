package io.pymem4j.junit;

import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.Tracemalloc;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The extension behind {@link PyMemTest}.
 *
 * <h2>The runtime</h2>
 * Its stack is the annotation's (or, for a whole run, the system property
 * {@value #STACK_PROPERTY}), with tracemalloc on top when {@code traceback > 0}
 * (tracing from the first allocation, {@code traceback} frames a block, counted from the code
 * under test: the test framework's frames are left out) and a recording
 * layer above everything, {@code junit}, that notes each report the debug layer throws on
 * any thread: {@code pymalloc_debug} runs as {@code pymalloc+debug+tracemalloc+junit}. The
 * debug layer's quarantine is on (1 MiB unless the options set {@code debug.quarantine.bytes})
 * and its reports print Java frames as Java does ({@code debug.frames=java}). It
 * is made when a test first asks for it (a {@link PyMemRuntime} or {@link Tracemalloc}
 * parameter of the test, a lifecycle method or, with scope {@code TEST}, the constructor)
 * and kept in the JUnit store of its scope: the test's, the annotated class's, or the run's.
 *
 * <h2>After each test (after its {@code @AfterEach} methods)</h2>
 * <ol>
 *   <li>The debug layer's quarantine is flushed, so a write after free shows now, and the
 *       pads of every live block are checked ({@code PyMemRuntime.check()}), so an overflow
 *       of a block the test never freed shows as corruption.</li>
 *   <li>Every debug report made during the test that the test did not itself throw fails
 *       it, with the report, unless {@code allowCorruption}.</li>
 *   <li>The blocks allocated since the test began (its {@code @BeforeEach} included) and
 *       still live fail it, grouped by traceback with tracemalloc's statistics, minus the
 *       blocks tracemalloc marks expected and those from {@code allowLeaksFrom} files;
 *       {@code allowLeaks} only logs them. Without tracemalloc the debug layer's count of
 *       live blocks is compared instead.</li>
 * </ol>
 * A runtime shared by a class or a run is judged per test the same way: its traces are
 * cleared when each test begins. A per-test runtime with no block left gives pymalloc's
 * arenas back when the test ends.
 *
 * @since 0.1
 */
public final class PyMemExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    /** Made by JUnit, for {@code @PyMemTest} or {@code @ExtendWith(PyMemExtension.class)}. */
    public PyMemExtension() {
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PyMemExtension.class);
    private static final String TEST_RUNTIME = "runtime";

    /** The nearest annotation and the context of the element that carries it. */
    private record Found(PyMemTest rules, ExtensionContext owner) {
    }

    private static Found find(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            Optional<AnnotatedElement> element = c.getElement();
            if (element.isPresent()) {
                Optional<PyMemTest> a = AnnotationSupport.findAnnotation(element.get(), PyMemTest.class);
                if (a.isPresent()) {
                    return new Found(a.get(), c);
                }
            }
        }
        return null;
    }

    private static PyMemTest.Scope scope(Found found) {
        return found.owner().getElement().orElse(null) instanceof Method ? PyMemTest.Scope.TEST : found.rules().scope();
    }

    /** The stack of every {@code @PyMemTest} runtime when set, whatever the annotations say. */
    public static final String STACK_PROPERTY = "pymem4j.junit.stack";

    /** The stack a test runs on: {@value #STACK_PROPERTY} when set (not blank), else the annotation's. */
    static String stack(PyMemTest rules) {
        String forced = System.getProperty(STACK_PROPERTY);
        return forced == null || forced.isBlank() ? rules.stack() : forced.strip();
    }

    private static TestRuntime.Key key(PyMemTest rules) {
        if (rules.traceback() < 0 || rules.traceback() > Tracemalloc.MAX_NFRAME) {
            throw new ExtensionConfigurationException("@PyMemTest traceback = " + rules.traceback()
                    + ": expected 0 (no tracemalloc) to " + Tracemalloc.MAX_NFRAME);
        }
        try {
            return new TestRuntime.Key(stack(rules), rules.traceback(), new TreeMap<>(TestRuntime.parseOptions(rules.options())));
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(e.getMessage(), e);
        }
    }

    /** Where the runtime of {@code context}'s test lives, and under which key. */
    private record Place(ExtensionContext.Store store, Object key, boolean perTest) {
    }

    private static Place place(ExtensionContext context, Found found) {
        return switch (scope(found)) {
            case TEST -> {
                if (context.getTestMethod().isEmpty()) {
                    yield null;
                }
                yield new Place(context.getStore(NAMESPACE), TEST_RUNTIME, true);
            }
            case CLASS -> new Place(found.owner().getStore(NAMESPACE), TEST_RUNTIME, false);
            case SUITE -> new Place(context.getRoot().getStore(NAMESPACE), key(found.rules()), false);
        };
    }

    private static TestRuntime existing(Place place) {
        return place == null ? null : place.store().get(place.key(), TestRuntime.class);
    }

    private static TestRuntime runtime(ExtensionContext context) {
        Found found = find(context);
        if (found == null) {
            throw new ExtensionConfigurationException("no @PyMemTest on the test, its class or an enclosing class");
        }
        Place place = place(context, found);
        if (place == null) {
            throw new ParameterResolutionException("a @PyMemTest runtime of scope TEST belongs to one test: it cannot be"
                    + " injected into " + context.getDisplayName() + " outside a test (@BeforeAll, @AfterAll);"
                    + " use @PyMemTest(scope = CLASS) to share one runtime among the tests of a class");
        }
        TestRuntime.Key key = key(found.rules());
        return place.store().getOrComputeIfAbsent(place.key(), k -> TestRuntime.create(key, place.perTest()),
                TestRuntime.class);
    }

    // ---------------------------------------------------------------- callbacks

    @Override
    public void beforeEach(ExtensionContext context) {
        Found found = find(context);
        TestRuntime shared = found == null ? null : existing(place(context, found));
        if (shared != null) {
            shared.begin();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Found found = find(context);
        TestRuntime rt = found == null ? null : existing(place(context, found));
        if (rt == null) {
            return;
        }
        String failure = rt.check(found.rules(), context.getExecutionException().orElse(null));
        if (failure != null) {
            throw new AssertionFailedError(failure);
        }
    }

    // ---------------------------------------------------------------- parameters

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return (type == PyMemRuntime.class || type == Tracemalloc.class) && find(extensionContext) != null;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        TestRuntime rt = runtime(extensionContext);
        return parameterContext.getParameter().getType() == Tracemalloc.class ? rt.tracemalloc() : rt.runtime;
    }

    /** Constructor parameters of a per-method test instance get the test's runtime. */
    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }
}
