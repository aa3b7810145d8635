package dev.mcpoauth.cookbook.repochecks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Recipes copy code on purpose, so that one folder stands alone; {@code recipes/COPIES} lists each
 * copy with its canonical original, and a fix in the original must reach every copy. A whole file
 * may differ from its original only in its {@code package} line; a region (a {@code #name} after the
 * path: the lines between {@code // tag::name[]} and {@code // end::name[]}) not at all.
 */
class RecipeCopiesTest {

    private static final Pattern TAG = Pattern.compile("//\\s*tag::([\\w-]+)\\[]");

    /** One line of COPIES: {@code canonical[#region] copy[#region]}, paths from the repository root. */
    record Copy(String canonical, String copy) {
        @Override
        public String toString() {
            return copy + " from " + canonical;
        }
    }

    static List<Copy> copies() throws IOException {
        List<Copy> copies = new ArrayList<>();
        for (String line : Files.readAllLines(Repository.path("recipes/COPIES"))) {
            String content = line.strip();
            if (content.isEmpty() || content.startsWith("#")) {
                continue;
            }
            String[] fields = content.split("\\s+");
            assertThat(fields).as("a COPIES line is 'canonical copy': " + line).hasSize(2);
            copies.add(new Copy(fields[0], fields[1]));
        }
        return copies;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("copies")
    void copyMatchesItsCanonicalOriginal(Copy copy) throws IOException {
        assertThat(text(copy.copy())).as("%s must equal %s; change the canonical file and copy it again", copy.copy(),
                copy.canonical()).isEqualTo(text(copy.canonical()));
    }

    /** A region tag that COPIES names is listed wherever a recipe uses it: an unlisted copy could drift unseen. */
    @Test
    void everyUseOfACopiedRegionIsListed() throws IOException {
        Set<String> listed = new HashSet<>();
        Set<String> copiedRegions = new HashSet<>();
        for (Copy copy : copies()) {
            listed.add(copy.canonical());
            listed.add(copy.copy());
            if (copy.canonical().contains("#")) {
                copiedRegions.add(copy.canonical().substring(copy.canonical().indexOf('#') + 1));
            }
        }
        List<String> unlisted = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Repository.path("recipes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/")).toList()) {
                Matcher tag = TAG.matcher(Files.readString(file));
                while (tag.find()) {
                    String place = Repository.ROOT.relativize(file) + "#" + tag.group(1);
                    if (copiedRegions.contains(tag.group(1)) && !listed.contains(place)) {
                        unlisted.add(place);
                    }
                }
            }
        }
        assertThat(unlisted).as("copies of a canonical region missing from recipes/COPIES").isEmpty();
    }

    @Test
    void everyListedFileExists() throws IOException {
        for (Copy copy : copies()) {
            for (String place : List.of(copy.canonical(), copy.copy())) {
                assertThat(Repository.path(place.split("#")[0])).as(place).isRegularFile();
            }
        }
    }

    /** A whole file without its package line, or the lines of one region. */
    private static String text(String place) throws IOException {
        String[] parts = place.split("#", 2);
        List<String> lines = Files.readAllLines(Repository.path(parts[0]));
        if (parts.length == 1) {
            return String.join("\n", lines.stream().filter(line -> !line.startsWith("package ")).toList());
        }
        int start = indexOf(lines, "// tag::" + parts[1] + "[]", place);
        int end = indexOf(lines, "// end::" + parts[1] + "[]", place);
        assertThat(end).as("end of region in " + place).isGreaterThan(start);
        return String.join("\n", lines.subList(start, end + 1));
    }

    private static int indexOf(List<String> lines, String marker, String place) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                return i;
            }
        }
        throw new AssertionError(place + " has no line " + marker);
    }
}
