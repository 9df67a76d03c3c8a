package io.pymem4j.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.CompositeArchRule;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package structure of pymem4j's main code, over every module on this module's test
 * class path (their tests excluded):
 * <pre>
 *   io.pymem4j.api      the allocator contract        names nothing else of the project
 *   io.pymem4j.spi      what providers implement      names api only
 *   io.pymem4j.runtime  assembles stacks, user entry  names api and spi, no layer
 *   layers (raw, pymalloc, debug, guard, tracemalloc, mimalloc, failing, cpython)
 *                       providers                     name api, spi, runtime; not each other
 *   io.pymem4j.replay   .pymt traces and their replay names api and runtime: any stack
 * </pre>
 * Integrations (testkit, guice, junit, reliability, bench, cli) may use any layer. No package
 * depends on itself through others, and no two public types share a simple name, so that a
 * name says which concept it is wherever it is read. Another project's code that a module's jar
 * carries relocated under its package (allocator-tracemalloc's Pyrolite) is not the project's.
 */
@AnalyzeClasses(packages = "io.pymem4j",
        importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.DoNotIncludeRelocatedLibraries.class})
class ArchitectureTest {

    static final String API = "io.pymem4j.api..";
    static final String SPI = "io.pymem4j.spi..";
    static final String RUNTIME = "io.pymem4j.runtime..";
    static final String REPLAY = "io.pymem4j.replay..";
    static final String PROJECT = "io.pymem4j..";

    /** The allocator layers: provider modules that see the api module only. */
    static final List<String> LAYERS = List.of("raw", "pymalloc", "debug", "guard", "tracemalloc", "mimalloc", "failing",
            "cpython");

    /**
     * The dependencies between layers that are allowed, each for its reason. allocator-cpython
     * embeds CPython over a whole stack and hands the debug layer's {@code MemoryCorruptionError}
     * to CPython's fatal-error path, so it names that class of the debug layer. allocator-guard
     * gives the blocks it samples the debug layer's treatment through the debug layer's own
     * {@code DebugChecks}, so that its reports are the debug layer's, word for word, and not a copy.
     */
    static final Map<String, List<String>> ALLOWED_BETWEEN_LAYERS = Map.of("cpython", List.of("debug"),
            "guard", List.of("debug"));

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

    @ArchTest
    static final ArchRule theReplayNamesNoLayer = noClasses().that().resideInAPackage(REPLAY)
            .should().dependOnClassesThat(projectOutside(API, SPI, RUNTIME, REPLAY))
            .because("a trace replays through whatever stack it is given, and pymem replay needs no benchmark harness");

    @ArchTest
    static final ArchRule publicTypesHaveUniqueSimpleNames = classes().that(arePublicFromOutside())
            .should(haveASimpleNameNoOtherPublicTypeHas())
            .because("one name per concept: a reader (or an import) never has to ask which Trace or Frame is meant");

    /** The packages where a module's jar carries another project's classes, relocated (see allocator-tracemalloc's pom). */
    static final List<String> RELOCATED = List.of("/io/pymem4j/tracemalloc/internal/");

    /** Leaves out the classes under {@link #RELOCATED}: they keep their own project's structure and names. */
    static final class DoNotIncludeRelocatedLibraries implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return RELOCATED.stream().noneMatch(location::contains);
        }
    }

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

    /**
     * Types code outside their package can name: public top-level types, and public member types
     * of such types all the way out (members of an interface are public without saying so). JMH's
     * generated classes are the harness's, not the project's names.
     */
    private static DescribedPredicate<JavaClass> arePublicFromOutside() {
        return DescribedPredicate.describe("are public from outside their package", ArchitectureTest::isPublicFromOutside);
    }

    private static boolean isPublicFromOutside(JavaClass c) {
        if (c.getPackageName().contains("jmh_generated") || c.isAnonymousClass() || c.isLocalClass()
                || c.getSimpleName().equals("package-info") || c.getSimpleName().equals("module-info")) {
            return false;
        }
        for (JavaClass k = c; k != null; k = k.getEnclosingClass().orElse(null)) {
            if (!k.getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
        }
        return true;
    }

    private static ArchCondition<JavaClass> haveASimpleNameNoOtherPublicTypeHas() {
        return new ArchCondition<>("have a simple name no other public type has") {
            private final Map<String, List<JavaClass>> byName = new HashMap<>();

            @Override
            public void init(Collection<JavaClass> all) {
                byName.clear();
                for (JavaClass c : all) {
                    byName.computeIfAbsent(c.getSimpleName(), k -> new ArrayList<>()).add(c);
                }
            }

            @Override
            public void check(JavaClass c, ConditionEvents events) {
                List<JavaClass> same = byName.getOrDefault(c.getSimpleName(), List.of());
                if (same.size() > 1) {
                    List<String> others = same.stream().filter(o -> o != c).map(JavaClass::getFullName).sorted().toList();
                    events.add(SimpleConditionEvent.violated(c, c.getFullName() + " shares its simple name with " + others));
                }
            }
        };
    }

    /** Classes of the project outside {@code packages}. */
    private static DescribedPredicate<JavaClass> projectOutside(String... packages) {
        return resideInAPackage(PROJECT).and(not(resideInAnyPackage(packages)))
                .as("reside in pymem4j outside " + String.join(", ", packages));
    }
}
