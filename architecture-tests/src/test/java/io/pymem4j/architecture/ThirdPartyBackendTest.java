package io.pymem4j.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import org.example.thirdparty.ThirdPartyBackendProvider;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** A third party's backend needs the contract and the SPI only, and a runtime sets it up. */
class ThirdPartyBackendTest {

    static final ArchRule aBackendSeesOnlyTheApi = classes().that().resideInAPackage("org.example.thirdparty..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("org.example.thirdparty..", "io.pymem4j.api..",
                    "io.pymem4j.spi..", "java..")
            .because("a backend depends on io.pymem4j:allocator-api and implements the SPI");

    @Test
    void aThirdPartyBackendNamesOnlyTheContractAndTheSpi() {
        JavaClasses backend = new ClassFileImporter().importPackages("org.example.thirdparty");
        aBackendSeesOnlyTheApi.check(backend);
    }

    @Test
    void aRuntimeSetsAThirdPartyBackendUpByName() {
        PyMemRuntime rt = PyMemRuntime.builder().registry(ProviderRegistry.of(new ThirdPartyBackendProvider()))
                .allocator("thirdparty").build();
        long p = rt.malloc(PyMemAllocatorDomain.MEM, 24);
        assertNotEquals(0, p);
        rt.free(PyMemAllocatorDomain.MEM, p);
        assertEquals("thirdparty", rt.currentAllocatorName());
    }
}
