package dev.kindling.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** snapshot --checks: the checks run on the staged rows, and a failed error check publishes nothing. */
class SnapshotChecksTest {

    private static final String DATE = "2024-04-01";

    @TempDir
    Path dir;

    private final SparkSession spark = TestSpark.session();

    private Path checks() throws IOException {
        return Files.writeString(dir.resolve("orders.yaml"), """
                checks:
                  - {name: unique_ids, kind: uniqueness, severity: error, columns: [id]}
                  - {name: small_amounts, kind: range, severity: warning, column: amount, max: 100}
                """);
    }

    private Path csv(String name, String... rows) throws IOException {
        List<String> lines = new ArrayList<>(List.of("id,amount"));
        lines.addAll(List.of(rows));
        return Files.write(dir.resolve(name), lines);
    }

    private static Result snapshot(Path source, String table, Path checks) {
        return Kindling.onTestSpark().run("snapshot", "--source", source.toString(), "--format", "csv", "--schema", "id INT, amount INT",
                "--target", table, "--logical-date", DATE, "--checks", checks.toString());
    }

    private long rows(String table) {
        return spark.sql("SELECT * FROM " + table + " WHERE ds = '" + DATE + "'").count();
    }

    @Test
    void aFailedErrorCheckPublishesNothingAndAFailedWarningDoesNotStopThePublish() throws IOException {
        String table = "snapchecks.orders";
        spark.sql("DROP TABLE IF EXISTS " + table);
        // the amount 500 fails the warning only: published
        Result good = snapshot(csv("good.csv", "1,10", "2,500", "3,30"), table, checks());
        assertThat(good.exitCode()).as(good.err()).isZero();
        assertThat(rows(table)).isEqualTo(3);

        // a repeated id fails the error check: exit 3 naming it, and the partition keeps the earlier run's rows
        Result duplicated = snapshot(csv("dup.csv", "1,10", "1,20", "2,20", "2,30"), table, checks());
        assertThat(duplicated.exitCode()).isEqualTo(3);
        assertThat(duplicated.errLines()).containsExactly("kindling snapshot: data quality check failed: 1 error check failed on " + table
                + ": unique_ids (2 of 4 rows repeat the key (id) of another row)");
        assertThat(rows(table)).isEqualTo(3);
    }

    @Test
    void aNewTableIsNotCreatedWhenAnErrorCheckFails() throws IOException {
        String table = "snapchecks.never";
        spark.sql("DROP TABLE IF EXISTS " + table);
        assertThat(snapshot(csv("dup.csv", "7,10", "7,10"), table, checks()).exitCode()).isEqualTo(3);
        assertThat(spark.catalog().tableExists(table)).isFalse();
    }

    @Test
    void aCheckOnAColumnTheRowsLackIsExitTwo() throws IOException {
        String table = "snapchecks.nocolumn";
        Path checks = Files.writeString(dir.resolve("bad.yaml"), "checks: [{name: c, kind: completeness, severity: error, column: customer}]");
        Result result = snapshot(csv("ok.csv", "1,10"), table, checks);
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).containsExactly("kindling snapshot: error: check 'c' (completeness): column 'customer' is not in " + table
                + "; its columns are [id, amount]");
        assertThat(spark.catalog().tableExists(table)).isFalse();
    }

    @Test
    void allowEmptyInACheckFileIsForVerifyAndExitTwoHere() throws IOException {
        Path checks = Files.writeString(dir.resolve("empty.yaml"), "allow_empty: true\nchecks: [{name: ids, kind: uniqueness, severity: error, columns: [id]}]");
        Result result = snapshot(csv("ok.csv", "1,10"), "snapchecks.allow_empty", checks);
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).containsExactly("kindling snapshot: error: --checks " + checks
                + ": allow_empty applies to verify; a job that publishes takes --allow-empty");
    }
}
