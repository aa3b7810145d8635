package dev.mcpoauth.cookbook.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The parts of a recipe, read from its source: one per package under {@code src/main/java}, so a recipe
 * split into packages by role (DESIGN.md section 1) gets a page per part and a flat recipe gets none.
 * A part knows its classes, the first sentence of each one's javadoc, and the rows of the README's
 * "the code" tables that link into its package.
 */
final class RecipeParts {

    /** The top-level type of a source file, after its javadoc, annotations and comments. */
    private static final Pattern TYPE = Pattern.compile(
            "(?m)^(?:(?:public|protected|private|abstract|final|sealed|non-sealed|static|strictfp)\\s+)*"
                    + "(?:class|interface|record|enum|@interface)\\s+\\w+");
    private static final Pattern MARKDOWN_LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    /**
     * A package of the recipe.
     *
     * @param name the package below the recipe's root package ({@code authorizationserver.registration}), empty for the root
     * @param packageName the whole package name
     * @param directory the package's folder
     * @param classes its source files, package-info aside, sorted by name
     */
    record Part(String name, String packageName, Path directory, List<Path> classes) {

        /** The page's file name, without {@code .html}. */
        String page() {
            return name.isEmpty() ? "root" : name;
        }

        /** The package as the recipe's README names it: below the root package, or the root's whole name. */
        String label() {
            return name.isEmpty() ? packageName + " (root)" : name;
        }

        /** {@link #label()} as HTML, the package name as code. */
        String labelHtml() {
            return name.isEmpty() ? "<code>" + packageName + "</code> (root)" : "<code>" + name + "</code>";
        }
    }

    private RecipeParts() {
    }

    /** The recipe's packages, the root first; none for a recipe with one package. */
    static List<Part> of(Path recipeDir) throws IOException {
        Path sources = recipeDir.resolve("src/main/java");
        if (!Files.isDirectory(sources)) {
            return List.of();
        }
        List<Path> packages;
        try (Stream<Path> files = Files.walk(sources)) {
            packages = files.filter(f -> f.toString().endsWith(".java")).map(Path::getParent).distinct()
                    .sorted().toList();
        }
        if (packages.size() < 2) {
            return List.of();
        }
        // The recipe's root package: the deepest folder every package is below. It may hold no class itself
        // (a recipe whose parts are idp/, signin/ and client/), and then gets no part of its own.
        Path root = packages.get(0);
        for (Path dir : packages) {
            while (!dir.startsWith(root)) {
                root = root.getParent();
            }
        }
        List<Part> parts = new ArrayList<>();
        for (Path dir : packages) {
            List<Path> classes;
            try (Stream<Path> files = Files.list(dir)) {
                classes = files.filter(f -> f.toString().endsWith(".java"))
                        .filter(f -> !f.getFileName().toString().equals("package-info.java")).sorted().toList();
            }
            parts.add(new Part(root.relativize(dir).toString().replace('/', '.'),
                    sources.relativize(dir).toString().replace('/', '.'), dir, classes));
        }
        return parts;
    }

    /**
     * The README's tables, cut to the rows that link into the part's package, each after the paragraph or
     * heading before it (which names the package in "the code" section), as Markdown. A table about several
     * packages shows each its own rows.
     */
    static String readmeRows(String readme, Path recipeDir, Part part) {
        List<String> lines = readme.lines().toList();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (!isTableRow(lines.get(i)) || i + 1 >= lines.size() || !lines.get(i + 1).startsWith("|---")) {
                continue;
            }
            int end = i + 2;
            List<String> rows = new ArrayList<>();
            for (; end < lines.size() && isTableRow(lines.get(end)); end++) {
                if (linksInto(lines.get(end), recipeDir, part.directory())) {
                    rows.add(lines.get(end));
                }
            }
            if (!rows.isEmpty()) {
                // The paragraph or heading before the table names the package; a heading would become a
                // section of the part's page, so only its words are kept.
                int captionEnd = i > 0 && lines.get(i - 1).isBlank() ? i - 1 : i;
                int start = captionEnd;
                while (start > 0 && !lines.get(start - 1).isBlank() && !isTableRow(lines.get(start - 1))) {
                    start--;
                }
                String caption = String.join("\n", lines.subList(start, captionEnd));
                out.append(caption.replaceFirst("^#+\\s*", "")).append("\n\n")
                        .append(lines.get(i)).append('\n').append(lines.get(i + 1)).append('\n');
                rows.forEach(row -> out.append(row).append('\n'));
                out.append('\n');
            }
            i = end - 1;
        }
        return out.toString();
    }

    private static boolean isTableRow(String line) {
        return line.startsWith("|");
    }

    private static boolean linksInto(String row, Path recipeDir, Path packageDir) {
        Matcher link = MARKDOWN_LINK.matcher(row);
        while (link.find()) {
            Path target = recipeDir.resolve(link.group(1)).normalize();
            if (packageDir.equals(target.getParent())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first sentence of the javadoc of the file's top-level type (up to the first period followed by
     * white space), on one line, or empty without one. Inline tags keep their text; other markup stays.
     */
    static String firstSentence(Path javaFile) {
        String source;
        try {
            source = Files.readString(javaFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher type = TYPE.matcher(source);
        if (!type.find()) {
            return "";
        }
        int start = source.lastIndexOf("/**", type.start());
        int end = source.lastIndexOf("*/", type.start());
        if (start < 0 || end < start || !source.substring(end + 2, type.start()).strip().lines()
                .allMatch(line -> line.isBlank() || line.strip().startsWith("@") || line.strip().startsWith("//"))) {
            return "";
        }
        String text = source.substring(start + 3, end).lines().map(line -> line.strip().replaceFirst("^\\*\\s?", ""))
                .reduce("", (a, b) -> a + " " + b).strip();
        Matcher sentenceEnd = Pattern.compile("\\.(\\s|$)|\\s@\\w+|<p>|<ul>|<pre>").matcher(text);
        return sentenceEnd.find() ? text.substring(0, sentenceEnd.start() + (text.charAt(sentenceEnd.start()) == '.' ? 1 : 0))
                : text;
    }
}
