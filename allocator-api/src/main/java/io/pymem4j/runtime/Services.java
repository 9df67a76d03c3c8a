package io.pymem4j.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * The runtime's one {@link ServiceLoader} loop: every implementation a class loader lists,
 * with those that cannot be loaded handed to the caller and skipped.
 */
final class Services {

    private Services() {
    }

    /**
     * The implementations of {@code service} that {@code loader} sees, in {@link ServiceLoader}
     * order. A listed class that cannot be loaded or instantiated goes to {@code onFailure}
     * (which logs it under the caller's name) and the loop goes on with the next one.
     */
    static <S> List<S> load(Class<S> service, ClassLoader loader, Consumer<ServiceConfigurationError> onFailure) {
        List<S> found = new ArrayList<>();
        var it = ServiceLoader.load(service, loader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                onFailure.accept(e);
            }
        }
        return found;
    }
}
