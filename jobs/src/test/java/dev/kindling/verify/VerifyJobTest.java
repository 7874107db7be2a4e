package dev.kindling.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.RunLog;
import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verify job through the real entry point: history over several logical dates, reruns, exit codes, bad check files. */
class VerifyJobTest {

    private static final SparkSession SPARK = TestSpark.session();
    /** Rows of verify_test.orders per logical date. */
    private static final int[] COUNTS = {10, 12, 11, 13, 5};

    @TempDir
    Path dir;

    @BeforeAll
    static void orders() {
        SPARK.sql("CREATE DATABASE IF NOT EXISTS verify_test");
        SPARK.sql("DROP TABLE IF EXISTS verify_test.orders");
        SPARK.sql("CREATE TABLE verify_test.orders (order_id INT, customer STRING, ds STRING) USING parquet PARTITIONED BY (ds)");
        for (int day = 0; day < COUNTS.length; day++) {
            SPARK.sql("INSERT INTO verify_test.orders PARTITION (ds = '" + date(day) + "') SELECT id, CONCAT('c', id) FROM RANGE(" + COUNTS[day] + ")");
        }
        SPARK.sql("DROP TABLE IF EXISTS verify_test.other");
        SPARK.sql("CREATE TABLE verify_test.other (id INT, ds STRING) USING parquet PARTITIONED BY (ds)");
        SPARK.sql("INSERT INTO verify_test.other PARTITION (ds = '" + date(2) + "') SELECT id FROM RANGE(3)");
    }

