package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is checked before Spark starts, and which exit code each answer gets. */
class PreflightTest {

    private static final SparkSessionProvider NO_SPARK = (settings, appName) -> {
        throw new AssertionError("Spark must not start when the preflight fails");
    };

    @TempDir
    Path dir;

    private static Preflight preflight(String... conf) {
        return new Preflight(Settings.resolve("local", List.of(conf), Map.of()));
    }

    @Test
    void aFileSystemThatDoesNotAnswerIsExit1AndRetried() {
        Result result = Kindling.with(NO_SPARK)
                .run("snapshot", "--source", UnavailableFileSystem.SCHEME + ":///data/orders.csv", "--format", "csv",
                        "--target", "preflight.orders", "--logical-date", "2024-05-01", "--conf", UnavailableFileSystem.SETTING);
        assertThat(result.exitCode()).isEqualTo(ExitCode.JOB_FAILED.code);
        assertThat(result.errLines()).containsExactly("kindling snapshot: failed: --source 'unavailable:///data/orders.csv' cannot be checked now: "
                + "IOException: Call to namenode failed: Name node is in safe mode.");
    }

    @Test
    void aPathThatDoesNotExistIsExit2() {
        Path missing = dir.resolve("missing.csv");
        Result result = Kindling.with(NO_SPARK)
                .run("snapshot", "--source", missing.toString(), "--format", "csv",
                        "--target", "preflight.orders", "--logical-date", "2024-05-01");
        assertThat(result.exitCode()).isEqualTo(ExitCode.BAD_USAGE.code);
        assertThat(result.errLines()).containsExactly("kindling snapshot: error: --source '" + missing + "' does not exist");
    }

