package dev.kindling.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import dev.kindling.template.SparkSessionProvider;
import org.apache.spark.sql.SparkSession;

/**
 * One SparkSession for the whole test JVM (local[2], two shuffle partitions, no UI), with Hive on an
 * embedded Derby metastore under target/. Runs through the real entry point share it.
 */
public final class TestSpark {

    private static SparkSession session;
    private static Path workDir;

    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        if (session == null) {
            workDir = newWorkDir();
            System.setProperty("derby.stream.error.file", workDir.resolve("derby.log").toString());
            session = SparkSession.builder()
                    .appName("kindling-tests")
                    .master("local[2]")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.default.parallelism", "2")
                    .config("spark.sql.catalogImplementation", "hive")
                    .config("spark.sql.warehouse.dir", workDir.resolve("warehouse").toString())
                    .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                            "jdbc:derby:;databaseName=" + workDir.resolve("metastore_db") + ";create=true")
                    .getOrCreate();
        }
        return session;
    }

    /** The work dir the shared session uses; pass it as KINDLING_WORK_DIR so settings agree. */
    public static synchronized Path workDir() {
        session();
        return workDir;
    }

    /** A provider that hands out the shared session and leaves it running after each run. */
    public static SparkSessionProvider provider() {
        return SparkSessionProvider.of(session());
    }

    private static Path newWorkDir() {
        try {
            Path target = Path.of("target", "test-work");
            Files.createDirectories(target);
            return Files.createTempDirectory(target.toAbsolutePath(), "run-" + UUID.randomUUID().toString().substring(0, 8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
