package dev.kindling.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.kindling.checks.CheckResult.Status;
import dev.kindling.template.InvalidInputException;
import dev.kindling.testing.TestSpark;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each kind of check on five rows whose results are worked out by hand in the comments. */
class VerifierTest {

    private static final SparkSession SPARK = TestSpark.session();
    private static final String TABLE = "verifier_test.rows";
    private static final LocalDate DATE = LocalDate.parse("2024-03-01");

    @BeforeAll
    static void rows() {
        SPARK.sql("CREATE DATABASE IF NOT EXISTS verifier_test");
        SPARK.sql("DROP TABLE IF EXISTS " + TABLE);
        SPARK.sql("""
                SELECT * FROM VALUES
                  (1, 'a@x.pl',       10.0D, 'Sports', TIMESTAMP '2024-03-01 10:00:00'),
                  (2, 'b@x.pl',       20.0D, 'Books',  TIMESTAMP '2024-03-01 12:00:00'),
                  (2, NULL,           30.0D, 'Sports', TIMESTAMP '2024-03-01 23:00:00'),
                  (3, 'not-an-email', -5.0D, 'Toys',   NULL),
                  (4, 'c@y.com',      NULL,  NULL,     TIMESTAMP '2024-02-28 00:00:00')
                  AS t(id, email, amount, category, at)""").coalesce(1).write().format("parquet").saveAsTable(TABLE);
        SPARK.sql("SELECT * FROM VALUES (1), (3), (3), (9) AS s(offer_id)").createOrReplaceTempView("verifier_scores");
    }

    private static Dataset<Row> table() {
        return SPARK.table(TABLE);
    }

    private static CheckResult one(String yamlCheck) {
        List<Check> checks = CheckFile.parse("test.yaml", "checks:\n  - " + yamlCheck.replace("\n", "\n    "), true).checks();
        return new Verifier(SPARK, DATE, new History(SPARK, "verifier_test.no_history")).evaluate(TABLE, table(), checks).get(0);
    }

    @Test
    void rowCount() {
        assertThat(one("{name: n, kind: row_count, severity: error, min: 1, max: 5}").status()).isEqualTo(Status.PASS);
        CheckResult tooFew = one("{name: n, kind: row_count, severity: error, min: 6}");
        assertThat(tooFew.status()).isEqualTo(Status.FAIL);
        assertThat(tooFew.value()).isEqualTo(5.0);
        assertThat(tooFew.message()).isEqualTo("5 rows (allowed [6, +inf])");
        assertThat(one("{name: n, kind: row_count, severity: warning, max: 4}").status()).isEqualTo(Status.WARN);
    }

    @Test
    void rowCountChangeWithAWeeklySeasonComparesAFridayWithFridays() { // DATE is a Friday; five rows
        String history = "verifier_test.weekly_history";
        SPARK.sql("DROP TABLE IF EXISTS " + history);
        StringBuilder values = new StringBuilder();
        for (int day = 1; day <= 12 * 7; day++) {
            LocalDate date = DATE.minusDays(day);
            // Fridays 4 to 6 rows, other days about 100
            double count = date.getDayOfWeek() == java.time.DayOfWeek.FRIDAY ? 4 + day % 3 : 95 + day % 11;
            values.append(values.length() == 0 ? "" : ", ").append("('volume', ").append(count).append("D, '").append(date).append("')");
        }
        SPARK.sql("SELECT check_name, 'row_count_change' kind, 'error' severity, 'pass' status, value, '' message, 'r' run_id, ds, '" + TABLE
                + "' table_name FROM VALUES " + values + " AS t(check_name, value, ds)").write().saveAsTable(history);
        Verifier verifier = new Verifier(SPARK, DATE, new History(SPARK, history));
        List<Check> weekly = CheckFile.parse("test.yaml", "checks: [{name: volume, kind: row_count_change, severity: error, season: weekly, max_deviation: 6}]",
                true).checks();
        CheckResult friday = verifier.evaluate(TABLE, table(), weekly).get(0);
        assertThat(friday.status()).isEqualTo(Status.PASS);
        // the last 4 Fridays before 2024-03-01 are 7, 14, 21 and 28 days back: 5, 6, 4 and 5 rows
        assertThat(friday.message()).startsWith("5 rows, +0% against the median 5 of the last 4 Fridays; 0.0 typical deviations (one is about ")
                .endsWith("), allowed 6");
        assertThat(friday.counts()).isEqualTo(Map.of("rows", 5L, "history_points", 4L));
        // the same five rows against the latest 7 dates, whatever their weekday: six of them about 100
        List<Check> recent = CheckFile.parse("test.yaml", "checks: [{name: volume, kind: row_count_change, severity: error, max_decrease: 0.5}]", true).checks();
        CheckResult anyDay = verifier.evaluate(TABLE, table(), recent).get(0);
        assertThat(anyDay.status()).isEqualTo(Status.FAIL);
        assertThat(anyDay.message()).isEqualTo("5 rows, -94.9% against the median 98 of the last 7 dates (allowed -50% to any increase)");
    }

