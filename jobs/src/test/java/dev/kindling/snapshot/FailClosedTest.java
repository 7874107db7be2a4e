package dev.kindling.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

import dev.kindling.template.Outputs;
import dev.kindling.template.Partition;
import dev.kindling.template.Publication;
import dev.kindling.template.SchemaEvolution;
import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.RunLog;
import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input that leaves nothing to publish, or that does not fit the table, never replaces a good
 * partition: each case starts from a published partition and must leave it as it was.
 */
class FailClosedTest {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static final String SCHEMA = "id INT, name STRING, amount INT";
    private static final String DATE = "2024-06-01";

    @TempDir
    Path dir;

    private final SparkSession spark = TestSpark.session();

    /** A table whose partition DATE holds three good rows. */
    private String tableWithGoodPartition() throws IOException {
        String table = "closed.orders_" + TABLES.incrementAndGet();
        Path good = Files.writeString(dir.resolve("good-" + TABLES.get() + ".csv"), "id,name,amount\n1,a,10\n2,b,20\n3,c,30\n");
        Result first = snapshot(good, table, "--schema", SCHEMA);
        assertThat(first.exitCode()).as(first.err()).isZero();
        return table;
    }

    private static Result snapshot(Path source, String table, String... more) {
        List<String> args = new ArrayList<>(List.of("snapshot", "--source", source.toString(), "--format", "csv",
                "--target", table, "--logical-date", DATE));
        args.addAll(List.of(more));
        return Kindling.onTestSpark().run(args.toArray(String[]::new));
    }

    private List<String> partition(String table) {
        return spark.sql("SELECT * FROM " + table + " WHERE ds = '" + DATE + "' ORDER BY 1").collectAsList().stream().map(Row::toString).toList();
    }

