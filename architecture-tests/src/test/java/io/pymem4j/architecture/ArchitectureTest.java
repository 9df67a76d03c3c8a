package io.pymem4j.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package structure of pymem4j's main code, over every module on this module's test
 * class path (their tests excluded):
 * <pre>
 *   io.pymem4j.api      the allocator contract        names nothing else of the project
 *   io.pymem4j.spi      what providers implement      names api only
 *   io.pymem4j.runtime  assembles stacks, user entry  names api and spi, no layer
 *   layers (raw, pymalloc, debug, tracemalloc, mimalloc, failing, cpython)
 *                       providers                     name api, spi, runtime; not each other
 * </pre>
 * Integrations (testkit, guice, junit, reliability, bench, cli) may use any layer. No package
 * depends on itself through others.
 */
@AnalyzeClasses(packages = "io.pymem4j", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    static final String API = "io.pymem4j.api..";
    static final String SPI = "io.pymem4j.spi..";
    static final String RUNTIME = "io.pymem4j.runtime..";
    static final String PROJECT = "io.pymem4j..";

    /** The allocator layers: provider modules that see the api module only. */
    static final List<String> LAYERS = List.of("raw", "pymalloc", "debug", "tracemalloc", "mimalloc", "failing", "cpython");

    /**
     * The dependencies between layers that are allowed, each for its reason. allocator-cpython
     * embeds CPython over a whole stack and hands the debug layer's {@code MemoryCorruptionError}
     * to CPython's fatal-error path, so it names that class of the debug layer.
     */
    static final Map<String, List<String>> ALLOWED_BETWEEN_LAYERS = Map.of("cpython", List.of("debug"));

    @ArchTest
    static final ArchRule noPackageCycle = slices().matching("io.pymem4j.(*)..").should().beFreeOfCycles()
            .because("each package builds on the ones below it only");

    @ArchTest
    static final ArchRule theContractNamesNothingElseOfTheProject = noClasses().that().resideInAPackage(API)
            .should().dependOnClassesThat(projectOutside(API))
            .because("users and providers share the contract; it sits at the bottom");

    @ArchTest
    static final ArchRule theSpiNamesTheContractOnly = noClasses().that().resideInAPackage(SPI)
            .should().dependOnClassesThat(projectOutside(API, SPI))
            .because("a provider sees the runtime building its stack as a RuntimeView, not as PyMemRuntime");

    @ArchTest
    static final ArchRule theRuntimeNamesNoLayer = noClasses().that().resideInAPackage(RUNTIME)
            .should().dependOnClassesThat(projectOutside(API, SPI, RUNTIME))
            .because("the runtime knows layers only through the providers ServiceLoader finds");

    @ArchTest
    static final ArchRule layersDoNotDependOnEachOther = layerRules();

    private static ArchRule layerRules() {
        List<ArchRule> rules = new ArrayList<>();
        for (String layer : LAYERS) {
            List<String> others = new ArrayList<>();
            for (String other : LAYERS) {
                if (!other.equals(layer) && !ALLOWED_BETWEEN_LAYERS.getOrDefault(layer, List.of()).contains(other)) {
                    others.add("io.pymem4j." + other + "..");
                }
            }
            rules.add(noClasses().that().resideInAPackage("io.pymem4j." + layer + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(others.toArray(String[]::new))
                    .as("the layer " + layer + " names no other layer"
                            + (ALLOWED_BETWEEN_LAYERS.containsKey(layer) ? " but " + ALLOWED_BETWEEN_LAYERS.get(layer) : ""))
                    .because("a layer is a provider that sees the api module only"));
        }
        CompositeArchRule all = CompositeArchRule.of(rules.getFirst());
        for (ArchRule rule : rules.subList(1, rules.size())) {
            all = all.and(rule);
        }
        return all;
    }

    /** Classes of the project outside {@code packages}. */
    private static DescribedPredicate<JavaClass> projectOutside(String... packages) {
        return resideInAPackage(PROJECT).and(not(resideInAnyPackage(packages)))
                .as("reside in pymem4j outside " + String.join(", ", packages));
    }
}