    @Test
    void completeness() { // one null email of five rows: 20%
        CheckResult pass = one("{name: c, kind: completeness, severity: error, column: email, max_null_share: 0.2}");
        assertThat(pass.status()).isEqualTo(Status.PASS);
        assertThat(pass.value()).isEqualTo(0.2);
        assertThat(pass.counts()).isEqualTo(Map.of("rows", 5L, "nulls", 1L));
        assertThat(one("{name: c, kind: completeness, severity: error, column: email, max_null_share: 0.1}").status()).isEqualTo(Status.FAIL);
    }

    @Test
    void uniqueness() { // id 2 twice: one duplicate; (id, email) has no two equal rows (a null email is a value of its own)
        CheckResult id = one("{name: u, kind: uniqueness, severity: error, columns: [id]}");
        assertThat(id.status()).isEqualTo(Status.FAIL);
        assertThat(id.counts()).isEqualTo(Map.of("rows", 5L, "duplicates", 1L));
        assertThat(one("{name: u, kind: uniqueness, severity: error, columns: [id, email]}").status()).isEqualTo(Status.PASS);
    }

    @Test
    void range() { // non-null amounts 10, 20, 30, -5: outside [0, 25] are 30 and -5, 2 of 4
        CheckResult strict = one("{name: r, kind: range, severity: error, column: amount, min: 0, max: 25, max_share: 0.4}");
        assertThat(strict.status()).isEqualTo(Status.FAIL);
        assertThat(strict.value()).isEqualTo(0.5);
        assertThat(strict.counts()).isEqualTo(Map.of("non_null", 4L, "failing", 2L));
        assertThat(one("{name: r, kind: range, severity: error, column: amount, min: 0, max: 25, max_share: 0.5}").status()).isEqualTo(Status.PASS);
        assertThat(one("{name: r, kind: range, severity: error, column: amount, min: -5}").status()).isEqualTo(Status.PASS);
    }

    @Test
    void inSet() { // non-null categories Sports, Books, Sports, Toys: Toys is 1 of 4 outside {Sports, Books}
        assertThat(one("{name: s, kind: in_set, severity: error, column: category, values: [Sports, Books, Toys]}").status()).isEqualTo(Status.PASS);
        CheckResult two = one("{name: s, kind: in_set, severity: error, column: category, values: [Sports, Books]}");
        assertThat(two.status()).isEqualTo(Status.FAIL);
        assertThat(two.value()).isEqualTo(0.25);
    }

    @Test
    void pattern() { // of four non-null e-mails, 'not-an-email' does not match: 25%
        String email = "'[^@\\s]+@[^@\\s]+\\.[a-z]+'";
        CheckResult strict = one("{name: p, kind: pattern, severity: error, column: email, regex: " + email + "}");
        assertThat(strict.status()).isEqualTo(Status.FAIL);
        assertThat(strict.counts()).isEqualTo(Map.of("non_null", 4L, "failing", 1L));
        assertThat(one("{name: p, kind: pattern, severity: error, column: email, regex: " + email + ", max_share: 0.25}").status()).isEqualTo(Status.PASS);
        // the whole value must match: 'x.pl' alone is found in 'a@x.pl' but does not match it whole
        assertThat(one("{name: p, kind: pattern, severity: error, column: email, regex: 'x\\.pl'}").counts().get("failing")).isEqualTo(4L);
    }

    @Test
    void freshness() { // latest at 2024-03-01 23:00, one hour before the end of the logical date
        CheckResult fresh = one("{name: f, kind: freshness, severity: error, column: at, max_age: 2h}");
        assertThat(fresh.status()).isEqualTo(Status.PASS);
        assertThat(fresh.counts()).isEqualTo(Map.of("age_seconds", 3600L));
        assertThat(one("{name: f, kind: freshness, severity: error, column: at, max_age: 30m}").status()).isEqualTo(Status.FAIL);
        assertThat(one("{name: f, kind: freshness, severity: error, column: at, max_age: PT1H}").status()).isEqualTo(Status.PASS);
    }

