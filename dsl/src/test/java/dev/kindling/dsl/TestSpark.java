package dev.kindling.dsl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.spark.sql.SparkSession;

/** One SparkSession per test JVM: local[2], two shuffle partitions, no UI, Hive on its own Derby metastore. */
final class TestSpark {

    private static SparkSession session;

    private TestSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            session = open(newWorkDir());
        }
        return session;
    }

    /** A session whose metastore and warehouse are under workDir (the layout of the local profile). */
    static SparkSession open(Path workDir) {
        System.setProperty("derby.stream.error.file", workDir.resolve("derby.log").toString());
        SparkSession spark = SparkSession.builder()
            .appName("kindling-dsl-tests")
            .master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.sql.catalogImplementation", "hive")
            .config("spark.sql.warehouse.dir", workDir.resolve("warehouse").toString())
            .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                            "jdbc:derby:;databaseName=" + workDir.resolve("metastore_db") + ";create=true")
            .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }

    private static Path newWorkDir() {
        try {
            Path target = Files.createDirectories(Path.of("target", "test-work").toAbsolutePath());
            return Files.createTempDirectory(target, "dsl-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
