package io.pymem4j.architecture;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The BOM ({@code pymem4j-bom/pom.xml}) stays what users import: every library module (a
 * module with a module descriptor, samples aside) at the project's version, nothing of
 * anyone else, and no parent whose dependency management an import would bring along.
 */
class BomTest {

    /** The reactor root: the tests run in architecture-tests/. */
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void theBomHasTheParentsVersion() throws Exception {
        assertEquals(text(child(pom(ROOT.resolve("pom.xml")), "version")), text(child(bom(), "version")));
    }

    @Test
    void theBomListsEveryModuleWithAModuleDescriptorAndNothingElse() throws Exception {
        Set<String> libraries = new TreeSet<>();
        for (Element m : children(child(pom(ROOT.resolve("pom.xml")), "modules"), "module")) {
            String module = text(m);
            Path dir = ROOT.resolve(module);
            if (!module.startsWith("samples/") && Files.isRegularFile(dir.resolve("src/main/java/module-info.java"))) {
                libraries.add(text(child(pom(dir.resolve("pom.xml")), "artifactId")));
            }
        }
        Set<String> listed = new TreeSet<>();
        for (Element d : managed()) {
            listed.add(text(child(d, "artifactId")));
        }
        assertEquals(libraries, listed);
    }

    @Test
    void everyArtifactTheBomManagesIsPymem4jsAtTheBomsOwnVersion() throws Exception {
        for (Element d : managed()) {
            String artifact = text(child(d, "artifactId"));
            assertEquals("io.pymem4j", text(child(d, "groupId")), artifact);
            assertEquals("${project.version}", text(child(d, "version")), artifact);
            assertNull(child(d, "scope"), artifact);
        }
    }

    @Test
    void theBomInheritsNoDependencyManagement() throws Exception {
        assertNull(child(bom(), "parent"));
    }

    // ---------------------------------------------------------------- pom reading

    private static Element bom() throws Exception {
        return pom(ROOT.resolve("pymem4j-bom/pom.xml"));
    }

    private static List<Element> managed() throws Exception {
        return children(child(child(bom(), "dependencyManagement"), "dependencies"), "dependency");
    }

    private static Element pom(Path file) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        return doc.getDocumentElement();
    }

    /** The first child element named {@code name}, or null. */
    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    private static String text(Element e) {
        return e.getTextContent().strip();
    }
}
