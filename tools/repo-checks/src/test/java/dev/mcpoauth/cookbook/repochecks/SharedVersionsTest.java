package dev.mcpoauth.cookbook.repochecks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Every recipe pom declares its own versions (a copied recipe builds alone), so nothing but this test
 * keeps them in step: a property that several poms declare (the MCP SDK, Nimbus, Micronaut, plugin
 * versions...) has one value everywhere, the root pom included, and so has every dependency or plugin
 * that several poms pin to a version.
 */
class SharedVersionsTest {

    /** Properties that name something of the recipe's own, not a version. */
    private static final Set<String> PER_RECIPE = Set.of("exec.mainClass");
    private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

    @Test
    void sharedPropertiesHaveOneValueInEveryPom() throws Exception {
        Map<String, Map<String, String>> valuesByProperty = new TreeMap<>();
        for (Path pom : poms()) {
            properties(pom).forEach((name, value) -> {
                if (!PER_RECIPE.contains(name)) {
                    valuesByProperty.computeIfAbsent(name, n -> new TreeMap<>()).put(relative(pom), value);
                }
            });
        }

        assertThat(disagreements(valuesByProperty)).as("properties whose value differs between poms").isEmpty();
    }

    @Test
    void aDependencyOrPluginPinnedInSeveralPomsHasOneVersion() throws Exception {
        Map<String, Map<String, String>> versionsByArtifact = new TreeMap<>();
        for (Path pom : poms()) {
            Map<String, String> properties = properties(pom);
            Element root = parse(pom);
            for (String kind : List.of("dependency", "plugin")) {
                NodeList elements = root.getElementsByTagName(kind);
                for (int i = 0; i < elements.getLength(); i++) {
                    Element element = (Element) elements.item(i);
                    String version = child(element, "version");
                    if (version != null) {
                        String group = child(element, "groupId");
                        String artifact = (group == null ? "org.apache.maven.plugins" : group) + ":" + child(element, "artifactId");
                        versionsByArtifact.computeIfAbsent(artifact, a -> new TreeMap<>())
                                .put(relative(pom), resolve(version, properties));
                    }
                }
            }
        }

        assertThat(disagreements(versionsByArtifact)).as("artifacts pinned to different versions").isEmpty();
    }

    private static List<String> disagreements(Map<String, Map<String, String>> valuesByName) {
        List<String> disagreements = new ArrayList<>();
        valuesByName.forEach((name, values) -> {
            if (values.values().stream().distinct().count() > 1) {
                disagreements.add(name + " " + values);
            }
        });
        return disagreements;
    }

    private static List<Path> poms() throws Exception {
        List<Path> poms = new ArrayList<>(Repository.recipePoms());
        poms.add(Repository.path("pom.xml"));
        return poms;
    }

    private static Map<String, String> properties(Path pom) throws Exception {
        Map<String, String> properties = new TreeMap<>();
        Element element = firstChild(parse(pom), "properties");
        if (element != null) {
            NodeList children = element.getChildNodes();
            for (int i = 0; i < children.getLength(); i++) {
                if (children.item(i).getNodeType() == Node.ELEMENT_NODE) {
                    properties.put(children.item(i).getNodeName(), children.item(i).getTextContent().strip());
                }
            }
        }
        return properties;
    }

    private static String resolve(String version, Map<String, String> properties) {
        Matcher reference = PROPERTY.matcher(version);
        StringBuilder resolved = new StringBuilder();
        while (reference.find()) {
            reference.appendReplacement(resolved, Matcher.quoteReplacement(
                    properties.getOrDefault(reference.group(1), reference.group())));
        }
        return reference.appendTail(resolved).toString();
    }

    private static Element parse(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
    }

    private static Element firstChild(Element parent, String name) {
        NodeList children = parent.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element element && element.getTagName().equals(name)) {
                return element;
            }
        }
        return null;
    }

    private static String child(Element parent, String name) {
        Element element = firstChild(parent, name);
        return element == null ? null : element.getTextContent().strip();
    }

    private static String relative(Path pom) {
        return Repository.ROOT.relativize(pom).toString();
    }
}