    private static String date(int day) {
        return "2024-01-0" + (day + 1);
    }

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static Result verify(String history, String table, Path checks, String date, String runId, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("verify", "--table", table, "--checks", checks.toString(), "--logical-date", date,
                "--run-id", runId, "--conf", "quality.history.table=" + history));
        args.addAll(List.of(more));
        return Kindling.onTestSpark().run(args.toArray(String[]::new));
    }

    private static List<Row> historyOf(String history, String date) {
        return SPARK.sql("SELECT table_name, check_name, status, value, run_id FROM " + history + " WHERE ds = '" + date
                + "' ORDER BY table_name, check_name").collectAsList();
    }

    /**
     * volume: error if the count moves more than 50% from the median of the last 3 dates (2 needed);
     * enough: a warning below 11 rows. Counts 10, 12, 11, 13, 5.
     */
    @Test
    void changeAgainstTheMedianOfEarlierDates() throws IOException {
        String history = "verify_test.history_change";
        Path checks = file("orders.yaml", """
                checks:
                  - name: volume
                    kind: row_count_change
                    severity: error
                    history: 3
                    min_history: 2
                    max_decrease: 0.5
                    max_increase: 0.5
                  - name: enough
                    kind: row_count
                    severity: warning
                    min: 11
                """);
        // day 1: no history; 10 < 11 warns only
        Result first = verify(history, "verify_test.orders", checks, date(0), "d1");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(historyOf(history, date(0))).extracting(Row::toString)
                .containsExactly("[verify_test.orders,enough,warn,10.0,d1]", "[verify_test.orders,volume,warn,10.0,d1]");
        assertThat(RunLog.ofTestSpark().lines("d1")).anyMatch(line -> line.contains("check volume (row_count_change, error) on verify_test.orders partition ds=2024-01-01: warn: not enough history: 0 earlier counts"));
        // day 2: one earlier count, two needed
        assertThat(verify(history, "verify_test.orders", checks, date(1), "d2").exitCode()).isZero();
        assertThat(historyOf(history, date(1)).get(1).getString(2)).isEqualTo("warn");
        // day 3: median of 12 and 10 is 11, and 11 rows: +0%
        assertThat(verify(history, "verify_test.orders", checks, date(2), "d3").exitCode()).isZero();
        assertThat(historyOf(history, date(2))).extracting(r -> r.getString(1) + "=" + r.getString(2)).containsExactly("enough=pass", "volume=pass");
        // day 4: median of 11, 12, 10 is 11, and 13 rows: +18.18%
        assertThat(verify(history, "verify_test.orders", checks, date(3), "d4").exitCode()).isZero();
        assertThat(RunLog.ofTestSpark().lines("d4")).anyMatch(line -> line.contains("pass: 13 rows, +18.18% against the median 11 of the last 3 dates"));
        // day 5: median of 13, 11, 12 is 12, and 5 rows: -58.33%, beyond -50%: exit 3 naming volume; the failed warning is not named
        Result fifth = verify(history, "verify_test.orders", checks, date(4), "d5");
        assertThat(fifth.exitCode()).isEqualTo(3);
        assertThat(fifth.errLines()).containsExactly("kindling verify: data quality check failed: 1 error check failed on verify_test.orders partition ds=2024-01-05:"
                + " volume (5 rows, -58.33% against the median 12 of the last 3 dates (allowed -50% to +50%))");
        assertThat(historyOf(history, date(4))).extracting(r -> r.getString(1) + "=" + r.getString(2) + "," + r.getDouble(3))
                .containsExactly("enough=warn,5.0", "volume=fail,5.0");
        assertThat(RunLog.ofTestSpark().summary("d5")).contains("checks.volume.status=2", "checks.enough.status=1", "checks.volume.history_points=3",
                "checks_failed=1", "checks_warned=1", "checks_passed=0");
    }

    @Test
    void aRerunReplacesItsDatesRowsAndKeepsOtherTablesRows() throws IOException {
        String history = "verify_test.history_rerun";
        Path orders = file("orders.json", "{\"checks\": [{\"name\": \"ids\", \"kind\": \"uniqueness\", \"severity\": \"error\", \"columns\": [\"order_id\"]},"
                + " {\"name\": \"customers\", \"kind\": \"completeness\", \"severity\": \"error\", \"column\": \"customer\"}]}");
        Path other = file("other.yaml", "checks: [{name: rows, kind: row_count, severity: error, min: 3, max: 3}]");

        assertThat(verify(history, "verify_test.orders", orders, date(2), "first").exitCode()).isZero();
        assertThat(verify(history, "verify_test.other", other, date(2), "other").exitCode()).isZero();
        assertThat(verify(history, "VERIFY_TEST.Orders", orders, date(2), "again").exitCode()).as("the same table, named in capitals").isZero();

        assertThat(historyOf(history, date(2))).extracting(Row::toString).containsExactly(
                "[verify_test.orders,customers,pass,0.0,again]", "[verify_test.orders,ids,pass,0.0,again]", "[verify_test.other,rows,pass,3.0,other]");
    }

    @Test
    void aPartitionWithNoRowsIsExitThreeAndRecordsNothingUnlessTheCheckFileAllowsIt() throws IOException {
        String history = "verify_test.history_empty";
        String checks = "checks: [{name: customers, kind: completeness, severity: error, column: customer, max_null_share: 0.0}]";
        // a date the table has no partition for: the completeness share of no rows would be 0, a pass
        Result missing = verify(history, "verify_test.orders", file("orders.yaml", checks), "2024-02-01", "missing");
        assertThat(missing.exitCode()).isEqualTo(3);
        assertThat(missing.errLines()).containsExactly("kindling verify: data quality check failed: verify_test.orders partition ds=2024-02-01 has no rows"
                + " (missing or empty): nothing was verified or recorded (allow_empty: true in the check file verifies an empty partition)");
        assertThat(SPARK.catalog().tableExists(history)).as("no history written").isFalse();

        Result allowed = verify(history, "verify_test.orders", file("allowed.yaml", "allow_empty: true\n" + checks), "2024-02-01", "allowed");
        assertThat(allowed.exitCode()).as(allowed.err()).isZero();
        assertThat(historyOf(history, "2024-02-01")).extracting(Row::toString).containsExactly("[verify_test.orders,customers,pass,0.0,allowed]");

        Result notBoolean = verify(history, "verify_test.orders", file("bad.yaml", "allow_empty: yes please\n" + checks), "2024-02-01", "bad");
        assertThat(notBoolean.exitCode()).isEqualTo(2);
        assertThat(notBoolean.err()).contains(": allow_empty \"yes please\" is not allowed; use true or false");
    }

    @Test
    void theWholeTable() throws IOException {
        Path checks = file("all.yaml", "checks: [{name: all_rows, kind: row_count, severity: error, min: 51, max: 51}]");
        Result result = verify("verify_test.history_whole", "verify_test.orders", checks, date(0), "whole", "--whole-table");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(historyOf("verify_test.history_whole", date(0)).get(0).getDouble(3)).isEqualTo(51.0);
    }

    @Test
    void aDryRunEvaluatesAndWritesNothing() throws IOException {
        Path checks = file("dry.yaml", "checks: [{name: all_rows, kind: row_count, severity: error, min: 1000}]");
        Result result = verify("verify_test.history_dry", "verify_test.orders", checks, date(0), "dry", "--dry-run");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("dry run: would write table verify_test.history_dry partition (ds='2024-01-01', table_name='verify_test.orders') (new table)");
        assertThat(SPARK.catalog().tableExists("verify_test.history_dry")).isFalse();
    }

    @Test
    void badCheckFilesAreExitTwoInOneLine() throws IOException {
        String history = "verify_test.history_bad";
        String[][] cases = {
                {"kind.yaml", "checks: [{name: x, kind: row_cont, severity: error, min: 1}]",
                        "check 1 ('x'): kind 'row_cont' is unknown; use one of [row_count, row_count_change, completeness, uniqueness, range, in_set, pattern, freshness, coverage]"},
                {"regex.yaml", "checks: [{name: mail, kind: pattern, severity: error, column: customer, regex: '[a-z'}]",
                        "check 1 ('mail'): regex '[a-z' is not a valid Java regular expression: Unclosed character class near index 3"},
                {"negative.yaml", "checks: [{name: n, kind: row_count, severity: error, min: -1}]",
                        "check 1 ('n'): min -1 is not allowed; use a whole number of at least 0"},
                {"share.json", "{\"checks\": [{\"name\": \"c\", \"kind\": \"completeness\", \"severity\": \"error\", \"column\": \"customer\", \"max_null_share\": 1.5}]}",
                        "check 1 ('c'): max_null_share 1.5 is not allowed; use a share from 0 to 1, e.g. 0.05 for 5%"},
                {"key.yaml", "checks: [{name: n, kind: row_count, severity: error, minimum: 1}]",
                        "check 1 ('n'): key 'minimum' is unknown; keys of kind row_count: [name, kind, severity, max, min]"},
                {"severity.yaml", "checks: [{name: n, kind: row_count, severity: fatal, min: 1}]",
                        "check 1 ('n'): severity 'fatal' is not allowed; use error or warning"},
                {"season.yaml", "checks: [{name: v, kind: row_count_change, severity: error, season: monthly, max_deviation: 6}]",
                        "check 1 ('v'): season \"monthly\" is not allowed; use none or weekly (compare a date with the same weekday of earlier weeks)"},
                {"band.yaml", "checks: [{name: v, kind: row_count_change, severity: error, season: weekly}]",
                        "check 1 ('v'): give max_decrease, max_increase or max_deviation (or several)"},
                {"weeks.yaml", "checks: [{name: v, kind: row_count_change, severity: error, season: weekly, history: 53, max_deviation: 6}]",
                        "check 1 ('v'): history 53 is out of range; use 1 to 52 earlier weeks"},
                {"reference.yaml", "checks: [{name: c, kind: coverage, severity: error, columns: [id], reference: a.b.c}]",
                        "check 1 ('c'): reference 'a.b.c' is not a table name: use table or database.table (letters, digits and '_', not starting with a digit, at most 128 characters each)"},
                {"column.yaml", "checks: [{name: c, kind: completeness, severity: error, column: 1st}]",
                        "check 1 ('c'): column \"1st\" is not allowed; use a column name (letters, digits and '_', not starting with a digit, at most 128 characters)"},
                {"deviation.yaml", "checks: [{name: v, kind: row_count_change, severity: error, max_deviation: 0}]",
                        "check 1 ('v'): max_deviation 0 is not allowed; use a number of typical deviations from 0.5 to 100, e.g. 6"}};
        for (String[] bad : cases) {
            Path checks = file(bad[0], bad[1]);
            Result result = verify(history, "verify_test.orders", checks, date(0), "bad");
            assertThat(result.exitCode()).as(bad[0]).isEqualTo(2);
            assertThat(result.errLines()).containsExactly("kindling verify: error: --checks " + checks + ": " + bad[2]);
        }

        // a check file is data: a filter that would run Java (and print a secret from the environment) is refused before Spark starts
        String getenv = "raise_error(java_method('java.lang.System', 'getenv', 'HOME')) IS NULL";
        Path java = file("java.yaml", "checks: [{name: c, kind: coverage, severity: error, columns: [order_id], reference: verify_test.orders, filter: \""
                + getenv + "\"}]");
        Result code = verify(history, "verify_test.orders", java, date(0), "java");
        assertThat(code.exitCode()).isEqualTo(2);
        assertThat(code.errLines()).singleElement().asString().startsWith("kindling verify: error: --checks " + java + ": check 1 ('c'): filter '"
                + getenv + "' calls raise_error(), which is not allowed; a filter may use the checked table's columns, literals,");
        assertThat(code.out() + code.err()).doesNotContain(System.getenv("HOME"));
        // a pattern's regex is bounded: every value of the column is matched against it
        Result longRegex = verify(history, "verify_test.orders", file("regex-long.yaml", "checks: [{name: p, kind: pattern, severity: error, column: customer, regex: '"
                + "a".repeat(501) + "'}]"), date(0), "long-regex");
        assertThat(longRegex.exitCode()).isEqualTo(2);
        assertThat(longRegex.errLines()).singleElement().asString().endsWith("check 1 ('p'): regex is 501 characters long; use at most 500");

        // a column the table lacks is found once Spark is up: still exit 2, and no result is written
        Result missing = verify(history, "verify_test.orders", file("column.yaml", """
                checks:
                  - {name: n, kind: row_count, severity: error, min: 1}
                  - {name: c, kind: completeness, severity: error, column: email}
                """), date(0), "missing-column");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.errLines()).containsExactly("kindling verify: error: check 'c' (completeness): column 'email' is not in verify_test.orders;"
                + " its columns are [order_id, customer, ds]");
        assertThat(SPARK.catalog().tableExists(history)).isFalse();
    }
}
