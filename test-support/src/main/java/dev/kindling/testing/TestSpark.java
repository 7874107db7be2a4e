package dev.kindling.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.apache.spark.sql.SparkSession;

/**
 * One SparkSession for the whole test JVM (local[2], two shuffle partitions, no UI), with Hive on an
 * embedded Derby metastore and Iceberg's session catalog and a warehouse under a fresh work dir in target/: the layout of the
 * {@code local} profile, so runs through the real entry point can share it.
 */
public final class TestSpark {

    private static SparkSession session;
    private static Path workDir;

    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        if (session == null) {
            workDir = newWorkDir();
            session = open(workDir);
        }
        return session;
    }

    /** The work dir the shared session uses; pass it as KINDLING_WORK_DIR so settings agree. */
    public static synchronized Path workDir() {
        session();
        return workDir;
    }

    /** A session whose metastore and warehouse are under workDir (for benchmarks with their own data). */
    public static SparkSession open(Path workDir) {
        System.setProperty("derby.stream.error.file", workDir.resolve("derby.log").toString());
        return SparkSession.builder()
                .appName("kindling-tests")
                .master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.bindAddress", "127.0.0.1")  // tests listen on loopback only
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.default.parallelism", "2")
                .config("spark.sql.catalogImplementation", "hive")
                .config("spark.sql.warehouse.dir", workDir.resolve("warehouse").toString())
                // the local profile's Iceberg session catalog: Kindling's tables are Iceberg tables beside Hive's
                .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
                .config("spark.sql.catalog.spark_catalog", "org.apache.iceberg.spark.SparkSessionCatalog")
                .config("spark.sql.catalog.spark_catalog.type", "hadoop")
                .config("spark.sql.catalog.spark_catalog.warehouse", workDir.resolve("warehouse").toString())
                .config("spark.sql.catalog.spark_catalog.cache-enabled", "false")
                .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                        "jdbc:derby:;databaseName=" + workDir.resolve("metastore_db") + ";create=true")
                .getOrCreate();
    }

    private static Path newWorkDir() {
        try {
            Path target = Files.createDirectories(Path.of("target", "test-work").toAbsolutePath());
            return Files.createTempDirectory(target, "run-" + UUID.randomUUID().toString().substring(0, 8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
