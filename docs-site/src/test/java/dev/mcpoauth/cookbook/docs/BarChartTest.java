package dev.mcpoauth.cookbook.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.docs.BarChart.Bar;
import dev.mcpoauth.cookbook.docs.BarChart.Group;
import dev.mcpoauth.cookbook.docs.BarChart.Limit;
import dev.mcpoauth.cookbook.docs.BarChart.Note;
import dev.mcpoauth.cookbook.docs.BarChart.Series;
import dev.mcpoauth.cookbook.docs.ResultsTable.Verdict;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The SVG of every chart drawn from the issue-24 fixture, and of a small chart built by hand. */
class BarChartTest {

    private static final String SVG = "http://www.w3.org/2000/svg";

    static Stream<BarChart> charts() throws Exception {
        return BenchmarkCharts.of(BenchmarkChartsTest.fixture("issue-24.md")).stream();
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> texts(Document svg) {
        NodeList nodes = svg.getElementsByTagNameNS(SVG, "text");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            texts.add(nodes.item(i).getTextContent());
        }
        return texts;
    }

    private static BarChart ratioChart(String label) {
        return new BarChart("chart-x", "Ratio <against> & \"bar\"", List.of(new Series("with auth", "#2f6fa8")),
                List.of(new Group(label, "1040 of 1102 calls/s", List.of(new Bar(0, 0.94, "0.94")),
                                Optional.of(new Limit(0.90, "bar >= 0.90", Verdict.PASS))),
                        new Group("Spring", "", List.of(new Bar(0, 0.52, "0.52")),
                                Optional.of(new Limit(0.90, "bar >= 0.90", Verdict.MISS)))),
                List.of(new Note("Ahead of the peer", Verdict.MISS)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("charts")
    void isWellFormedSvg(BarChart chart) throws Exception {
        Document svg = parse(chart.svg());

        assertThat(svg.getDocumentElement().getNamespaceURI()).isEqualTo(SVG);
        assertThat(svg.getDocumentElement().getLocalName()).isEqualTo("svg");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("charts")
    void isAnImageNamedByItsTitleAndDescribedInWords(BarChart chart) throws Exception {
        Element root = parse(chart.svg()).getDocumentElement();

        assertThat(root.getAttribute("role")).isEqualTo("img");
        Element title = (Element) root.getElementsByTagNameNS(SVG, "title").item(0);
        Element desc = (Element) root.getElementsByTagNameNS(SVG, "desc").item(0);
        assertThat(title.getTextContent()).isEqualTo(chart.title());
        assertThat(root.getAttribute("aria-labelledby")).isEqualTo(title.getAttribute("id") + " " + desc.getAttribute("id"));
        assertThat(desc.getTextContent()).isEqualTo(chart.description());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("charts")
    void writesEveryBarsNumberAsText(BarChart chart) throws Exception {
        List<String> texts = texts(parse(chart.svg()));

        for (Group group : chart.groups()) {
            for (Bar bar : group.bars()) {
                assertThat(texts).as(group.label()).contains(bar.label());
                assertThat(chart.description()).contains(bar.label());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("charts")
    void loadsNothingAndUsesOnlyAGenericFont(BarChart chart) throws Exception {
        String svg = chart.svg();

        assertThat(svg).doesNotContainIgnoringCase("<script").doesNotContainIgnoringCase("href")
                .doesNotContainIgnoringCase("@font-face").doesNotContainIgnoringCase("url(")
                .doesNotContainIgnoringCase("<style").doesNotContain("<image").doesNotContain("<foreignObject");
        assertThat(svg).contains("font-family=\"");
        assertThat(Stream.of(svg.split("font-family=\"", -1)).skip(1)).allSatisfy(rest -> assertThat(rest).startsWith("sans-serif\""));
    }

    @Test
    void writesTheVerdictInWordsAndInColour() throws Exception {
        String svg = ratioChart("Javalin").svg();

        assertThat(svg).contains("fill=\"" + BarChart.PASS_COLOUR + "\">pass</tspan>")
                .contains("fill=\"" + BarChart.MISS_COLOUR + "\">MISS</tspan>");
        assertThat(texts(parse(svg))).contains("bar >= 0.90", "Ahead of the peer: MISS");
    }

    @Test
    void drawsTheBarToMeetAsADashedLine() throws Exception {
        NodeList lines = parse(ratioChart("Javalin").svg()).getElementsByTagNameNS(SVG, "line");

        int dashed = 0;
        for (int i = 0; i < lines.getLength(); i++) {
            dashed += ((Element) lines.item(i)).hasAttribute("stroke-dasharray") ? 1 : 0;
        }
        assertThat(dashed).isEqualTo(3); // one per group, one in the legend
    }

    @Test
    void escapesTheTextItDraws() throws Exception {
        Document svg = parse(ratioChart("<Javalin> & co").svg());

        assertThat(texts(svg)).contains("<Javalin> & co", "Ratio <against> & \"bar\"");
    }

    @Test
    void describesEveryGroupWithItsVerdict() {
        assertThat(ratioChart("Javalin").description()).isEqualTo("Javalin: with auth 0.94; bar >= 0.90: pass. "
                + "Spring: with auth 0.52; bar >= 0.90: MISS. Ahead of the peer: MISS.");
    }
}
