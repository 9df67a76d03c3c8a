package io.pymem4j.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Spliterator;
import java.util.function.Consumer;

/**
 * The runtime's one {@link ServiceLoader} loop: every implementation a class loader lists,
 * with those that cannot be loaded or made handed to the caller, described, and skipped.
 *
 * <p>It walks {@link ServiceLoader#stream()} rather than the iterator so that a provider whose
 * class loads but whose constructor (or static initializer) throws is known by its class:
 * {@link ServiceLoader.Provider#type()} names it before {@link ServiceLoader.Provider#get()}
 * fails. A class that cannot be found or loaded fails while the stream advances, and the loop
 * goes on with the next one, as ServiceLoader allows after an error.
 */
final class Services {

    private Services() {
    }

    /** A listed implementation that could not be loaded or made: its class (when known) and why. */
    record Failure(String providerClass, ServiceConfigurationError error) {

        /** One line: the class and the chain of causes, e.g. {@code com.acme.X: java.lang.IllegalStateException: no licence}. */
        String describe() {
            StringBuilder b = new StringBuilder();
            b.append(providerClass != null ? providerClass + " could not be instantiated" : error.getMessage());
            for (Throwable t = error.getCause(); t != null; t = t.getCause()) {
                b.append(t == error.getCause() ? ": " : ", caused by ").append(t);
            }
            return b.toString();
        }
    }

    /**
     * The implementations of {@code service} that {@code loader} sees, in {@link ServiceLoader}
     * order. A listed class that cannot be loaded or instantiated goes to {@code onFailure}
     * (which logs it under the caller's name) and the loop goes on with the next one.
     */
    static <S> List<S> load(Class<S> service, ClassLoader loader, Consumer<Failure> onFailure) {
        List<S> found = new ArrayList<>();
        Spliterator<ServiceLoader.Provider<S>> providers = ServiceLoader.load(service, loader).stream().spliterator();
        List<ServiceLoader.Provider<S>> next = new ArrayList<>(1);
        while (true) {
            next.clear();
            try {
                if (!providers.tryAdvance(next::add)) {
                    break;
                }
            } catch (ServiceConfigurationError e) {
                onFailure.accept(new Failure(null, e));
                continue;
            }
            ServiceLoader.Provider<S> provider = next.getFirst();
            try {
                found.add(provider.get());
            } catch (ServiceConfigurationError e) {
                onFailure.accept(new Failure(provider.type().getName(), e));
            }
        }
        return found;
    }
}
