package dev.mcpoauth.cookbook.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The table `make bench` prints and writes to {@code target/results.md}. */
final class Results {

    private record Row(String figure, String measured, String baseline, String result, String bar, String verdict) {
    }

    private final List<Row> rows = new ArrayList<>();

    /** A figure with a bar: {@code pass} says whether it met it. */
    void add(String figure, String measured, String baseline, String result, String bar, boolean pass) {
        rows.add(new Row(figure, measured, baseline, result, bar, pass ? "pass" : "**MISS**"));
    }

    /** A figure reported for context, without a bar. */
    void inform(String figure, String measured, String baseline, String result) {
        rows.add(new Row(figure, measured, baseline, result, "-", "-"));
    }

    /** A row a child JVM printed ({@code BENCH-ROW} and six tab-separated cells), taken as it is. */
    void addPrinted(String line) {
        String[] cells = line.split("\t");
        if (cells.length != 7 || !cells[0].equals("BENCH-ROW")) {
            throw new IllegalArgumentException("not a BENCH-ROW line: " + line);
        }
        rows.add(new Row(cells[1], cells[2], cells[3], cells[4], cells[5], cells[6]));
    }

    String markdown() {
        StringBuilder table = new StringBuilder();
        table.append("Measured ").append(LocalDate.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Java ").append(Runtime.version().feature()).append(", ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch"))
                .append(". Every figure is against a baseline measured in the same run.\n\n")
                .append("| figure | measured | baseline | result | bar | verdict |\n|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            table.append("| ").append(String.join(" | ", row.figure(), row.measured(), row.baseline(), row.result(),
                    row.bar(), row.verdict())).append(" |\n");
        }
        return table.toString();
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent()); // Path.of("results.md") has no parent of its own
        Files.writeString(file, markdown());
    }

    static String ms(double millis) {
        return String.format(Locale.ROOT, "%.2f ms", millis);
    }

    static String signedMs(double millis) {
        return String.format(Locale.ROOT, "%+.2f ms", millis);
    }

    static String us(double micros) {
        return String.format(Locale.ROOT, "%.1f µs", micros);
    }

    static String number(double value, String unit) {
        return String.format(Locale.ROOT, "%.0f %s", value, unit);
    }

    static String ratio(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
