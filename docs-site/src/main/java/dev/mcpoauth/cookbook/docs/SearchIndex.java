package dev.mcpoauth.cookbook.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;

/**
 * Builds {@code search-index.json} from the rendered pages (build step after Asciidoctor): title,
 * path and plain text of every page, which {@code assets/search.js} searches in the browser. No
 * search service, nothing fetched from elsewhere.
 */
public final class SearchIndex {

    private SearchIndex() {
    }

    public static void main(String[] args) throws IOException {
        Path site = Path.of(args[0]);
        List<String> entries = new ArrayList<>();
        try (Stream<Path> pages = Files.walk(site)) {
            for (Path page : pages.filter(p -> p.toString().endsWith(".html")).sorted().toList()) {
                Document html = Jsoup.parse(page.toFile());
                html.select("#site-nav, #search, script, style").remove();
                String text = html.select("#content").text();
                entries.add("{\"path\":" + json(site.relativize(page).toString()) + ",\"title\":"
                        + json(html.title()) + ",\"text\":" + json(text) + "}");
            }
        }
        Files.writeString(site.resolve("search-index.json"), "[\n" + String.join(",\n", entries) + "\n]\n");
        System.out.println("Search index: " + entries.size() + " pages");
    }

    private static String json(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '<' -> out.append("\\u003c"); // never a literal tag in the index
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
