package dev.mcpoauth.cookbook.docs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rows of {@code benchmarks/results.md}: every Markdown pipe-table row, whatever table it is in, read as
 * {@code | figure | measured | baseline | result | bar | verdict |}. A row is found by its figure text; its cells
 * are read as numbers only when asked, and a cell that does not hold what is asked for fails with a message
 * naming the row and the cell, so a change in the benchmark's wording never drops a chart without a word.
 */
final class ResultsTable {

    enum Column { MEASURED, BASELINE, RESULT, BAR, VERDICT }

    /** What the benchmark concluded: {@code pass}, {@code **MISS**}, or {@code -} for a figure with no bar. */
    enum Verdict { PASS, MISS, NONE }

    private static final Pattern NUMBER = Pattern.compile("[+-]?\\d+(?:\\.\\d+)?");

    private final String source;
    private final List<Row> rows;

    private ResultsTable(String source, List<Row> rows) {
        this.source = source;
        this.rows = rows;
    }

    /** @param source the file's name, for error messages */
    static ResultsTable parse(String source, String markdown) {
        List<Row> rows = new ArrayList<>();
        for (String line : markdown.lines().map(String::strip).toList()) {
            if (line.length() < 2 || !line.startsWith("|") || !line.endsWith("|") || line.matches("\\|[\\s|:-]*\\|")) {
                continue; // not a table row, or the header's |---| line
            }
            List<String> cells = Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1))
                    .map(String::strip).toList();
            if (!cells.get(0).equals("figure")) { // the header
                rows.add(new Row(source, cells));
            }
        }
        return new ResultsTable(source, List.copyOf(rows));
    }

    /** The first row whose figure text matches, from its start. */
    Optional<Row> find(Pattern figure) {
        return rows.stream().filter(r -> figure.matcher(r.figure()).lookingAt()).findFirst();
    }

    /** Every row whose figure text matches, from its start, in the table's order. */
    List<Row> findAll(Pattern figure) {
        return rows.stream().filter(r -> figure.matcher(r.figure()).lookingAt()).toList();
    }

    String source() {
        return source;
    }

    /** One table row: the figure text, then the five other cells. */
    record Row(String source, List<String> cells) {

        String figure() {
            return cells.get(0);
        }

        String cell(Column column) {
            int index = column.ordinal() + 1;
            if (cells.size() != Column.values().length + 1) {
                throw unreadable("has " + cells.size() + " cells, not " + (Column.values().length + 1));
            }
            return cells.get(index);
        }

        /** The numbers in a cell as the table writes them ("1.40"), in order; exactly {@code count} or the row is unreadable. */
        List<String> numberTexts(Column column, int count) {
            List<String> numbers = new ArrayList<>();
            Matcher number = NUMBER.matcher(cell(column));
            while (number.find()) {
                numbers.add(number.group());
            }
            if (numbers.size() != count) {
                throw unreadable("its " + name(column) + " cell '" + cell(column) + "' holds " + numbers.size()
                        + " numbers, not " + count);
            }
            return numbers;
        }

        List<Double> numbers(Column column, int count) {
            return numberTexts(column, count).stream().map(Double::parseDouble).toList();
        }

        String numberText(Column column) {
            return numberTexts(column, 1).get(0);
        }

        double number(Column column) {
            return Double.parseDouble(numberText(column));
        }

        Verdict verdict() {
            return switch (cell(Column.VERDICT)) {
                case "pass" -> Verdict.PASS;
                case "**MISS**" -> Verdict.MISS;
                case "-" -> Verdict.NONE;
                default -> throw unreadable("its verdict '" + cell(Column.VERDICT) + "' is none of pass, **MISS**, -");
            };
        }

        /** The row says less than a chart needs: the docs build stops here rather than drop the chart unsaid. */
        IllegalStateException unreadable(String why) {
            return new IllegalStateException(source + ": the row '" + figure() + "' cannot be charted: " + why
                    + " (docs-site/README.md lists the rows the benchmark page charts)");
        }

        private static String name(Column column) {
            return column.name().toLowerCase();
        }
    }
}
