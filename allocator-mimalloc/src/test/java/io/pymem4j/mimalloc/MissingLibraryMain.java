package io.pymem4j.mimalloc;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;

/**
 * Run by {@link MissingLibraryTest} in a JVM whose {@code pymem4j.mimalloc.library} names a
 * file that does not exist: prints what {@code pymem list} would show and what set-up says.
 */
public final class MissingLibraryMain {

    private MissingLibraryMain() {
    }

    public static void main(String[] args) {
        var provider = ProviderRegistry.getDefault().providers().get("mimalloc");
        System.out.println("available=" + provider.availability().available());
        System.out.println("reason=" + provider.availability().reason());
        try {
            PyMemRuntime.create(args[0]);
            System.out.println("set up");
        } catch (AllocatorSetupException e) {
            System.out.println("error=" + e.getMessage());
        }
    }
}
