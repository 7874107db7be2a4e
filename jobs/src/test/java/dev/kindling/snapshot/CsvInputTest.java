package dev.kindling.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

import dev.kindling.template.SparkSessionProvider;
import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.TestSpark;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.BZip2Codec;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CSV as real systems export it (RFC 4180: Excel, PostgreSQL COPY ... CSV): doubled quotes, quoted
 * newlines, a byte-order mark, CRLF, compressed files, other dialects, and headers matched by name.
 */
class CsvInputTest {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static final String SCHEMA = "id INT, name STRING, amount INT";
    /** A provider for runs that must fail before any SparkSession is requested. */
    private static final SparkSessionProvider NO_SPARK = (settings, app) -> {
        throw new AssertionError("no SparkSession may be requested");
    };

    @TempDir
    Path dir;

    private final SparkSession spark = TestSpark.session();

    private static String newTable() {
        return "csv_in.orders_" + TABLES.incrementAndGet();
    }

    private static Result snapshot(Path source, String table, String... more) {
        List<String> args = new ArrayList<>(List.of("snapshot", "--source", source.toString(), "--format", "csv",
                "--target", table, "--logical-date", "2024-05-01", "--run-id", "csv-" + table.replace('.', '-')));
        args.addAll(List.of(more));
        return Kindling.onTestSpark().run(args.toArray(String[]::new));
    }

    private List<String> rows(String table) {
        return spark.sql("SELECT id, name, amount FROM " + table + " ORDER BY id").collectAsList().stream().map(Row::toString).toList();
    }

    private Path write(String file, String text) throws IOException {
        return Files.writeString(dir.resolve(file), text);
    }

    @Test
    void doubledQuotesAreOneQuoteAndQuotedNewlinesStayInTheirField() throws IOException {
        Path csv = write("excel.csv", "id,name,amount\n1,\"He said \"\"hi\"\"\",10\n2,\"two\nlines\",20\n3,\"a, b\",30\n");
        String table = newTable();
        Result result = snapshot(csv, table, "--schema", SCHEMA);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(rows(table)).containsExactly("[1,He said \"hi\",10]", "[2,two\nlines,20]", "[3,a, b,30]");
        assertThat(result.out() + result.err()).doesNotContain("quarantined=1");
    }

    @Test
    void byteOrderMarkAndCrlfAreNotPartOfTheData() throws IOException {
        Path csv = dir.resolve("bom.csv");
        Files.write(csv, ("\uFEFFid,name,amount\r\n1,\"x\r\ny\",10\r\n2,b,20\r\n").getBytes(StandardCharsets.UTF_8));
        String table = newTable();
        Result result = snapshot(csv, table);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(spark.table(table).columns()).containsExactly("id", "name", "amount", "ds");
        // a line break inside quotes is data: kept as the file has it
        assertThat(rows(table)).containsExactly("[1,x\r\ny,10]", "[2,b,20]");
    }

    @Test
    void aLineBreakInsideQuotesIsKeptAsTheFileHasItWhateverTheFileEndsItsLinesWith() throws IOException {
        Path lf = write("lf.csv", "id,name,amount\n1,\"cr\r\nlf\",10\n2,\"lf\nonly\",20\n");
        String table = newTable();
        Result result = snapshot(lf, table, "--schema", SCHEMA);
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(rows(table)).containsExactly("[1,cr\r\nlf,10]", "[2,lf\nonly,20]");

        Path crlf = write("crlf-no-header.csv", "1,\"lf\nonly\",10\r\n2,\"cr\r\nlf\",20\r\n");
        String noHeader = newTable();
        Result without = snapshot(crlf, noHeader, "--schema", SCHEMA, "--no-header");
        assertThat(without.exitCode()).as(without.err()).isZero();
        assertThat(rows(noHeader)).containsExactly("[1,lf\nonly,10]", "[2,cr\r\nlf,20]");
    }

