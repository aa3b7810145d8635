package dev.mcpoauth.cookbook.docs;

import dev.mcpoauth.cookbook.docs.ResultsTable.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A horizontal bar chart written as inline SVG at build time: groups of bars, one colour per series, each bar
 * labelled with its number; a group may have a bar to meet (a threshold, drawn as a dashed line), and then its
 * verdict is written out ("pass" / "MISS") on a tinted band, so it never rests on colour alone. Notes go under
 * the chart. The SVG loads nothing: no script, no link, no web font (the reader's sans-serif), no style sheet.
 * It is an image to assistive technology ({@code role="img"}), named by its {@code <title>} and described by a
 * {@code <desc>} that states every number.
 */
final class BarChart {

    /** One kind of bar, e.g. "with auth"; its colour is the fill of its bars and of its legend swatch. */
    record Series(String name, String colour) {
    }

    /** One bar: its series (index into the chart's series), its value on the axis, and the words drawn after it. */
    record Bar(int series, double value, String label) {
    }

    /** The bar a group must meet, on the same axis as its bars, and what the benchmark concluded. */
    record Limit(double value, String text, Verdict verdict) {
    }

    /** A row of the chart: its name, a smaller second line (may be empty), its bars, and a limit if it has one. */
    record Group(String label, String detail, List<Bar> bars, Optional<Limit> limit) {
    }

    /** A line under the chart, with the verdict it states (or {@link Verdict#NONE}). */
    record Note(String text, Verdict verdict) {
    }

    static final String PASS_COLOUR = "#1b6e34";
    static final String MISS_COLOUR = "#b3261e";
    private static final String PASS_BAND = "#e6f4ea";
    private static final String MISS_BAND = "#fbe9e7";
    private static final String FONT = "font-family=\"sans-serif\"";

    private static final int WIDTH = 800;
    private static final int PLOT_X = 260;
    private static final int PLOT_WIDTH = 330;
    private static final int BAR_HEIGHT = 16;
    private static final int BAR_GAP = 3;
    private static final int GROUP_PADDING = 8;
    private static final int NOTE_HEIGHT = 18;

    private final String id;
    private final String title;
    private final List<Series> series;
    private final List<Group> groups;
    private final List<Note> notes;

    /** @param id unique on the page: the {@code <title>} and {@code <desc>} ids derive from it */
    BarChart(String id, String title, List<Series> series, List<Group> groups, List<Note> notes) {
        this.id = id;
        this.title = title;
        this.series = List.copyOf(series);
        this.groups = List.copyOf(groups);
        this.notes = List.copyOf(notes);
    }

    String title() {
        return title;
    }

    List<Group> groups() {
        return groups;
    }

    @Override
    public String toString() {
        return title;
    }

    String svg() {
        double max = axisMax();
        StringBuilder body = new StringBuilder();
        int y = 30;
        body.append("<text x=\"8\" y=\"20\" ").append(FONT).append(" font-size=\"15\" font-weight=\"bold\" fill=\"#1f2d3d\">")
                .append(escape(title)).append("</text>\n");
        y = legend(body, y);
        for (Group group : groups) {
            y = group(body, group, y, max);
        }
        body.append("<line x1=\"").append(PLOT_X).append("\" y1=\"").append(legendBottom()).append("\" x2=\"").append(PLOT_X)
                .append("\" y2=\"").append(y).append("\" stroke=\"#555\" stroke-width=\"1\"/>\n");
        y += 6;
        for (Note note : notes) {
            y += NOTE_HEIGHT;
            body.append("<text x=\"8\" y=\"").append(y - 5).append("\" ").append(FONT).append(" font-size=\"12\" fill=\"#333\">")
                    .append(escape(note.text()));
            if (note.verdict() != Verdict.NONE) {
                body.append(": ").append(verdictSpan(note.verdict()));
            }
            body.append("</text>\n");
        }
        int height = y + 8;
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"benchmark-chart\" role=\"img\" width=\"" + WIDTH
                + "\" height=\"" + height + "\" viewBox=\"0 0 " + WIDTH + " " + height + "\" aria-labelledby=\"" + id
                + "-title " + id + "-desc\">\n<title id=\"" + id + "-title\">" + escape(title) + "</title>\n<desc id=\"" + id
                + "-desc\">" + escape(description()) + "</desc>\n" + body + "</svg>";
    }

    /** Every number of the chart in words, for a screen reader. */
    String description() {
        List<String> parts = new ArrayList<>();
        for (Group group : groups) {
            StringBuilder part = new StringBuilder(group.label()).append(": ");
            List<String> bars = new ArrayList<>();
            for (Bar bar : group.bars()) {
                bars.add(series.get(bar.series()).name() + " " + bar.label());
            }
            part.append(String.join(", ", bars));
            group.limit().ifPresent(limit -> part.append("; ").append(limit.text()).append(": ").append(word(limit.verdict())));
            parts.add(part.toString());
        }
        for (Note note : notes) {
            parts.add(note.text() + (note.verdict() == Verdict.NONE ? "" : ": " + word(note.verdict())));
        }
        return String.join(". ", parts) + ".";
    }

    private int legend(StringBuilder body, int y) {
        int x = 8;
        int top = y + 4;
        for (Series s : usedSeries()) {
            body.append("<rect x=\"").append(x).append("\" y=\"").append(top).append("\" width=\"12\" height=\"12\" fill=\"")
                    .append(s.colour()).append("\"/>\n<text x=\"").append(x + 17).append("\" y=\"").append(top + 11).append("\" ")
                    .append(FONT).append(" font-size=\"12\" fill=\"#333\">").append(escape(s.name())).append("</text>\n");
            x += 30 + 7 * s.name().length();
        }
        if (groups.stream().anyMatch(g -> g.limit().isPresent())) {
            body.append("<line x1=\"").append(x).append("\" y1=\"").append(top + 6).append("\" x2=\"").append(x + 18)
                    .append("\" y2=\"").append(top + 6).append("\" stroke=\"#222\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n")
                    .append("<text x=\"").append(x + 23).append("\" y=\"").append(top + 11).append("\" ").append(FONT)
                    .append(" font-size=\"12\" fill=\"#333\">the bar to meet</text>\n");
        }
        return legendBottom();
    }

    /** The series some bar belongs to: a legend entry with no bar would name something the chart does not show. */
    private List<Series> usedSeries() {
        return series.stream().filter(s -> groups.stream().flatMap(g -> g.bars().stream())
                .anyMatch(b -> series.get(b.series()) == s)).toList();
    }

    private static int legendBottom() {
        return 54;
    }

    private int group(StringBuilder body, Group group, int top, double max) {
        int barsHeight = group.bars().size() * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
        int height = Math.max(barsHeight, group.detail().isEmpty() && group.limit().isEmpty() ? BAR_HEIGHT : 32) + 2 * GROUP_PADDING;
        int middle = top + height / 2;
        group.limit().ifPresent(limit -> body.append("<rect x=\"0\" y=\"").append(top + 1).append("\" width=\"").append(WIDTH)
                .append("\" height=\"").append(height - 2).append("\" fill=\"")
                .append(limit.verdict() == Verdict.MISS ? MISS_BAND : PASS_BAND).append("\"/>\n"));
        if (group.detail().isEmpty()) {
            text(body, 8, middle + 5, 13, "#111", group.label());
        } else {
            text(body, 8, middle - 3, 13, "#111", group.label());
            text(body, 8, middle + 13, 11, "#444", group.detail());
        }
        group.limit().ifPresent(limit -> {
            long x = PLOT_X + Math.round(limit.value() / max * PLOT_WIDTH);
            body.append("<line x1=\"").append(x).append("\" y1=\"").append(top + 3).append("\" x2=\"").append(x).append("\" y2=\"")
                    .append(top + height - 3).append("\" stroke=\"#222\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n")
                    .append("<text x=\"").append(WIDTH - 8).append("\" y=\"").append(middle - 3)
                    .append("\" text-anchor=\"end\" ").append(FONT).append(" font-size=\"13\">")
                    .append(verdictSpan(limit.verdict())).append("</text>\n")
                    .append("<text x=\"").append(WIDTH - 8).append("\" y=\"").append(middle + 13)
                    .append("\" text-anchor=\"end\" ").append(FONT).append(" font-size=\"11\" fill=\"#444\">")
                    .append(escape(limit.text())).append("</text>\n");
        });
        int barTop = top + (height - barsHeight) / 2;
        for (Bar bar : group.bars()) {
            int width = (int) Math.round(bar.value() / max * PLOT_WIDTH);
            body.append("<rect x=\"").append(PLOT_X).append("\" y=\"").append(barTop).append("\" width=\"").append(width)
                    .append("\" height=\"").append(BAR_HEIGHT).append("\" fill=\"").append(series.get(bar.series()).colour())
                    .append("\"/>\n");
            // A light outline keeps the number readable where the dashed line crosses it.
            body.append("<text x=\"").append(PLOT_X + width + 6).append("\" y=\"").append(barTop + 12).append("\" ").append(FONT)
                    .append(" font-size=\"12\" fill=\"#111\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">")
                    .append(escape(bar.label())).append("</text>\n");
            barTop += BAR_HEIGHT + BAR_GAP;
        }
        return top + height;
    }

    private static void text(StringBuilder body, int x, int y, int size, String colour, String text) {
        body.append("<text x=\"").append(x).append("\" y=\"").append(y).append("\" ").append(FONT).append(" font-size=\"")
                .append(size).append("\" fill=\"").append(colour).append("\">").append(escape(text)).append("</text>\n");
    }

    private static String verdictSpan(Verdict verdict) {
        return "<tspan font-weight=\"bold\" fill=\"" + (verdict == Verdict.MISS ? MISS_COLOUR : PASS_COLOUR) + "\">"
                + word(verdict) + "</tspan>";
    }

    static String word(Verdict verdict) {
        return switch (verdict) {
            case PASS -> "pass";
            case MISS -> "MISS";
            case NONE -> "no bar";
        };
    }

    /** The axis runs from 0 to the largest bar or limit, so every bar and every dashed line is inside the plot. */
    private double axisMax() {
        double max = 0;
        for (Group group : groups) {
            for (Bar bar : group.bars()) {
                max = Math.max(max, bar.value());
            }
            max = Math.max(max, group.limit().map(Limit::value).orElse(0.0));
        }
        return max > 0 ? max : 1;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
