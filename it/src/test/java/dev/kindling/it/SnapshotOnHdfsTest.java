package dev.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.kindling.Kindling;
import dev.kindling.template.Launcher;
import dev.kindling.template.SparkSessionProvider;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The snapshot job on a real HDFS (an in-process MiniDFSCluster on 127.0.0.1): the source, the
 * Iceberg table, its staged snapshots and its commits all live on HDFS, as on a cluster.
 */
class SnapshotOnHdfsTest {

    private static MiniDFSCluster hdfs;
    private static FileSystem fs;
    private static SparkSession spark;
    private static Path work;

    @BeforeAll
    static void startHdfsAndSpark() throws IOException {
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "hdfs-it");
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("dfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        fs = hdfs.getFileSystem();
        spark = SparkSession.builder().appName("kindling-hdfs-it").master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.catalogImplementation", "hive")
                .config("spark.sql.warehouse.dir", fs.getUri() + "/warehouse")
                .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
                .config("spark.sql.catalog.spark_catalog", "org.apache.iceberg.spark.SparkSessionCatalog")
                .config("spark.sql.catalog.spark_catalog.type", "hadoop")
                .config("spark.sql.catalog.spark_catalog.warehouse", fs.getUri() + "/warehouse")
                .config("spark.hadoop.javax.jdo.option.ConnectionURL", "jdbc:derby:;databaseName=" + work.resolve("metastore_db") + ";create=true")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    private static String hdfsFile(String path, String content) throws IOException {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path);
        try (OutputStream out = fs.create(file, true)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return fs.getUri() + path;
    }

    private record Result(int code, String err) {
    }

    private static Result kindling(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Launcher(Kindling.JOBS, SparkSessionProvider.of(spark), Map.of("KINDLING_WORK_DIR", work.toString()),
                new PrintStream(OutputStream.nullOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8)).execute(args);
        return new Result(code, err.toString(StandardCharsets.UTF_8));
    }

    private static List<String> partition(String table, String date) {
        return spark.sql("SELECT id, name FROM " + table + " WHERE ds = '" + date + "' ORDER BY id").collectAsList()
                .stream().map(Row::toString).toList();
    }

    /** The data files of a partition in the table's current snapshot. */
    private static List<String> partitionFiles(String table, String date) {
        return spark.sql("SELECT file_path FROM " + table + ".files WHERE partition.ds = '" + date + "' ORDER BY file_path").collectAsList()
                .stream().map(row -> row.getString(0)).toList();
    }

    /** Every data file under the table's folder on HDFS, published or not. */
    private static List<String> filesOnHdfs(String table) throws IOException {
        List<String> files = new java.util.ArrayList<>();
        var all = fs.listFiles(new org.apache.hadoop.fs.Path("/warehouse/" + table.replace('.', '/') + "/data"), true);
        while (all.hasNext()) {
            files.add(all.next().getPath().toString());
        }
        return files;
    }

    @Test
    void snapshotsFromHdfsIntoATableOnHdfsAndRerunsIdempotently() throws IOException {
        String source = hdfsFile("/landing/orders/2024-01-01.csv", "id,name\n1,anna\n2,jan\n3,ewa\n");
        String[] args = {"snapshot", "--source", source, "--format", "csv", "--schema", "id INT, name STRING",
                "--target", "lake.orders", "--logical-date", "2024-01-01", "--run-id", "hdfs-1"};

        Result first = kindling(args);
        assertThat(first.code()).as(first.err()).isZero();
        List<String> rows = partition("lake.orders", "2024-01-01");
        assertThat(rows).containsExactly("[1,anna]", "[2,jan]", "[3,ewa]");
        List<String> firstFiles = partitionFiles("lake.orders", "2024-01-01");
        assertThat(firstFiles).isNotEmpty().allMatch(file -> file.startsWith("hdfs://"));

        Result second = kindling(args);
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(partition("lake.orders", "2024-01-01")).isEqualTo(rows);
        List<String> secondFiles = partitionFiles("lake.orders", "2024-01-01");
        assertThat(secondFiles).isNotEmpty().doesNotContainAnyElementsOf(firstFiles);
        assertThat(filesOnHdfs("lake.orders")).as("the replaced files stay for readers of the earlier snapshot, until it expires")
                .containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(firstFiles.stream(), secondFiles.stream()).toList());
    }

    @Test
    void aFailedRunOnHdfsLeavesThePreviousSnapshotAndNoFileInAnySnapshot() throws IOException {
        String good = hdfsFile("/landing/events/good.csv", "id,name\n7,ok\n");
        assertThat(kindling("snapshot", "--source", good, "--format", "csv", "--schema", "id INT, name STRING",
                "--target", "lake.events", "--logical-date", "2024-01-02").code()).isZero();
        List<String> before = partitionFiles("lake.events", "2024-01-02");

        spark.range(0, 50).selectExpr("cast(id as int) id", "concat('n', id) name").write().parquet(fs.getUri() + "/landing/broken");
        hdfsFile("/landing/broken/part-99999-garbage.parquet", "not parquet");
        Result failed = kindling("snapshot", "--source", fs.getUri() + "/landing/broken", "--format", "parquet",
                "--target", "lake.events", "--logical-date", "2024-01-02");

        assertThat(failed.code()).isEqualTo(1);
        assertThat(partitionFiles("lake.events", "2024-01-02")).isEqualTo(before);
        assertThat(partition("lake.events", "2024-01-02")).containsExactly("[7,ok]");
        // Spark aborts the failed write and Iceberg deletes the files of the tasks it was told of; a task still running
        // then may leave a file behind: an orphan that no snapshot references, so no reader sees it
        List<String> referenced = spark.sql("SELECT file_path FROM lake.events.all_data_files").collectAsList().stream()
                .map(row -> row.getString(0)).toList();
        assertThat(filesOnHdfs("lake.events")).containsAll(before);
        assertThat(referenced).as("the failed run's files are in no snapshot").containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void aMissingHdfsPathIsBadInput() {
        Result result = kindling("snapshot", "--source", fs.getUri() + "/landing/nothing-here.csv", "--format", "csv",
                "--target", "lake.none", "--logical-date", "2024-01-03");
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).contains("/landing/nothing-here.csv' does not exist");
    }
}