    private void assertUntouched(String table, Result result, int exitCode, String message) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(exitCode);
        assertThat(result.errLines()).singleElement().asString().contains(message);
        assertThat(partition(table)).containsExactly("[1,a,10,2024-06-01]", "[2,b,20,2024-06-01]", "[3,c,30,2024-06-01]");
    }

    @Test
    void everyRowRejectedWithAKeyIsADataQualityFailure() throws IOException {
        String table = tableWithGoodPartition();
        Path bad = Files.writeString(dir.resolve("bad.csv"), "id,name,amount\nx,a,1\ny,b,2\nz,c,3\n");
        assertUntouched(table, snapshot(bad, table, "--schema", SCHEMA, "--key", "id"), 3, "3 of 3 rows (100.00%) were rejected");
    }

    @Test
    void randomBytesAndAGzipFileNamedCsvAreRejectedNotPublished() throws IOException {
        String table = tableWithGoodPartition();
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        Path random = Files.write(dir.resolve("random.csv"), noise);
        assertUntouched(table, snapshot(random, table, "--schema", SCHEMA, "--no-header", "--key", "id"), 3, "were rejected");

        Path gzip = dir.resolve("packed.csv");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzip))) {
            out.write("1,a,10\n2,b,20\n".repeat(200).getBytes(StandardCharsets.UTF_8));
        }
        assertUntouched(table, snapshot(gzip, table, "--schema", SCHEMA, "--no-header", "--key", "id"), 3, "were rejected");
    }

    @Test
    void emptyInputIsADataQualityFailureUnlessAllowed() throws IOException {
        String table = tableWithGoodPartition();
        Path zeroBytes = Files.write(dir.resolve("zero.csv"), new byte[0]);
        assertUntouched(table, snapshot(zeroBytes, table, "--schema", SCHEMA), 3, "the source has no rows");
        assertUntouched(table, snapshot(zeroBytes, table), 3, "the source has no rows");
        Path headerOnly = Files.writeString(dir.resolve("header.csv"), "id,name,amount\n");
        assertUntouched(table, snapshot(headerOnly, table, "--schema", SCHEMA), 3, "the source has no rows");
        assertUntouched(table, snapshot(headerOnly, table), 3, "the source has no rows");
        Path emptyDir = Files.createDirectories(dir.resolve("nothing"));
        assertUntouched(table, snapshot(emptyDir, table, "--schema", SCHEMA), 3, "the source has no rows");
        assertUntouched(table, snapshot(emptyDir, table), 3, "the source has no rows");

        Result allowed = snapshot(headerOnly, table, "--schema", SCHEMA, "--allow-empty");
        assertThat(allowed.exitCode()).as(allowed.err()).isZero();
        assertThat(partition(table)).isEmpty();
    }

    @Test
    void aHeaderOnlyCsvWithoutSchemaHasNoTypesToPublishEvenWithAllowEmpty() throws IOException {
        String table = "closed.guessed_" + TABLES.incrementAndGet();
        Path headerOnly = Files.writeString(dir.resolve("header-only.csv"), "id,name,amount\n");
        Result result = snapshot(headerOnly, table, "--allow-empty");
        assertThat(result.exitCode()).as(result.err()).isEqualTo(3);
        assertThat(result.errLines()).singleElement().asString()
                .contains("the source has no rows; nothing was published (--allow-empty with --schema publishes an empty partition)");
        assertThat(spark.catalog().tableExists(table)).as("no table of guessed STRING columns").isFalse();
    }

    @Test
    void anEmptyParquetSourceWhoseColumnsDifferIsBadInputWithADiff() throws IOException {
        String table = tableWithGoodPartition();
        Path empty = dir.resolve("empty-parquet");
        spark.range(0).selectExpr("cast(id as int) id", "'x' AS title").write().parquet(empty.toString());
        Result result = Kindling.onTestSpark().run("snapshot", "--source", empty.toString(), "--format", "parquet",
                "--target", table, "--logical-date", DATE);
        assertUntouched(table, result, 2, "missing: name STRING, amount INT; added: title STRING");
    }

    @Test
    void aSourceWhoseColumnsDifferFromTheTableIsBadInputWithADiff() throws IOException {
        String table = tableWithGoodPartition();
        String[][] cases = {
                {"id,name,amount,extra\n1,a,10,x\n", "id INT, name STRING, amount INT, extra STRING", "added: extra STRING"},
                {"id,name\n1,a\n", "id INT, name STRING", "missing: amount INT"},
                {"id,title,amount\n1,a,10\n", "id INT, title STRING, amount INT", "missing: name STRING; added: title STRING"},
                {"id,name,amount\n1,a,10.5\n", "id INT, name STRING, amount DOUBLE", "changed: amount INT -> DOUBLE"},
        };
        for (String[] c : cases) {
            Path source = Files.writeString(dir.resolve("changed-" + c[2].hashCode() + ".csv"), c[0]);
            Result result = snapshot(source, table, "--schema", c[1]);
            assertUntouched(table, result, 2, "the source's columns do not match table " + table);
            assertThat(result.err()).contains(c[2]);
        }
    }

    @Test
    void addColumnsPolicyAddsNewNullableColumns() throws IOException {
        String table = tableWithGoodPartition();
        Path wider = Files.writeString(dir.resolve("wider.csv"), "id,name,amount,note\n4,d,40,new\n");
        Result result = Kindling.onTestSpark().run("snapshot", "--source", wider.toString(), "--format", "csv",
                "--schema", SCHEMA + ", note STRING", "--target", table, "--logical-date", "2024-06-02", "--schema-evolution", "add-columns");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(spark.sql("SELECT id, note, ds FROM " + table + " ORDER BY id").collectAsList()).extracting(Row::toString)
                .containsExactly("[1,null,2024-06-01]", "[2,null,2024-06-01]", "[3,null,2024-06-01]", "[4,new,2024-06-02]");
    }

    @Test
    void rowsThatDoNotBalanceFailTheRunWithExit1AndPublishNothing() throws IOException {
        String table = tableWithGoodPartition();
        Path next = Files.writeString(dir.resolve("next.csv"), "id,name,amount\n1,x,11\n2,y,21\n");
        Result result = Kindling.onTestSpark().outputs(OneRowMoreRead::new).run("snapshot", "--source", next.toString(), "--format", "csv",
                "--schema", SCHEMA, "--target", table, "--logical-date", DATE, "--run-id", "unbalanced");
        assertUntouched(table, result, 1, "the row counts do not balance: 3 read but 2 written + 0 quarantined + 0 duplicates dropped; nothing was published");
    }

    /** Outputs whose staged partitions report one row more read than Spark counted: rows the write lost. */
    private record OneRowMoreRead(Outputs real) implements Outputs {
        @Override
        public StagedPartition stagePartition(String table, Partition partition, Dataset<Row> rows, SchemaEvolution evolution) {
            StagedPartition staged = real.stagePartition(table, partition, rows, evolution);
            return new StagedPartition() {
                @Override
                public long rowsRead() {
                    return staged.rowsRead() + 1;
                }

                @Override
                public long rowsWritten() {
                    return staged.rowsWritten();
                }

                @Override
                public Dataset<Row> rows() {
                    return staged.rows();
                }

                @Override
                public Outputs.Quarantine quarantine(Dataset<Row> rejects) {
                    return staged.quarantine(rejects);
                }

                @Override
                public void publish() {
                    staged.publish();
                }
            };
        }

        @Override
        public Replaced replaceWithCsv(String table, Dataset<Row> rows, String key, java.util.Map<String, String> facts) {
            return real.replaceWithCsv(table, rows, key, facts);
        }

        @Override
        public long replacePartition(String table, String partitionColumns, java.util.List<String> values, Dataset<Row> rows) {
            return real.replacePartition(table, partitionColumns, values, rows);
        }

        @Override
        public void deletePartitionsBefore(String table, String dateColumn, java.time.LocalDate keepFrom) {
            real.deletePartitionsBefore(table, dateColumn, keepFrom);
        }

        @Override
        public Maintenance maintain(String table, Retention retention) {
            return real.maintain(table, retention);
        }

        @Override
        public <S> void publish(Publication<S> publication) throws Exception {
            real.publish(publication);
        }

        @Override
        public boolean writes() {
            return real.writes();
        }

        @Override
        public void replaceTable(String table, Dataset<Row> rows, String... partitionColumns) {
            real.replaceTable(table, rows, partitionColumns);
        }
    }

    @Test
    void everyPublishedRunBalancesItsRows() throws IOException {
        String table = "closed.balanced_" + TABLES.incrementAndGet();
        Path mixed = Files.writeString(dir.resolve("mixed.csv"), "id,name,amount\n1,a,10\n1,a2,11\n,nokey,5\nbad,b,x\n2,b,20\n");
        Result result = Kindling.onTestSpark().run("snapshot", "--source", mixed.toString(), "--format", "csv", "--schema", SCHEMA,
                "--target", table, "--logical-date", DATE, "--key", "id", "--on-duplicate", "drop", "--max-bad-ratio", "0.5",
                "--run-id", "balanced");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(RunLog.ofTestSpark().summary("balanced")).contains("rows_read=5", "rows_written=2", "rows_quarantined=2", "duplicates_dropped=1");
    }
}
