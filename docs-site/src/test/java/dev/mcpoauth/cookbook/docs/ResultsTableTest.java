package dev.mcpoauth.cookbook.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mcpoauth.cookbook.docs.ResultsTable.Column;
import dev.mcpoauth.cookbook.docs.ResultsTable.Row;
import dev.mcpoauth.cookbook.docs.ResultsTable.Verdict;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ResultsTableTest {

    private static final String TABLE = """
            Measured on 2 cores.

            | figure | measured | baseline | result | bar | verdict |
            |---|---|---|---|---|---|
            | Auth overhead, Javalin: tools/call throughput, 4 clients | 1040 calls/s | 1102 calls/s without auth | 0.94 | >= 0.90 | pass |
            | Gateway latency percentiles p10 / p50 (1 client) | 1.40 / 1.70 ms | 0.60 / 0.75 ms direct | - | - | - |

            ## Scale-out

            | figure | measured | baseline | result | bar | verdict |
            |---|---|---|---|---|---|
            | Scale-out, token-gateway: 1 instance | 441 calls/s | 373 calls/s | 1.18 × | - | - |
            """;

    private final ResultsTable table = ResultsTable.parse("results.md", TABLE);

    @Test
    void findsARowByTheStartOfItsFigureText() {
        Row row = table.find(Pattern.compile("Auth overhead, Javalin: tools/call throughput")).orElseThrow();

        assertThat(row.cell(Column.MEASURED)).isEqualTo("1040 calls/s");
        assertThat(row.cell(Column.BAR)).isEqualTo(">= 0.90");
    }

    @Test
    void findsNoRowWhoseFigureOnlyContainsTheText() {
        assertThat(table.find(Pattern.compile("tools/call throughput"))).isEmpty();
    }

    @Test
    void readsTheRowsOfEveryTableInTheFile() {
        assertThat(table.find(Pattern.compile("Scale-out, token-gateway"))).isPresent();
    }

    @Test
    void skipsTheHeaderRows() {
        assertThat(table.findAll(Pattern.compile(""))).extracting(Row::figure).doesNotContain("figure", "---");
        assertThat(table.findAll(Pattern.compile(""))).hasSize(3);
    }

    @Test
    void readsEveryNumberOfACellInOrder() {
        Row row = table.find(Pattern.compile("Gateway latency percentiles")).orElseThrow();

        assertThat(row.numbers(Column.MEASURED, 2)).containsExactly(1.40, 1.70);
        assertThat(row.numbers(Column.BASELINE, 2)).containsExactly(0.60, 0.75);
    }

    @Test
    void rejectsACellWithAnotherCountOfNumbersNamingTheFileRowAndCell() {
        Row row = table.find(Pattern.compile("Gateway latency percentiles")).orElseThrow();

        assertThatThrownBy(() -> row.numbers(Column.MEASURED, 7))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("results.md")
                .hasMessageContaining("'Gateway latency percentiles p10 / p50 (1 client)'")
                .hasMessageContaining("measured cell '1.40 / 1.70 ms' holds 2 numbers, not 7");
    }

    @Test
    void rejectsARowWithAMissingCell() {
        Row row = ResultsTable.parse("results.md", "| Full flow, returning user | 250 ms | pass |\n")
                .find(Pattern.compile("Full flow")).orElseThrow();

        assertThatThrownBy(() -> row.cell(Column.VERDICT)).hasMessageContaining("has 3 cells, not 6");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {"pass;PASS", "**MISS**;MISS", "-;NONE"})
    void readsTheVerdict(String cell, Verdict verdict) {
        Row row = ResultsTable.parse("results.md", "| a figure | 1 | 2 | 3 | 4 | " + cell + " |\n")
                .find(Pattern.compile("a figure")).orElseThrow();

        assertThat(row.verdict()).isEqualTo(verdict);
    }

    @Test
    void rejectsAVerdictThatIsNotOneOfTheThree() {
        Row row = ResultsTable.parse("results.md", "| a figure | 1 | 2 | 3 | 4 | ok |\n")
                .find(Pattern.compile("a figure")).orElseThrow();

        assertThatThrownBy(row::verdict).hasMessageContaining("verdict 'ok' is none of pass, **MISS**, -");
    }
}
