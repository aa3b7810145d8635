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
 * path: the lines between {@code // tag::name[]} and {@code // end::name[]}) not at all. A folder (both
 * paths end in {@code /}, below {@code src/main/java} or {@code src/test/java}) is copied whole: the same
 * files, each differing from its original only in the package prefix of its package line and imports.
 */
class RecipeCopiesTest {

    private static final Pattern TAG = Pattern.compile("//\\s*tag::([\\w-]+)\\[]");

    /**
     * One copied file or region: {@code canonical[#region] copy[#region]}, paths from the repository root; for a
     * file of a copied folder, the package prefixes the copy has instead of the original's.
     */
    record Copy(String canonical, String copy, String canonicalPackage, String copyPackage) {
        Copy(String canonical, String copy) {
            this(canonical, copy, null, null);
        }

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
            if (fields[0].endsWith("/") && fields[1].endsWith("/")) {
                for (String file : filesBelow(fields[0])) {
                    copies.add(new Copy(fields[0] + file, fields[1] + file, packageOf(fields[0]), packageOf(fields[1])));
                }
            } else {
                copies.add(new Copy(fields[0], fields[1]));
            }
        }
        return copies;
    }

    /** The folders COPIES lists as copied whole: canonical, copy. */
    static List<List<String>> copiedFolders() throws IOException {
        List<List<String>> folders = new ArrayList<>();
        for (String line : Files.readAllLines(Repository.path("recipes/COPIES"))) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length == 2 && !fields[0].startsWith("#") && fields[0].endsWith("/") && fields[1].endsWith("/")) {
                folders.add(List.of(fields[0], fields[1]));
            }
        }
        return folders;
    }

    private static List<String> filesBelow(String folder) throws IOException {
        Path root = Repository.path(folder);
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(file -> root.relativize(file).toString()).sorted().toList();
        }
    }

    /** {@code recipes/x/src/main/java/dev/a/b/} is the package prefix {@code dev.a.b}. */
    private static String packageOf(String folder) {
        Matcher java = Pattern.compile("/src/(?:main|test)/java/(.+?)/?$").matcher(folder);
        assertThat(java.find()).as(folder + " is a folder below src/main/java or src/test/java").isTrue();
        return java.group(1).replace('/', '.');
    }

    /** A copied folder has no file its original lacks (one the sync would delete, or a copy drifting unseen). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("copiedFolders")
    void copiedFolderHoldsExactlyTheOriginalsFiles(List<String> folder) throws IOException {
        assertThat(filesBelow(folder.get(1))).as(folder.get(1)).isEqualTo(filesBelow(folder.get(0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("copies")
    void copyMatchesItsCanonicalOriginal(Copy copy) throws IOException {
        String original = text(copy.canonical());
        if (copy.canonicalPackage() != null) {
            original = original.replaceAll(Pattern.quote(copy.canonicalPackage()) + "(?=[.;])",
                    Matcher.quoteReplacement(copy.copyPackage()));
        }
        assertThat(text(copy.copy())).as("%s must equal %s; change the canonical file and copy it again", copy.copy(),
                copy.canonical()).isEqualTo(original);
    }

    /**
     * A region tag that COPIES names is listed wherever a recipe uses it, as that region or as part of a
     * whole-file copy: an unlisted copy could drift unseen.
     */
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
                    String path = Repository.ROOT.relativize(file).toString();
                    String place = path + "#" + tag.group(1);
                    // Listed as a region, or the whole file is a listed copy (which covers its regions).
                    if (copiedRegions.contains(tag.group(1)) && !listed.contains(place) && !listed.contains(path)) {
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
