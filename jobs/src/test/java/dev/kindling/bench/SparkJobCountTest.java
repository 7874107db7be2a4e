package dev.kindling.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.kindling.template.CsvDialect;
import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counts, staging and publish ride along with the write: a snapshot through the template (the partition
 * staged as an unpublished Iceberg snapshot, Spark's own counts audited, one commit to publish) starts
 * exactly as many Spark jobs as the bare Iceberg write of the same rows ({@link BareSnapshot}).
 */
class SparkJobCountTest {

    @TempDir
    Path dir;

    private final SparkSession spark = TestSpark.session();

    @Test
    void theTemplateAddsNoSparkJob() throws IOException {
        List<String> lines = new ArrayList<>(List.of("id,name,amount"));
        for (int i = 0; i < 2000; i++) {
            lines.add(i + ",n" + i + "," + (i % 97));
        }
        Path csv = Files.write(dir.resolve("in.csv"), lines);
        String schema = "id INT, name STRING, amount INT";

        int bare = SparkJobs.startedBy(spark, () -> BareSnapshot.run(spark, CsvDialect.RFC_4180.sparkOptions(), csv.toString(), schema, "jobcount.bare", "2024-06-01"));
        int[] exit = new int[1];
        int template = SparkJobs.startedBy(spark, () -> {
            Result result = Kindling.onTestSpark().run("snapshot", "--source", csv.toString(), "--format", "csv",
                    "--schema", schema, "--target", "jobcount.template", "--logical-date", "2024-06-01");
            exit[0] = result.exitCode();
        });

        assertThat(exit[0]).isZero();
        assertThat(bare).as("the bare write runs at least one job").isPositive();
        assertThat(template).isEqualTo(bare);
        assertThat(spark.table("jobcount.template").count()).isEqualTo(spark.table("jobcount.bare").count()).isEqualTo(2000);
    }
}
