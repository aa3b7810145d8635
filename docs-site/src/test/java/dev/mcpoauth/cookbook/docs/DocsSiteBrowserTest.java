package dev.mcpoauth.cookbook.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The built site (target/site) served on loopback and opened in Debian's Chromium, headless, through
 * Playwright (which is told never to download a browser). Requests to any other host are blocked
 * and recorded: the site must not need them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocsSiteBrowserTest {

    private static final Path SITE = Path.of("target", "site");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private DocsServer server;
    private Playwright playwright;
    private Browser browser;
    private BrowserContext context;
    private final List<String> foreignRequests = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                "Debian's Chromium is needed for the docs tests: apt-get install chromium (.ci/run installs it)");
        server = new DocsServer(SITE, 0);
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(CHROMIUM)
                .setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run")));
        context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
        context.route("**/*", route -> {
            String host = URI.create(route.request().url()).getHost();
            if ("127.0.0.1".equals(host)) {
                route.resume();
            } else {
                foreignRequests.add(route.request().url());
                route.abort();
            }
        });
    }

    @AfterAll
    void stop() {
        if (context != null) {
            context.close();
            browser.close();
            playwright.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyPageLoadsWithoutConsoleErrorsFailedRequestsOrForeignRequests() throws Exception {
        List<String> problems = new ArrayList<>();
        for (String path : pages()) {
            Page page = context.newPage();
            page.onConsoleMessage(message -> {
                if ("error".equals(message.type())) {
                    problems.add(path + ": console error " + message.text());
                }
            });
            page.onRequestFailed(request -> problems.add(path + ": failed request " + request.url()));
            page.onResponse(response -> {
                if (response.status() >= 400) {
                    problems.add(path + ": " + response.status() + " for " + response.url());
                }
            });
            page.navigate(server.url().resolve(path).toString());
            page.waitForLoadState();
            assertThat(page.title()).as(path).isNotBlank();
            page.close();
        }
        assertThat(problems).isEmpty();
        assertThat(foreignRequests).isEmpty();
        assertThat(pages()).contains("index.html", "rfc-by-rfc.html", "several-instances.html", "recipes/keycloak-dcr.html",
                "recipes/resource-server-spring.html", "recipes/resource-server-micronaut.html",
                "recipes/resource-server-javalin.html", "probe/index.html");
    }

    @Test
    void theNavigationBarLinksEveryRecipeFromItsReadme() throws Exception {
        // Generated from recipes/*/README.md: a new recipe appears without editing the site.
        List<String> recipes;
        try (Stream<Path> dirs = Files.list(Path.of("..", "recipes"))) {
            recipes = dirs.filter(d -> Files.exists(d.resolve("README.md"))).map(d -> d.getFileName().toString()).toList();
        }
        Page page = context.newPage();
        page.navigate(server.url().resolve("recipes/keycloak-dcr.html").toString());
        List<String> hrefs = page.locator("#site-nav a").all().stream().map(a -> a.getAttribute("href")).toList();
        List<String> labels = page.locator("#site-nav a").allInnerTexts();
        page.close();

        assertThat(recipes).isNotEmpty();
        for (String recipe : recipes) {
            assertThat(hrefs).as("nav link to " + recipe).contains("../recipes/" + recipe + ".html");
        }
        assertThat(hrefs).contains("../probe/index.html", "../benchmarks/index.html");
        assertThat(labels).doesNotHaveDuplicates().allSatisfy(label -> assertThat(label).isNotBlank().hasSizeLessThan(30));
    }

    @Test
    void everyInternalLinkResolvesToAPageAndAnchor() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (String path : pages()) {
            Document html = Jsoup.parse(SITE.resolve(path).toFile(), "UTF-8", server.url().resolve(path).toString());
            for (Element link : html.select("a[href]")) {
                String href = link.attr("href");
                if (href.startsWith("http://") || href.startsWith("https://") || href.startsWith("mailto:")) {
                    continue; // links to other sites are fine; only loading from them is not
                }
                URI target = URI.create(link.absUrl("href"));
                URI page = new URI(target.getScheme(), target.getAuthority(), target.getPath(), null, null);
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(page).build(),
                        HttpResponse.BodyHandlers.ofString());
                checked++;
                if (response.statusCode() != 200) {
                    broken.add(path + " -> " + href + " (" + response.statusCode() + ")");
                } else if (target.getFragment() != null && !target.getFragment().isEmpty()
                        && Jsoup.parse(response.body()).getElementById(target.getFragment()) == null) {
                    broken.add(path + " -> " + href + " (no such anchor)");
                }
            }
        }
        assertThat(broken).isEmpty();
        assertThat(checked).isGreaterThan(50);
    }

    @Test
    void everyIncludedSnippetMatchesItsTaggedSourceRegion() throws Exception {
        List<String> rows = Files.readAllLines(SITE.resolve("snippets.tsv")).stream().filter(r -> !r.isBlank()).toList();
        assertThat(rows).hasSizeGreaterThanOrEqualTo(15);
        for (String row : rows) {
            String[] f = row.split("\t"); // page, anchor, source file, tag
            Document page = Jsoup.parse(SITE.resolve(f[0]).toFile(), "UTF-8");
            Element block = page.getElementById(f[1]);
            assertThat(block).as(row).isNotNull();
            String rendered = block.selectFirst("pre code, pre").wholeText();
            String source = taggedRegion(Path.of("..").resolve(f[2]), f[3]);

            assertThat(source).as(row).isNotBlank();
            assertThat(normalize(rendered)).as(row).isEqualTo(normalize(source));
        }
    }

    @Test
    void everyRecipeFlowDiagramIsRenderedToAnImage() {
        for (String recipe : List.of("keycloak-dcr", "resource-server-spring", "resource-server-micronaut",
                "resource-server-javalin")) {
            Page page = context.newPage();
            page.navigate(server.url().resolve("recipes/" + recipe + ".html").toString());
            Object width = page.evalOnSelector("img[src$='" + recipe + "-flow.svg']", "img => img.naturalWidth");

            assertThat(((Number) width).intValue()).as(recipe).isGreaterThan(300);
            page.close();
        }
    }

    @Test
    void theBenchmarkPageShowsTheResultsAsCharts() throws Exception {
        List<String> expected = BenchmarkCharts.of(ResultsTable.parse("results.md",
                Files.readString(Path.of("..", "benchmarks", "results.md")))).stream().map(BarChart::title).toList();
        Page page = context.newPage();
        page.navigate(server.url().resolve("benchmarks/index.html").toString());

        Locator charts = page.locator("svg[role=img]");

        assertThat(expected).hasSize(5);
        assertThat(charts.locator("title").allTextContents()).isEqualTo(expected);
        for (Locator chart : charts.all()) {
            assertThat(chart.boundingBox().width).as(chart.locator("title").textContent()).isGreaterThan(300);
            assertThat(chart.locator("text").allTextContents()).as(chart.locator("title").textContent())
                    .anySatisfy(text -> assertThat(text).matches(".*\\d.*"));
        }
        assertThat(charts.first().locator("text").allTextContents()).contains("Javalin", "Spring", "Micronaut")
                .anySatisfy(verdict -> assertThat(verdict).isIn("pass", "MISS"));
        charts.first().screenshot(new Locator.ScreenshotOptions().setPath(Path.of("target", "screenshots", "benchmark-chart.png")));
        page.close();
    }

    @Test
    void aRecipePartHasAPageThatLinksEachOfItsClassesToItsSource() throws Exception {
        List<String> classes;
        try (Stream<Path> files = Files.list(Path.of("..", "recipes", "github-proxy", "src", "main", "java", "dev", "mcpoauth",
                "cookbook", "githubproxy", "consent"))) {
            classes = files.map(f -> f.getFileName().toString().replace(".java", "")).sorted().toList();
        }
        Page page = context.newPage();
        page.navigate(server.url().resolve("recipes/github-proxy.html").toString());

        page.click("a[href='github-proxy/consent.html']");
        page.waitForLoadState();

        assertThat(page.url()).endsWith("/recipes/github-proxy/consent.html");
        assertThat(page.locator("h1").innerText()).isEqualTo("github-proxy: consent");
        assertThat(page.locator("h2").allInnerTexts()).containsExactly("What the README says of it", "Its classes");
        Locator classLinks = page.locator("#_its_classes + .sectionbody td:first-child a");
        assertThat(classLinks.allInnerTexts()).isEqualTo(classes).isNotEmpty();
        classLinks.first().click();
        page.waitForLoadState();
        assertThat(page.url()).contains("/source/recipes_github-proxy_src_main_java_");
        assertThat(page.locator("pre code").innerText()).contains("class " + classes.get(0));
        page.close();
    }

    @Test
    void everyRecipePageLinksToTheTestsThatProveIt() throws Exception {
        for (String path : pages()) {
            if (path.matches("recipes/[^/]+\\.html")) { // a recipe's page; its part pages list classes
                Document html = Jsoup.parse(SITE.resolve(path).toFile(), "UTF-8");
                assertThat(html.select("a[href*=_src_test_java_]")).as(path).isNotEmpty();
            }
        }
    }

    @Test
    void searchFindsARecipeByATermFromItsBody() throws Exception {
        Page page = context.newPage();
        page.navigate(server.url().resolve("index.html").toString());
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target", "screenshots", "landing.png")).setFullPage(true));

        page.fill("#search-input", "RedirectFetchingUserAgent");
        page.waitForSelector("#search-results li a");

        // The recipe's page is among the hits (the class's own source page may rank first, its name being the term).
        assertThat(page.locator("#search-results li a").all()).extracting(a -> a.getAttribute("href"))
                .anySatisfy(href -> assertThat(href).endsWith("recipes/keycloak-dcr.html"));
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target", "screenshots", "search.png")));
        page.navigate(server.url().resolve("recipes/keycloak-dcr.html").toString());
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target", "screenshots", "keycloak-dcr.png")));
        page.close();
    }

    private static List<String> pages() throws Exception {
        try (Stream<Path> files = Files.walk(SITE)) {
            return files.filter(p -> p.toString().endsWith(".html")).map(p -> SITE.relativize(p).toString()).sorted().toList();
        }
    }

    /** The lines between {@code tag::name[]} and {@code end::name[]}, as Asciidoctor's include takes them. */
    private static String taggedRegion(Path file, String tag) throws Exception {
        StringBuilder region = new StringBuilder();
        boolean inside = false;
        for (String line : Files.readAllLines(file)) {
            if (line.contains("tag::" + tag + "[]")) {
                inside = true;
            } else if (line.contains("end::" + tag + "[]")) {
                inside = false;
            } else if (inside && !line.matches(".*(tag|end)::[\\w-]+\\[\\].*")) {
                region.append(line).append('\n');
            }
        }
        return region.toString();
    }

    private static String normalize(String code) {
        return code.lines().map(String::stripTrailing).reduce((a, b) -> a + "\n" + b).orElse("").strip();
    }
}
