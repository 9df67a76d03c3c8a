package io.pymem4j.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * A runtime's close, done once: the order of its steps (calls refused, the stack's layers
 * closed, the MXBeans registered for the runtime unregistered, the default runtime forgotten,
 * the report logged) and the report kept for a later call. See {@link PyMemRuntime#close()}.
 */
final class CloseSequence {

    /** The runtime's own logger: the report is the runtime's (its Javadoc names this logger). */
    private static final Logger log = LoggerFactory.getLogger(PyMemRuntime.class);

    private final PyMemRuntime runtime;
    /** The runtime's lock, which guards the fields below. */
    private final Object lock;
    private CloseReport report;
    private final List<PyMemManagement.Registration> registrations = new ArrayList<>();

    CloseSequence(PyMemRuntime runtime, Object lock) {
        this.runtime = runtime;
        this.lock = lock;
    }

    /**
     * Keeps a bean to unregister when the runtime closes.
     *
     * @throws IllegalStateException when the runtime is closed, after unregistering the bean
     */
    void add(PyMemManagement.Registration registration) {
        synchronized (lock) {
            if (runtime.isClosed()) {
                registration.close();
                runtime.checkOpen();
            }
            registrations.add(registration);
        }
    }

    /**
     * Closes the runtime, or returns the report of its earlier close.
     *
     * @throws RuntimeException or {@link Error}: the first a layer or a bean threw, once all are closed
     */
    CloseReport run() {
        CloseReport r;
        List<PyMemManagement.Registration> beans;
        Throwable failure;
        synchronized (lock) {
            if (report != null) {
                return report;
            }
            BuiltStack s = runtime.refuseCalls();
            StackCloser.Result closing = StackCloser.close(s);
            failure = closing.failure();
            r = new CloseReport(s.spec().name(), closing.live());
            report = r;
            beans = List.copyOf(registrations);
            registrations.clear();
        }
        for (PyMemManagement.Registration bean : beans) {
            try {
                bean.close();
            } catch (RuntimeException e) {
                failure = StackCloser.chain(failure, e);
            }
        }
        DefaultRuntime.forget(runtime);
        if (r.clean()) {
            log.debug("{}", r.summary());
        } else {
            log.warn("{}", r.summary());
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw (RuntimeException) failure;
        }
        return r;
    }
}