    @Test
    void anEmptyUnquotedFieldIsNullAndAQuotedEmptyFieldIsAnEmptyString() throws IOException {
        Path csv = write("empty.csv", "id,name,amount\n1,,10\n2,\"\",20\n3,\"\",\"\"\n");
        String table = newTable();
        Result result = snapshot(csv, table, "--schema", SCHEMA, "--key", "name", "--max-bad-ratio", "0.7");
        assertThat(result.exitCode()).as(result.err()).isZero();
        // the empty string is a key; null is not (quarantined), nor is "" a number
        assertThat(rows(table)).containsExactly("[2,,20]");
        assertThat(spark.sql("SELECT count(*) FROM " + table + " WHERE name = ''").first().getLong(0)).isEqualTo(1);
        assertThat(spark.sql("SELECT reason FROM " + table + "_quarantine ORDER BY reason").collectAsList().stream().map(r -> r.getString(0)).toList())
                .containsExactly("malformed record", "missing key column name");

        String table2 = newTable();
        Result conventional = snapshot(csv, table2, "--schema", SCHEMA, "--null-value", "\"\"");
        assertThat(conventional.exitCode()).as(conventional.err()).isZero();
        assertThat(rows(table2)).containsExactly("[1,null,10]", "[2,null,20]", "[3,null,null]");

        Path marked = write("marked.csv", "id,name,amount\n1,NULL,\n2,\"\",NULL\n");
        String table3 = newTable();
        Result nullText = snapshot(marked, table3, "--schema", SCHEMA, "--null-value", "NULL");
        assertThat(nullText.exitCode()).as(nullText.err()).isZero();
        assertThat(rows(table3)).containsExactly("[1,null,null]", "[2,,null]");
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFirstValueWithoutAHeader() throws IOException {
        Path csv = dir.resolve("bom-no-header.csv");
        Files.write(csv, ("\uFEFF1,a,10\r\n2,b,20\r\n").getBytes(StandardCharsets.UTF_8));
        String table = newTable();
        Result result = snapshot(csv, table, "--schema", SCHEMA, "--no-header");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(rows(table)).containsExactly("[1,a,10]", "[2,b,20]");
    }

    @Test
    void gzipAndBzip2FilesAreReadByTheirExtension() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("compressed"));
        byte[] first = "id,name,amount\n1,\"g\nz\",10\n2,gz,20\n".getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(folder.resolve("a.csv.gz")))) {
            out.write(first);
        }
        BZip2Codec bzip2 = new BZip2Codec();
        bzip2.setConf(new Configuration());
        try (OutputStream out = bzip2.createOutputStream(Files.newOutputStream(folder.resolve("b.csv.bz2")))) {
            out.write("id,name,amount\n3,bz,30\n".getBytes(StandardCharsets.UTF_8));
        }
        String table = newTable();
        Result result = snapshot(folder, table, "--schema", SCHEMA);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(rows(table)).containsExactly("[1,g\nz,10]", "[2,gz,20]", "[3,bz,30]");
    }

    @Test
    void otherDialectsByOption() throws IOException {
        Path csv = dir.resolve("cp1250.csv");
        Files.write(csv, "1;'Łódź; centrum';NULL\n2;'it\\'s';20\n".getBytes(Charset.forName("windows-1250")));
        String table = newTable();
        Result result = snapshot(csv, table, "--schema", SCHEMA, "--no-header", "--delimiter", ";", "--quote", "'",
                "--escape", "\\", "--encoding", "windows-1250", "--null-value", "NULL");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(rows(table)).containsExactly("[1,Łódź; centrum,null]", "[2,it's,20]");
    }

    @Test
    void dialectOptionsAreValidatedWhereGiven() throws IOException {
        Path csv = write("orders.csv", "id,name,amount\n1,a,10\n");
        Kindling noSpark = Kindling.with(NO_SPARK);
        String[][] cases = {
                {"--delimiter", ";;", "--delimiter ';;' is not one character"},
                {"--quote", "", "--quote '' is not one character"},
                {"--encoding", "utf-99", "--encoding 'utf-99' is not a character set this JVM knows"},
                {"--delimiter", "\"", "--delimiter '\"' is also the --quote character"},
        };
        for (String[] c : cases) {
            Result result = noSpark.run("snapshot", "--source", csv.toString(), "--format", "csv", "--target", "t.t",
                    "--logical-date", "2024-05-01", c[0], c[1]);
            assertThat(result.exitCode()).as(String.join(" ", c)).isEqualTo(2);
            assertThat(result.errLines()).singleElement().asString().contains(c[2]);
        }
        Result parquet = noSpark.run("snapshot", "--source", csv.toString(), "--format", "parquet", "--target", "t.t",
                "--logical-date", "2024-05-01", "--delimiter", ";");
        assertThat(parquet.exitCode()).isEqualTo(2);
        assertThat(parquet.err()).contains("--delimiter applies to csv sources only, not parquet");
    }

    @Test
    void headerColumnsAreMatchedToTheSchemaByName() throws IOException {
        Path swapped = write("swapped.csv", "amount,id,name\n10,1,a\n20,2,b\n");
        String table = newTable();
        Result result = snapshot(swapped, table, "--schema", SCHEMA);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(rows(table)).containsExactly("[1,a,10]", "[2,b,20]");
    }

    @Test
    void aHeaderThatDoesNotMatchTheSchemaIsBadInputBeforeSparkStarts() throws IOException {
        Path other = write("other.csv", "id,label,amount\n1,a,10\n");
        Result result = Kindling.with(NO_SPARK).run("snapshot", "--source", other.toString(), "--format", "csv",
                "--schema", SCHEMA, "--target", "t.t", "--logical-date", "2024-05-01");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString()
                .contains("header of " + other)
                .contains("does not match --schema")
                .contains("missing: name")
                .contains("not in --schema: label");
    }

    @Test
    void keyAndPartitionColumnsAreCheckedAgainstTheHeaderBeforeSparkStarts() throws IOException {
        Path csv = write("orders.csv", "id,name,amount,ds\n1,a,10,x\n");
        Result key = Kindling.with(NO_SPARK).run("snapshot", "--source", csv.toString(), "--format", "csv",
                "--target", "t.t", "--logical-date", "2024-05-01", "--key", "nope");
        assertThat(key.exitCode()).isEqualTo(2);
        assertThat(key.errLines()).singleElement().asString().contains("--key column 'nope' is not in the source; its columns are [id, name, amount, ds]");

        Result partition = Kindling.with(NO_SPARK).run("snapshot", "--source", csv.toString(), "--format", "csv",
                "--target", "t.t", "--logical-date", "2024-05-01");
        assertThat(partition.exitCode()).isEqualTo(2);
        assertThat(partition.errLines()).singleElement().asString().contains("--partition-column 'ds' is also a column of the source");
    }

    @Test
    void parquetColumnsAreReadFromAFooterBeforeSparkStarts() {
        Path parquet = dir.resolve("orders-parquet");
        spark.range(3).selectExpr("id", "concat('c', id) AS name").write().parquet(parquet.toString());
        Result result = Kindling.with(NO_SPARK).run("snapshot", "--source", parquet.toString(), "--format", "parquet",
                "--target", "t.t", "--logical-date", "2024-05-01", "--key", "nope");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().contains("--key column 'nope' is not in the source; its columns are [id, name]");
    }

    @Test
    void anOverlongTableNameIsOneLineOfBadUsage() throws IOException {
        Path csv = write("orders.csv", "id,name,amount\n1,a,10\n");
        Result result = Kindling.with(NO_SPARK).run("snapshot", "--source", csv.toString(), "--format", "csv",
                "--target", "db." + "t".repeat(100_000), "--logical-date", "2024-05-01");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).containsExactly("kindling snapshot: error: Invalid value for option '--target': 'db." + "t".repeat(57)
                + "... (100003 characters)' is not a table name: use table or database.table (letters, digits and '_', not starting with a digit,"
                + " at most 128 characters each) (see 'kindling snapshot --help')");
    }

    @Test
    void schemaInferenceCostIsStatedInHelp() {
        Result help = Kindling.with(NO_SPARK).run("snapshot", "--help");
        assertThat(help.out().replaceAll("\\s+", " ")).contains("Default: inferred, which reads the input one extra time");
    }
}