    @Test
    void aSchemeWithoutAFileSystemIsExit2() {
        assertThatThrownBy(() -> preflight().requirePathExists("--source", "nosuchscheme:///data/orders.csv"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--source 'nosuchscheme:///data/orders.csv' cannot be checked: No FileSystem for scheme");
    }

    @Test
    void aGlobMustMatchAtLeastOnePath() throws IOException {
        Files.writeString(dir.resolve("a.csv"), "id\n1\n");
        preflight().requirePathExists("--source", dir + "/*.csv");

        assertThatThrownBy(() -> preflight().requirePathExists("--source", dir + "/*.json"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("--source '" + dir + "/*.json' matches no path");
    }

    @Test
    void aMalformedGlobIsExit2() {
        assertThatThrownBy(() -> preflight().requirePathExists("--source", dir + "/[ab.csv"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--source '" + dir + "/[ab.csv' is not a valid glob: ");
    }

    @Test
    void aSnapshotReadsEveryFileAGlobMatches() throws IOException {
        Files.writeString(dir.resolve("part-1.csv"), "id,name\n1,a\n2,b\n");
        Files.writeString(dir.resolve("part-2.csv"), "id,name\n3,c\n");
        Path logFile = dir.resolve("glob.jsonl");
        Result result = Kindling.onTestSpark().env("KINDLING_LOG_FILE", logFile.toString())
                .run("snapshot", "--source", dir + "/part-*.csv", "--format", "csv", "--target", "preflight.globbed",
                        "--logical-date", "2024-05-02", "--run-id", "r-glob");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(Files.readString(logFile)).contains("rows_read=3").contains("rows_written=3");
    }

    @Test
    void theHadoopConfigurationRanksKindlingConfOverSparkSubmitOverTheProfile() {
        String key = "spark.hadoop.kindling.preflight.test";
        Settings profileOnly = Settings.resolve("local", List.of(), Map.of());
        System.setProperty(key, "from-spark-submit");
        System.setProperty("spark.hadoop.kindling.preflight.only-submitted", "yes");
        try {
            assertThat(Preflight.hadoopConfiguration(profileOnly).get("kindling.preflight.test")).isEqualTo("from-spark-submit");
            assertThat(Preflight.hadoopConfiguration(profileOnly).get("kindling.preflight.only-submitted")).isEqualTo("yes");
            Settings withConf = Settings.resolve("local", List.of(key + "=from-kindling-conf"), Map.of());
            assertThat(Preflight.hadoopConfiguration(withConf).get("kindling.preflight.test")).isEqualTo("from-kindling-conf");
        } finally {
            System.clearProperty(key);
            System.clearProperty("spark.hadoop.kindling.preflight.only-submitted");
        }
    }

    @Test
    void aSourceIsGlobbedOnceAndItsFolderListedOnceWhileItsColumnsAreRead() throws IOException {
        Path csv = Files.createDirectories(dir.resolve("csv"));
        Files.writeString(csv.resolve("a.csv"), "id,name\n1,a\n");
        Files.writeString(csv.resolve("b.csv"), "id,name\n2,b\n");
        CountingFileSystem.reset();
        Source csvSource = new Source(Source.Format.CSV, CountingFileSystem.SCHEME + "://" + csv, null, "id INT, name STRING", CsvDialect.RFC_4180)
                .check(preflight(CountingFileSystem.SETTING), "--source");
        assertThat(csvSource.columns()).containsExactly("id", "name");
        assertThat(List.of(CountingFileSystem.GLOBS.get(), CountingFileSystem.LISTINGS.get())).as("CSV: globs, listings").containsExactly(1, 1);

        Path parquet = dir.resolve("parquet");
        TestSpark.session().range(2).selectExpr("id", "'x' AS name").coalesce(1).write().parquet(parquet.toString());
        CountingFileSystem.reset();
        Source parquetSource = new Source(Source.Format.PARQUET, CountingFileSystem.SCHEME + "://" + parquet, null, null, null)
                .check(preflight(CountingFileSystem.SETTING), "--source");
        assertThat(parquetSource.columns()).containsExactly("id", "name");
        assertThat(List.of(CountingFileSystem.GLOBS.get(), CountingFileSystem.LISTINGS.get())).as("Parquet: globs, listings").containsExactly(1, 1);
    }

    @Test
    void aFileSystemRegisteredThroughSparkSubmitIsUsedBeforeSparkStarts() {
        String[] setting = UnavailableFileSystem.SETTING.split("=", 2);
        System.setProperty(setting[0], setting[1]);
        try {
            assertThatThrownBy(() -> preflight().requirePathExists("--source", UnavailableFileSystem.SCHEME + ":///data/orders.csv"))
                    .isInstanceOf(InputUnavailableException.class);
        } finally {
            System.clearProperty(setting[0]);
        }
    }

    /** Finds files like the local file system but cannot read them, as a throttled object store may not. */
    public static class UnreadableFileSystem extends org.apache.hadoop.fs.RawLocalFileSystem {
        @Override
        public java.net.URI getUri() {
            return java.net.URI.create("unreadable:///");
        }

        @Override
        public org.apache.hadoop.fs.FSDataInputStream open(org.apache.hadoop.fs.Path path, int bufferSize) throws java.io.IOException {
            throw new java.io.IOException("503 Slow Down");
        }
    }

    @Test
    void aCsvHeaderThatCannotBeReadNowIsExit1() throws java.io.IOException {
        Path csv = java.nio.file.Files.writeString(dir.resolve("orders.csv"), "id,name\n1,a\n");
        Result result = Kindling.with(NO_SPARK)
                .run("snapshot", "--source", "unreadable://" + csv, "--format", "csv", "--target", "preflight.orders",
                        "--logical-date", "2024-05-01", "--conf", "spark.hadoop.fs.unreadable.impl=" + UnreadableFileSystem.class.getName());
        assertThat(result.exitCode()).isEqualTo(ExitCode.JOB_FAILED.code);
        assertThat(result.errLines()).singleElement().asString().contains("the CSV headers cannot be read now: IOException: 503 Slow Down");
    }

    /** Lists nothing it is asked about: every look-up is refused, as HDFS refuses a user without the permission. */
    public static class ForbiddenFileSystem extends org.apache.hadoop.fs.RawLocalFileSystem {
        @Override
        public java.net.URI getUri() {
            return java.net.URI.create("forbidden:///");
        }

        @Override
        public org.apache.hadoop.fs.FileStatus getFileStatus(org.apache.hadoop.fs.Path path) throws java.io.IOException {
            throw new org.apache.hadoop.security.AccessControlException("Permission denied: user=etl, access=EXECUTE, inode=\"/data\"");
        }
    }

    @Test
    void permissionDeniedIsExit2NotRetried() {
        Result result = Kindling.with(NO_SPARK)
                .run("snapshot", "--source", "forbidden:///data/orders.csv", "--format", "csv", "--target", "preflight.orders",
                        "--logical-date", "2024-05-01", "--conf", "spark.hadoop.fs.forbidden.impl=" + ForbiddenFileSystem.class.getName());
        assertThat(result.exitCode()).isEqualTo(ExitCode.BAD_USAGE.code);
        assertThat(result.errLines()).containsExactly("kindling snapshot: error: --source 'forbidden:///data/orders.csv' cannot be checked: "
                + "permission denied: Permission denied: user=etl, access=EXECUTE, inode=\"/data\"");
    }
}