    @Test
    void coverage() { // scores hold offers 1, 3, 9: ids 2, 2, 4 are missing, 3 of 5 rows
        CheckResult all = one("{name: cov, kind: coverage, severity: error, columns: [id], reference: verifier_scores, reference_columns: [offer_id],"
                + " max_missing_share: 0.5, category_column: category}");
        assertThat(all.status()).isEqualTo(Status.FAIL);
        assertThat(all.value()).isEqualTo(0.6);
        assertThat(all.counts()).containsEntry("rows", 5L).containsEntry("missing", 3L)
                .containsEntry("category.Sports.rows", 2L).containsEntry("category.Sports.missing", 1L)
                .containsEntry("category.Books.missing", 1L).containsEntry("category.Toys.missing", 0L)
                .containsEntry("category.null.rows", 1L).containsEntry("category.null.missing", 1L);
        // only Sports rows: ids 1 (scored) and 2 (not): half missing
        CheckResult sports = one("{name: cov, kind: coverage, severity: warning, columns: [id], reference: verifier_scores, reference_columns: [offer_id],"
                + " filter: \"category = 'Sports'\", max_missing_share: 0.5}");
        assertThat(sports.status()).isEqualTo(Status.PASS);
        assertThat(sports.counts()).containsEntry("rows", 2L).containsEntry("missing", 1L);
    }

    @Test
    void columnsThatDoNotExistOrDoNotFitAreBadInput() {
        assertThatThrownBy(() -> one("{name: c, kind: completeness, severity: error, column: mail}"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("check 'c' (completeness): column 'mail' is not in verifier_test.rows");
        assertThatThrownBy(() -> one("{name: r, kind: range, severity: error, column: email, min: 0}"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("column 'email' of verifier_test.rows is STRING; use a numeric column");
        assertThatThrownBy(() -> one("{name: cov, kind: coverage, severity: error, columns: [id], reference: verifier_test.nope}"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("reference table 'verifier_test.nope' does not exist");
        assertThatThrownBy(() -> one("{name: cov, kind: coverage, severity: error, columns: [id], reference: verifier_scores, reference_columns: [offer_id],"
                + " filter: \"colour = 'red'\"}"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("check 'cov' (coverage): filter \"colour = 'red'\"".replace('"', '\''));
    }

    /** Every aggregate check of a table is one expression of one aggregation: the rows are read once, whatever the number of checks. */
    @Test
    void aggregateChecksReadTheRowsOnce() throws TimeoutException {
        List<Check> all = CheckFile.parse("all.yaml", """
                checks:
                  - {name: n, kind: row_count, severity: error, min: 1}
                  - {name: c, kind: completeness, severity: error, column: email}
                  - {name: u, kind: uniqueness, severity: error, columns: [id]}
                  - {name: r, kind: range, severity: error, column: amount, min: 0}
                  - {name: s, kind: in_set, severity: error, column: category, values: [Sports]}
                  - {name: p, kind: pattern, severity: error, column: email, regex: '.+@.+'}
                  - {name: f, kind: freshness, severity: error, column: at, max_age: 1d}
                  - {name: c2, kind: completeness, severity: error, column: amount}
                """, true).checks();
        List<Check> uniquenessOnly = all.stream().filter(c -> c.name().equals("u")).toList();
        Verifier verifier = new Verifier(SPARK, DATE, new History(SPARK, "verifier_test.no_history"));

        long[] allCounts = jobsAndRecordsRead(() -> assertThat(verifier.evaluate(TABLE, table(), all)).hasSize(8));
        long[] oneCounts = jobsAndRecordsRead(() -> assertThat(verifier.evaluate(TABLE, table(), uniquenessOnly)).hasSize(1));

        assertThat(allCounts[1]).as("records read by eight checks: each of the 5 rows once").isEqualTo(5);
        assertThat(allCounts[0]).as("Spark jobs of eight checks and of one").isEqualTo(oneCounts[0]);
    }

    private static long[] jobsAndRecordsRead(Runnable work) throws TimeoutException {
        AtomicInteger jobs = new AtomicInteger();
        AtomicLong records = new AtomicLong();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart jobStart) {
                jobs.incrementAndGet();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
                if (taskEnd.taskMetrics() != null) {
                    records.addAndGet(taskEnd.taskMetrics().inputMetrics().recordsRead());
                }
            }
        };
        SPARK.sparkContext().listenerBus().waitUntilEmpty();
        SPARK.sparkContext().addSparkListener(listener);
        try {
            work.run();
            SPARK.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            SPARK.sparkContext().removeSparkListener(listener);
        }
        return new long[] {jobs.get(), records.get()};
    }
}
