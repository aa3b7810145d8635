package dev.mcpoauth.cookbook.docs;

import dev.mcpoauth.cookbook.docs.BarChart.Bar;
import dev.mcpoauth.cookbook.docs.BarChart.Group;
import dev.mcpoauth.cookbook.docs.BarChart.Limit;
import dev.mcpoauth.cookbook.docs.BarChart.Note;
import dev.mcpoauth.cookbook.docs.BarChart.Series;
import dev.mcpoauth.cookbook.docs.ResultsTable.Column;
import dev.mcpoauth.cookbook.docs.ResultsTable.Row;
import dev.mcpoauth.cookbook.docs.ResultsTable.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark page's charts, each read from the rows of {@code benchmarks/results.md} by their figure text:
 * the auth-overhead ratios against their bar, the throughputs with and without auth, the latency through the
 * gateway and through github-proxy against direct calls, the full flow against its bar. A chart whose rows are
 * not in the table is left out (a partial run, an older table); a row that is there but does not read as
 * expected stops the build ({@link Row#unreadable}).
 */
final class BenchmarkCharts {

    /** "Auth overhead, Javalin: tools/call throughput, 4 clients"; the peer's adds its stack in parentheses. */
    static final Pattern THROUGHPUT = Pattern.compile("Auth overhead, (?<who>[^:]+?)(?: \\((?<stack>[^)]*)\\))?: tools/call throughput");
    static final Pattern AHEAD_OF_PEER = Pattern.compile("Ahead of the peer");
    static final Pattern RETURNING_USER = Pattern.compile("Full flow, returning user");
    static final Pattern FIRST_SIGN_IN = Pattern.compile("Full flow, first sign-in");
    static final Pattern ANY_FULL_FLOW = Pattern.compile("Full flow");

    private static final String BLUE = "#2f6fa8";
    private static final String LIGHT_BLUE = "#9fbfdc";
    private static final String GREY = "#8c8c8c";
    private static final String AMBER = "#d08a1c";

    /** A latency figure: its name in the table, and what its two sides are called. */
    private record Latency(String id, String name, String title, String through, String direct) {

        Pattern percentiles() {
            return Pattern.compile(Pattern.quote(name) + " latency percentiles (?<labels>p[\\d.]+(?: / p[\\d.]+)*)");
        }

        Pattern added() {
            return Pattern.compile(Pattern.quote(name) + " added latency, (?<label>p[\\d.]+)\\b");
        }
    }

    private static final List<Latency> LATENCIES = List.of(
            new Latency("gateway-latency", "Gateway", "Gateway latency (1 client, tools/call): through the gateway and direct",
                    "through the gateway", "straight to the notes backend"),
            new Latency("github-proxy-latency", "github-proxy",
                    "github-proxy latency (1 client, tools/call whoami): through the proxy and direct",
                    "through github-proxy", "GET /user straight to the GitHub emulator"));

    private BenchmarkCharts() {
    }

    /** The charts the table has rows for, in the page's order. */
    static List<BarChart> of(ResultsTable table) {
        List<BarChart> charts = new ArrayList<>();
        List<Row> throughputs = table.findAll(THROUGHPUT);
        if (!throughputs.isEmpty()) {
            charts.add(ratios(throughputs, table.find(AHEAD_OF_PEER)));
            charts.add(throughputs(throughputs));
        }
        for (Latency latency : LATENCIES) {
            latency(table, latency).ifPresent(charts::add);
        }
        fullFlow(table).ifPresent(charts::add);
        return charts;
    }

    private static BarChart ratios(List<Row> rows, Optional<Row> aheadOfPeer) {
        List<Group> groups = new ArrayList<>();
        List<Note> notes = new ArrayList<>();
        boolean peer = false;
        for (Row row : rows) {
            Matcher figure = THROUGHPUT.matcher(row.figure());
            figure.lookingAt();
            boolean isPeer = figure.group("stack") != null;
            peer |= isPeer;
            double ratio = row.number(Column.RESULT);
            String detail = row.numberText(Column.MEASURED) + " of " + row.numberText(Column.BASELINE) + " calls/s";
            groups.add(new Group(figure.group("who"), detail + (isPeer ? ", no bar of its own" : ""),
                    List.of(new Bar(isPeer ? 1 : 0, ratio, row.numberText(Column.RESULT))), limit(row, 0, "bar ")));
            if (isPeer) {
                notes.add(new Note(figure.group("who") + ": " + figure.group("stack"), Verdict.NONE));
            }
        }
        aheadOfPeer.ifPresent(row -> notes.add(new Note("Ahead of the peer: " + row.cell(Column.RESULT), row.verdict())));
        List<Series> series = peer
                ? List.of(new Series("with auth ÷ without auth", BLUE), new Series("the peer's, for comparison", GREY))
                : List.of(new Series("with auth ÷ without auth", BLUE));
        return new BarChart("chart-auth-ratio", "Auth overhead: throughput with auth as a share of without auth",
                series, groups, notes);
    }

    private static BarChart throughputs(List<Row> rows) {
        List<Group> groups = new ArrayList<>();
        for (Row row : rows) {
            Matcher figure = THROUGHPUT.matcher(row.figure());
            figure.lookingAt();
            groups.add(new Group(figure.group("who"), "", List.of(bar(0, row, Column.MEASURED, " calls/s"),
                    bar(1, row, Column.BASELINE, " calls/s")), Optional.empty()));
        }
        return new BarChart("chart-auth-throughput", "Auth overhead: tools/call throughput with and without auth (4 clients)",
                List.of(new Series("with auth", BLUE), new Series("without auth", LIGHT_BLUE)), groups, List.of());
    }

    /** Every percentile of the percentiles row if there is one, else the p50 and p99 rows; each bar at its percentile. */
    private static Optional<BarChart> latency(ResultsTable table, Latency latency) {
        List<String> labels = new ArrayList<>();
        List<String> through = new ArrayList<>();
        List<String> direct = new ArrayList<>();
        Optional<Row> distribution = table.find(latency.percentiles());
        List<Row> added = table.findAll(latency.added());
        if (distribution.isPresent()) {
            Matcher figure = latency.percentiles().matcher(distribution.get().figure());
            figure.lookingAt();
            labels.addAll(List.of(figure.group("labels").split(" / ")));
            through.addAll(distribution.get().numberTexts(Column.MEASURED, labels.size()));
            direct.addAll(distribution.get().numberTexts(Column.BASELINE, labels.size()));
        } else {
            for (Row row : added) {
                labels.add(label(latency.added(), row));
                through.add(row.numberText(Column.MEASURED));
                direct.add(row.numberText(Column.BASELINE));
            }
        }
        if (labels.isEmpty()) {
            return Optional.empty();
        }
        List<Group> groups = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            String label = labels.get(i);
            Optional<Row> bar = added.stream().filter(r -> label(latency.added(), r).equals(label)).findFirst();
            String detail = bar.map(r -> "added " + r.numberText(Column.RESULT) + " ms").orElse("");
            double directHere = Double.parseDouble(direct.get(i));
            // The bar is a time added to the direct call: its line is drawn at direct + bar.
            Optional<Limit> limit = bar.flatMap(r -> limit(r, directHere, "bar: added "));
            groups.add(new Group(label, detail, List.of(new Bar(0, Double.parseDouble(through.get(i)), through.get(i) + " ms"),
                    new Bar(1, directHere, direct.get(i) + " ms")), limit));
        }
        return Optional.of(new BarChart("chart-" + latency.id(), latency.title(),
                List.of(new Series(latency.through(), BLUE), new Series(latency.direct(), LIGHT_BLUE)), groups, List.of()));
    }

    private static String label(Pattern added, Row row) {
        Matcher figure = added.matcher(row.figure());
        figure.lookingAt();
        return figure.group("label");
    }

    /** The returning-user and first sign-in rows; the single full-flow row of older tables when they are absent. */
    private static Optional<BarChart> fullFlow(ResultsTable table) {
        Optional<Row> returning = table.find(RETURNING_USER);
        Optional<Row> firstSignIn = table.find(FIRST_SIGN_IN);
        List<Group> groups = new ArrayList<>();
        List<Note> notes = new ArrayList<>();
        returning.ifPresent(row -> {
            row.numbers(Column.BASELINE, 2); // min and max
            groups.add(new Group("returning user", row.cell(Column.BASELINE),
                    List.of(bar(0, row, Column.MEASURED, " ms")), limit(row, 0, "bar ")));
        });
        firstSignIn.ifPresent(row -> {
            row.numbers(Column.BASELINE, 2);
            groups.add(new Group("first sign-in", row.cell(Column.BASELINE), List.of(bar(0, row, Column.MEASURED, " ms"),
                    bar(1, row, Column.RESULT, " ms")), limit(row, 0, "bar ")));
            notes.add(new Note("First sign-in: its login POST (Keycloak checking the password's hash) shown apart", Verdict.NONE));
        });
        if (groups.isEmpty()) {
            Optional<Row> older = table.find(ANY_FULL_FLOW);
            if (older.isEmpty()) {
                return Optional.empty();
            }
            Row row = older.get();
            row.numbers(Column.BASELINE, 2);
            groups.add(new Group("every run signs in", row.cell(Column.BASELINE),
                    List.of(bar(0, row, Column.MEASURED, " ms")), limit(row, 0, "bar ")));
            notes.add(new Note("This table has the single full-flow row of older runs (a new browser, so a sign-in, each run)",
                    Verdict.NONE));
        }
        return Optional.of(new BarChart("chart-full-flow",
                "Full flow, bare URL to first tools/call against local Keycloak (median of 7)",
                List.of(new Series("the whole flow", BLUE), new Series("of which the login POST", AMBER)), groups, notes));
    }

    /** A bar of the row's one number in that cell, labelled as the table writes it. */
    private static Bar bar(int series, Row row, Column column, String unit) {
        return new Bar(series, row.number(column), row.numberText(column) + unit);
    }

    /** The row's bar, moved by {@code offset} (a latency bar is an added time: direct + bar); none for "-". */
    private static Optional<Limit> limit(Row row, double offset, String prefix) {
        if (row.cell(Column.BAR).equals("-")) {
            return Optional.empty();
        }
        Verdict verdict = row.verdict();
        if (verdict == Verdict.NONE) {
            throw row.unreadable("it has the bar '" + row.cell(Column.BAR) + "' but the verdict '-'");
        }
        return Optional.of(new Limit(offset + row.number(Column.BAR), prefix + row.cell(Column.BAR), verdict));
    }
}
