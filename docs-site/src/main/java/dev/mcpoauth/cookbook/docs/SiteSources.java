package dev.mcpoauth.cookbook.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes the AsciiDoc sources of the site (build step before Asciidoctor):
 * <ul>
 * <li>a page per recipe: its README converted ({@link MarkdownToAsciidoc}), then every tagged code
 *     region of its source ({@code // tag::name[]}) included by Asciidoctor from the file itself,
 *     so a snippet can never differ from the tested code;</li>
 * <li>a page per part of a recipe split into packages ({@link RecipeParts}), {@code recipes/<recipe>/<package>.html}:
 *     the README's table rows for that package, then its classes with the first sentence of their javadoc,
 *     each linked to its source page; the recipe's page lists them at the end of its "The code" section;</li>
 * <li>a page per repository file a README links to (the whole file, included the same way);</li>
 * <li>a page for each of the other READMEs ({@link #OTHER_PAGES}: the probe, the test kit, the conformance
 *     suite, the benchmarks; the benchmarks' page also shows their last results as charts, {@link BenchmarkCharts});</li>
 * <li>the hand-written pages and assets from {@code src/docs/asciidoc}, the navigation bar generated into
 *     its header: one link per recipe and per other page, each labelled by its README's
 *     {@code <!-- nav: Label -->} comment (its folder name without one), so a new recipe needs no edit here.</li>
 * </ul>
 * It also writes {@code snippets.tsv} (page, anchor, file, tag) for the browser test.
 */
public final class SiteSources {

    private static final Pattern TAG = Pattern.compile("//\\s*tag::([\\w-]+)\\[\\]");
    private static final Pattern INLINE_TAG = Pattern.compile("\\{@(code|literal|link|linkplain)\\s+([^}]*)}");
    /** The README's "## The code" heading, as MarkdownToAsciidoc writes it. */
    private static final Pattern CODE_SECTION = Pattern.compile("\n== (\\+\\+\\+)?The code(\\+\\+\\+)?\n");
    private static final Pattern NAV_LABEL = Pattern.compile("<!--\\s*nav:\\s*(.+?)\\s*-->");
    /** The marker in {@code _docinfo/docinfo-header.html} the generated links replace. */
    static final String NAV_MARKER = "<!-- generated: recipe and page links -->";
    /** READMEs outside recipes/ that get a page of their own: folder, then the page's folder on the site. */
    static final List<List<String>> OTHER_PAGES = List.of(List.of("probe", "probe"),
            List.of("shared-testkit", "testkit"), List.of("tools/conformance", "conformance"),
            List.of("benchmarks", "benchmarks"));

    private final Path repo;
    private final Path out;
    private final Set<String> recipes = new LinkedHashSet<>();
    private final Set<Path> linkedFiles = new LinkedHashSet<>();
    private final List<String> snippets = new ArrayList<>();

    private SiteSources(Path repo, Path out) {
        this.repo = repo.toAbsolutePath().normalize();
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        Path repo = Path.of(args[0]);
        Path handWritten = Path.of(args[1]);
        Path out = Path.of(args[2]);
        new SiteSources(repo, out).write(handWritten);
    }

    private void write(Path handWritten) throws IOException {
        deleteRecursively(out);
        copyTree(handWritten, out);
        try (Stream<Path> dirs = Files.list(repo.resolve("recipes"))) {
            dirs.filter(d -> Files.exists(d.resolve("README.md"))).sorted()
                    .forEach(d -> recipes.add(d.getFileName().toString()));
        }
        for (String recipe : recipes) {
            writeRecipePage(recipe);
        }
        for (List<String> other : OTHER_PAGES) {
            if (other.get(0).equals("benchmarks")) {
                writeBenchmarksPage();
            } else {
                writeReadmePage(other.get(0), other.get(1));
            }
        }
        writeNavigation();
        for (Path file : linkedFiles) {
            writeSourcePage(file);
        }
        Files.writeString(out.resolve("snippets.tsv"), String.join("\n", snippets) + "\n");
        System.out.println("Site sources: " + recipes.size() + " recipe pages, " + linkedFiles.size()
                + " source pages, " + snippets.size() + " code regions -> " + out);
    }

    private void writeRecipePage(String recipe) throws IOException {
        Path dir = repo.resolve("recipes").resolve(recipe);
        MarkdownToAsciidoc converter = new MarkdownToAsciidoc(dest -> resolveLink(dir, dest), recipe + "-flow");
        String readme = Files.readString(dir.resolve("README.md"));
        String body = withPartsList(converter.convert(readme), recipe, writePartPages(recipe, dir, readme));
        StringBuilder page = new StringBuilder();
        int titleEnd = body.indexOf('\n');
        page.append(body, 0, titleEnd + 1)
                .append(":site-root: ..\n\n")
                .append(body.substring(titleEnd + 1));
        page.append("== Code from the tested source\n\n")
                .append("Each region below is included at build time from the file the recipe's tests run, by its tag.\n\n");
        for (Path file : taggedFiles(dir)) {
            String relative = repo.relativize(file).toString();
            linkedFiles.add(file);
            Matcher tags = TAG.matcher(Files.readString(file));
            while (tags.find()) {
                String tag = tags.group(1);
                String anchor = "snippet-" + file.getFileName().toString().replace(".java", "") + "-" + tag;
                snippets.add(String.join("\t", "recipes/" + recipe + ".html", anchor, relative, tag));
                page.append("[[").append(anchor).append("]]\n")
                        .append(".`").append(tag).append("` in link:../source/").append(sourcePageName(file))
                        .append(".html[").append(file.getFileName()).append("]\n")
                        .append("[source,java]\n----\ninclude::{repo-root}/").append(relative)
                        .append("[tag=").append(tag).append("]\n----\n\n");
            }
        }
        Files.createDirectories(out.resolve("recipes"));
        Files.writeString(out.resolve("recipes").resolve(recipe + ".adoc"), page.toString());
    }

    /** A page per part of the recipe (none for a flat one): the README's rows for its package, then its classes. */
    private List<RecipeParts.Part> writePartPages(String recipe, Path dir, String readme) throws IOException {
        List<RecipeParts.Part> parts = RecipeParts.of(dir);
        for (RecipeParts.Part part : parts) {
            // The page is a folder deeper than the recipe's: the README's relative links go one more level up.
            MarkdownToAsciidoc converter = new MarkdownToAsciidoc(dest -> {
                String href = resolveLink(dir, dest);
                return href != null && href.startsWith("../") ? "../" + href : href;
            }, recipe + "-" + part.page());
            StringBuilder page = new StringBuilder("= ").append(recipe).append(": ").append(part.label()).append('\n')
                    .append(":site-root: ../..\n\n")
                    .append("+++The package <code>").append(part.packageName()).append("</code> of the <a href=\"../")
                    .append(recipe).append(".html\">").append(recipe).append("</a> recipe, on a page of its own.+++\n\n");
            String rows = RecipeParts.readmeRows(readme, dir, part);
            if (!rows.isEmpty()) {
                page.append("== What the README says of it\n\n").append(converter.convert(rows));
            }
            page.append("== Its classes\n\n[%header,cols=\"1,3\"]\n|===\n| class\n| what its javadoc says first\n\n");
            for (Path file : part.classes()) {
                linkedFiles.add(file);
                String name = file.getFileName().toString().replace(".java", "");
                page.append("| +++<a href=\"../../source/").append(sourcePageName(file)).append(".html\"><code>").append(name)
                        .append("</code></a>+++\n| ").append(passthrough(javadocHtml(RecipeParts.firstSentence(file))))
                        .append("\n\n");
            }
            page.append("|===\n");
            Files.createDirectories(out.resolve("recipes").resolve(recipe));
            Files.writeString(out.resolve("recipes").resolve(recipe).resolve(part.page() + ".adoc"), page.toString());
        }
        return parts;
    }

    /** The list of part pages, at the end of the README's "The code" section (or of the page without one). */
    private static String withPartsList(String body, String recipe, List<RecipeParts.Part> parts) {
        if (parts.isEmpty()) {
            return body;
        }
        StringBuilder list = new StringBuilder("=== A page per part\n\n")
                .append("Each package on its own: the README's rows for it, its classes with the first sentence of their")
                .append(" javadoc, and their source.\n\n");
        for (RecipeParts.Part part : parts) {
            list.append("* +++<a href=\"").append(recipe).append('/').append(part.page()).append(".html\">")
                    .append(part.labelHtml()).append("</a>: ")
                    .append(String.join(", ", part.classes().stream()
                            .map(f -> f.getFileName().toString().replace(".java", "")).toList()))
                    .append("+++\n");
        }
        list.append('\n');
        Matcher code = CODE_SECTION.matcher(body);
        int next = code.find() ? body.indexOf("\n== ", code.end()) : -1;
        return next < 0 ? body + list : body.substring(0, next + 1) + list + body.substring(next + 1);
    }

    /** Javadoc text as HTML: inline tags become code, other markup is dropped. */
    private static String javadocHtml(String javadoc) {
        Matcher tag = INLINE_TAG.matcher(javadoc);
        StringBuilder html = new StringBuilder();
        int last = 0;
        while (tag.find()) {
            String text = tag.group(2).strip();
            if (tag.group(1).startsWith("link") && text.contains(" ")) {
                text = text.substring(text.indexOf(' ') + 1); // {@link Type label}: the label
            }
            html.append(prose(javadoc.substring(last, tag.start()))).append("<code>").append(escape(text)).append("</code>");
            last = tag.end();
        }
        return html.append(prose(javadoc.substring(last))).toString();
    }

    private static String prose(String javadoc) {
        return javadoc.replaceAll("<[^>]*>", "").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** HTML that AsciiDoc passes through untouched, safe in a table cell. */
    private static String passthrough(String html) {
        return html.isEmpty() ? "" : "+++" + html.replace("|", "&#124;").replace("+++", "&#43;&#43;&#43;") + "+++";
    }

    /** benchmarks/README.md, then the last committed results table (benchmarks/results.md, refreshed by make bench). */
    private void writeBenchmarksPage() throws IOException {
        Path dir = repo.resolve("benchmarks");
        if (!Files.exists(dir.resolve("README.md"))) {
            return;
        }
        String body = new MarkdownToAsciidoc(dest -> resolveLink(dir, dest), "benchmarks")
                .convert(Files.readString(dir.resolve("README.md")));
        int titleEnd = body.indexOf('\n');
        StringBuilder page = new StringBuilder(body.substring(0, titleEnd + 1)).append(":site-root: ..\n\n")
                .append(body.substring(titleEnd + 1));
        if (Files.exists(dir.resolve("results.md"))) {
            String results = Files.readString(dir.resolve("results.md"));
            page.append("\n== The last committed results\n\n")
                    .append(charts(ResultsTable.parse("benchmarks/results.md", results)))
                    .append(new MarkdownToAsciidoc(dest -> resolveLink(dir, dest), "benchmark-results").convert(results));
        }
        Files.createDirectories(out.resolve("benchmarks"));
        Files.writeString(out.resolve("benchmarks").resolve("index.adoc"), page.toString());
    }

    /** The charts of the results, drawn at build time, each an inline SVG passed through AsciiDoc. */
    private static String charts(ResultsTable results) {
        List<BarChart> charts = BenchmarkCharts.of(results);
        if (charts.isEmpty()) {
            return "";
        }
        StringBuilder adoc = new StringBuilder("The figures of the table below as charts, drawn when the site was built. ")
                .append("A dashed line is the bar a figure must meet; its verdict is written beside it.\n\n");
        for (BarChart chart : charts) {
            adoc.append("++++\n").append(chart.svg()).append("\n++++\n\n");
        }
        return adoc.toString();
    }

    /** A README outside recipes/ as a page of its own ({@code <site folder>/index.html}). */
    private void writeReadmePage(String folder, String siteFolder) throws IOException {
        Path dir = repo.resolve(folder);
        if (!Files.exists(dir.resolve("README.md"))) {
            return;
        }
        String body = new MarkdownToAsciidoc(dest -> resolveLink(dir, dest), siteFolder)
                .convert(Files.readString(dir.resolve("README.md")));
        int titleEnd = body.indexOf('\n');
        String page = body.substring(0, titleEnd + 1) + ":site-root: ..\n\n" + body.substring(titleEnd + 1);
        Files.createDirectories(out.resolve(siteFolder));
        Files.writeString(out.resolve(siteFolder).resolve("index.adoc"), page);
    }

    /** The navigation bar: the hand-written header with one link per recipe and per other page put in. */
    private void writeNavigation() throws IOException {
        Path header = out.resolve("_docinfo").resolve("docinfo-header.html");
        StringBuilder links = new StringBuilder();
        for (String recipe : recipes) {
            Path readme = repo.resolve("recipes").resolve(recipe).resolve("README.md");
            links.append("<a href=\"{site-root}/recipes/").append(recipe).append(".html\">")
                    .append(navLabel(readme, recipe)).append("</a>\n  ");
        }
        for (List<String> other : OTHER_PAGES) {
            Path readme = repo.resolve(other.get(0)).resolve("README.md");
            if (Files.exists(readme)) {
                links.append("<a href=\"{site-root}/").append(other.get(1)).append("/index.html\">")
                        .append(navLabel(readme, other.get(1))).append("</a>\n  ");
            }
        }
        String html = Files.readString(header);
        if (!html.contains(NAV_MARKER)) {
            throw new IllegalStateException(header + " lacks the marker " + NAV_MARKER);
        }
        Files.writeString(header, html.replace(NAV_MARKER, links.toString().strip()));
    }

    private static String navLabel(Path readme, String fallback) {
        Matcher label = NAV_LABEL.matcher(read(readme));
        return (label.find() ? label.group(1) : fallback).replace("&", "&amp;").replace("<", "&lt;");
    }

    private List<Path> taggedFiles(Path recipeDir) throws IOException {
        try (Stream<Path> files = Files.walk(recipeDir.resolve("src"))) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted()
                    .filter(f -> TAG.matcher(read(f)).find()).toList();
        }
    }

    private void writeSourcePage(Path file) throws IOException {
        String relative = repo.relativize(file).toString();
        String name = file.getFileName().toString();
        String language = name.endsWith(".java") ? "java" : name.endsWith(".json") ? "json"
                : name.endsWith(".sh") ? "bash" : name.endsWith(".xml") ? "xml" : "text";
        String page = "= " + relative + "\n:site-root: ..\n\n"
                + "The file as it is in the repository, included at build time.\n\n"
                + "[source," + language + "]\n----\ninclude::{repo-root}/" + relative + "[]\n----\n";
        Files.createDirectories(out.resolve("source"));
        Files.writeString(out.resolve("source").resolve(sourcePageName(file) + ".adoc"), page);
    }

    /**
     * A README link, as the site sees it: external links stay; a recipe README or folder becomes
     * its page; a file in the repository becomes its source page; anything else loses its link.
     */
    private String resolveLink(Path readmeDir, String destination) {
        if (destination.startsWith("#") || URI.create(destination.replace(" ", "%20")).isAbsolute()) {
            return destination;
        }
        String fragment = "";
        int hash = destination.indexOf('#');
        if (hash >= 0) {
            fragment = destination.substring(hash);
            destination = destination.substring(0, hash);
        }
        Path target = readmeDir.resolve(destination).normalize();
        if (!target.startsWith(repo) || !Files.exists(target)) {
            return null;
        }
        if (target.getFileName().toString().equals("README.md")) {
            target = target.getParent();
        }
        if (Files.isDirectory(target)) {
            if (target.getParent().equals(repo.resolve("recipes"))) {
                return "../recipes/" + target.getFileName() + ".html" + fragment;
            }
            for (List<String> other : OTHER_PAGES) {
                if (target.equals(repo.resolve(other.get(0))) && Files.exists(target.resolve("README.md"))) {
                    return "../" + other.get(1) + "/index.html" + fragment;
                }
            }
            return target.equals(repo) ? "../index.html" + fragment : null;
        }
        linkedFiles.add(target);
        return "../source/" + sourcePageName(target) + ".html";
    }

    private String sourcePageName(Path file) {
        return repo.relativize(file).toString().replace('/', '_');
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
