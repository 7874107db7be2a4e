package dev.kindling.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.RunLog;
import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train and score through the real entry point, on a small synthetic marketplace. */
class RecommendJobsTest {

    private static final SparkSession SPARK = TestSpark.session();
    private static final String DATABASE = "reco_test";
    private static final String DATE = "2017-12-31";

    @TempDir
    Path models;

    @BeforeAll
    static void marketplace() {
        Result demo = Kindling.onTestSpark().run("demo-data", "--logical-date", "2024-01-01", "--users", "200", "--transactions", "6000",
                "--postal-codes-per-city", "2", "--conf", "marketplace.database=" + DATABASE, "--run-id", "reco-demo");
        assertThat(demo.exitCode()).as(demo.err()).isZero();
    }

    private Result run(String job, String runId, String... more) {
        List<String> args = new ArrayList<>(List.of(job, "--logical-date", DATE, "--run-id", runId,
                "--conf", "marketplace.database=" + DATABASE, "--conf", "models.dir=" + models));
        args.addAll(List.of(more));
        return Kindling.onTestSpark().run(args.toArray(String[]::new));
    }

    /** The model's current pointer: its highest pointer file. */
    private Properties pointer(String name) throws IOException {
        Properties p = new Properties();
        try (java.util.stream.Stream<Path> files = Files.list(models.resolve(name).resolve("pointer"))) {
            Path highest = files.filter(f -> f.getFileName().toString().matches("[0-9]{12}\\.properties")).max(Path::compareTo).orElseThrow();
            try (Reader reader = Files.newBufferedReader(highest)) {
                p.load(reader);
            }
        }
        return p;
    }

    private Path version(Properties pointer) {
        return Path.of(pointer.getProperty("version").replaceFirst("^file:", ""));
    }

    private static String metric(String runId, String name) {
        Matcher m = Pattern.compile("\\b" + Pattern.quote(name) + "=(\\d+)").matcher(RunLog.ofTestSpark().summary(runId));
        assertThat(m.find()).as(name + " in the summary of " + runId).isTrue();
        return m.group(1);
    }

    @Test
    void trainPublishesAVersionAndThePointerAndARerunGivesTheSameMetrics() throws IOException {
        Result first = run("train", "train-1");
        assertThat(first.exitCode()).as(first.err()).isZero();
        Properties current = pointer("categories");
        Path version = version(current);
        assertThat(version.getParent()).isEqualTo(models.resolve("categories").resolve(DATE));
        assertThat(version.getFileName().toString()).startsWith("train-1_");
        assertThat(version.resolve("metadata")).isDirectory();
        assertThat(current.getProperty("run_id")).isEqualTo("train-1");
        assertThat(Double.parseDouble(current.getProperty("rmse"))).isPositive();
        assertThat(metric("train-1", "training_rows")).isNotEqualTo("0");
        assertThat(metric("train-1", "rank")).isEqualTo("10");

        Result again = run("train", "train-2");
        assertThat(again.exitCode()).as(again.err()).isZero();
        for (String name : List.of("training_rows", "rmse_millionths", "precision_at_k_millionths")) {
            assertThat(metric("train-2", name)).as(name).isEqualTo(metric("train-1", name));
        }
        Properties rerun = pointer("categories");
        assertThat(rerun.getProperty("run_id")).isEqualTo("train-2");
        assertThat(rerun.getProperty("rmse")).isEqualTo(current.getProperty("rmse"));
        assertThat(rerun.getProperty("precision_at_k")).isEqualTo(current.getProperty("precision_at_k"));
        assertThat(metric("train-2", "current_rmse_millionths")).isEqualTo(metric("train-1", "rmse_millionths"));
    }

    @Test
    void aWorseModelIsKeptButNotCurrentAndExitsThree() throws IOException {
        assertThat(run("train", "good").exitCode()).isZero();
        // a huge regularisation pulls every prediction to 0: far worse RMSE
        Result worse = run("train", "bad", "--reg-param", "500", "--tolerance", "0.1");
        assertThat(worse.exitCode()).as(worse.err()).isEqualTo(3);
        assertThat(worse.errLines()).hasSize(1);
        assertThat(worse.err()).containsPattern("model categories not made current: RMSE [0-9.]+ is worse than the current model's [0-9.]+ by more than --tolerance 0.1");
        assertThat(worse.err()).contains("; the new version is kept at " + models.resolve("categories").resolve(DATE) + "/bad_");
        assertThat(pointer("categories").getProperty("run_id")).isEqualTo("good");

        // a rerun of the good run's id with the worse settings is compared all the same, and leaves the good model's files alone
        Path good = version(pointer("categories"));
        long goodFiles;
        try (java.util.stream.Stream<Path> files = Files.walk(good)) {
            goodFiles = files.count();
        }
        Result rerun = run("train", "good", "--reg-param", "500", "--tolerance", "0.1");
        assertThat(rerun.exitCode()).as(rerun.err()).isEqualTo(3);
        assertThat(version(pointer("categories"))).isEqualTo(good);
        try (java.util.stream.Stream<Path> files = Files.walk(good)) {
            assertThat(files.count()).isEqualTo(goodFiles);
        }

        // a backfill of an earlier date keeps its version and leaves the pointer alone, unless asked
        Result older = Kindling.onTestSpark().run("train", "--logical-date", "2017-12-30", "--run-id", "older",
                "--conf", "marketplace.database=" + DATABASE, "--conf", "models.dir=" + models);
        assertThat(older.exitCode()).as(older.err()).isEqualTo(3);
        assertThat(older.errLines()).singleElement().asString().startsWith("kindling train: data quality check failed: model categories not made current:"
                + " it is for 2017-12-30, before the current version's 2017-12-31 (--allow-older makes it current anyway); the new version is kept at ");
        assertThat(pointer("categories").getProperty("run_id")).isEqualTo("good");
        Result asked = Kindling.onTestSpark().run("train", "--logical-date", "2017-12-30", "--run-id", "older-asked", "--allow-older",
                "--conf", "marketplace.database=" + DATABASE, "--conf", "models.dir=" + models);
        assertThat(asked.exitCode()).as(asked.err()).isZero();
        assertThat(pointer("categories").getProperty("run_id")).isEqualTo("older-asked");
    }

    @Test
    void scoreWithoutACurrentModelIsExitTwo() {
        Result result = run("score", "no-model", "--name", "nothing", "--table", DATABASE + ".never");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).hasSize(1);
        assertThat(result.err()).contains("model nothing has no current version");
        assertThat(SPARK.catalog().tableExists(DATABASE + ".never")).isFalse();
    }

    @Test
    void scoreWritesTopNPerUserAndARerunReplacesThePartition() {
        assertThat(run("train", "for-score", "--name", "scored").exitCode()).isZero();
        String table = DATABASE + ".top_categories";
        Result first = run("score", "score-1", "--name", "scored", "--table", table, "--top", "3");
        assertThat(first.exitCode()).as(first.err()).isZero();
        long users = SPARK.table(table).select("user_id").distinct().count();
        assertThat(users).isGreaterThan(100);
        assertThat(SPARK.sql("SELECT count(*) FROM " + table + " WHERE ds = '" + DATE + "'").first().getLong(0)).isEqualTo(3 * users);
        assertThat(SPARK.sql("SELECT user_id FROM " + table + " GROUP BY user_id HAVING count(*) <> 3 OR max(position) <> 3").count()).isZero();
        assertThat(SPARK.sql("SELECT DISTINCT arm FROM " + table).collectAsList()).extracting(Row::toString).containsExactly("[model]");

        Result again = run("score", "score-2", "--name", "scored", "--table", table, "--top", "3");
        assertThat(again.exitCode()).as(again.err()).isZero();
        SPARK.catalog().refreshTable(table);
        assertThat(SPARK.sql("SELECT count(*) FROM " + table + " WHERE ds = '" + DATE + "'").first().getLong(0)).isEqualTo(3 * users);
        assertThat(SPARK.sql("SELECT summary['kindling.run_id'], summary['deleted-records'] FROM " + table + ".snapshots ORDER BY committed_at")
                .collectAsList()).extracting(Row::toString).as("the rerun's publish replaced the first's rows")
                .containsExactly("[score-1,null]", "[score-2," + 3 * users + "]");
    }

    @Test
    void idsPast2To31AreScoredUnderTheirOwnIds() {
        // 40 buyers and 6 categories whose ids do not fit an int: a cast would fail (ANSI) or wrap onto other ids
        String database = "reco_big";
        SPARK.sql("CREATE DATABASE IF NOT EXISTS " + database);
        SPARK.sql("DROP TABLE IF EXISTS " + database + ".transactions");
        SPARK.sql("CREATE TABLE " + database + ".transactions USING parquet AS"
                + " SELECT 5000000000 + b * 7 AS buyer_id, 3000000000 + c AS category_id, DATE'2017-12-01' + CAST(n AS INT) AS transaction_date"
                + " FROM range(40) AS buyers(b) CROSS JOIN range(6) AS categories(c) CROSS JOIN range(3) AS times(n)"
                + " WHERE (b + c) % 2 = 0 AND n <= (b * c) % 3");
        String table = database + ".scores";
        String[] big = {"--conf", "marketplace.database=" + database, "--conf", "models.dir=" + models};
        Result train = Kindling.onTestSpark().run(concat(new String[] {"train", "--logical-date", DATE, "--run-id", "big-train", "--name", "big"}, big));
        assertThat(train.exitCode()).as(train.err()).isZero();
        Result score = Kindling.onTestSpark().run(concat(new String[] {"score", "--logical-date", DATE, "--run-id", "big-score", "--name", "big",
                "--table", table, "--top", "2"}, big));
        assertThat(score.exitCode()).as(score.err()).isZero();
        assertThat(SPARK.sql("SELECT count(DISTINCT user_id), min(user_id), max(user_id), count(DISTINCT category_id) > 1,"
                + " count_if(category_id NOT BETWEEN 3000000000 AND 3000000005) FROM " + table).first().toString())
                .isEqualTo("[40,5000000000,5000000273,true,0]");
        assertThat(SPARK.sql("SELECT count(*) FROM " + table + " t LEFT ANTI JOIN " + database + ".transactions m"
                + " ON t.user_id = m.buyer_id").first().getLong(0)).as("every scored user is a buyer of the marketplace").isZero();
    }

    private static String[] concat(String[] first, String[] second) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(first), java.util.Arrays.stream(second)).toArray(String[]::new);
    }

    @Test
    void theExperimentSplitsUsersByTheirSaltedHash() {
        assertThat(run("train", "for-experiment", "--name", "experiment").exitCode()).isZero();
        String table = DATABASE + ".experiment";
        Result result = run("score", "experiment-1", "--name", "experiment", "--table", table, "--top", "2",
                "--experiment-salt", "spring", "--experiment-share", "0.3");
        assertThat(result.exitCode()).as(result.err()).isZero();
        List<Row> arms = SPARK.sql("SELECT user_id, min(arm), max(arm), min(model_version) FROM " + table + " GROUP BY user_id").collectAsList();
        assertThat(arms).isNotEmpty().allSatisfy(row -> {
            assertThat(row.getString(1)).isEqualTo(row.getString(2)).isEqualTo(Experiment.arm("spring", 0.3, row.getLong(0)));
            assertThat(row.getString(3)).matches(".*/experiment/" + DATE + "/for-experiment_[0-9a-f]{8}");
        });
        assertThat(arms).extracting(row -> row.getString(1)).contains(Experiment.MODEL, Experiment.BASELINE);
        // baseline users all get the same two most bought categories
        assertThat(SPARK.sql("SELECT DISTINCT category_id FROM " + table + " WHERE arm = 'baseline'").count()).isEqualTo(2);
    }

    @Test
    void theAssignmentIsDeterministicAndNearTheShare() {
        int model = 0;
        for (long user = 1; user <= 20_000; user++) {
            String arm = Experiment.arm("spring", 0.3, user);
            assertThat(Experiment.arm("spring", 0.3, user)).isEqualTo(arm);
            if (arm.equals(Experiment.MODEL)) {
                model++;
            }
        }
        assertThat(model).isBetween(5_700, 6_300);
        // a fixed value: the same in every JVM, offline and online
        assertThat(Experiment.bucket("spring", 42)).isEqualTo(Experiment.bucket("spring", 42L)).isBetween(0.0, 1.0);
        assertThat(Experiment.arm("spring", 0.0, 42)).isEqualTo(Experiment.BASELINE);
        assertThat(Experiment.arm("spring", 1.0, 42)).isEqualTo(Experiment.MODEL);
    }

    @Test
    void badOptionsAreExitTwoNamingTheOption() {
        assertThat(run("train", "bad-rank", "--rank", "0").err()).contains("--rank 0 is out of range: use a whole number from 1 to 200");
        assertThat(run("score", "bad-share", "--experiment-salt", "s", "--experiment-share", "1.5").err())
                .contains("--experiment-share 1.5 is out of range: use a number from 0.0 to 1.0");
        Result missing = run("score", "no-salt", "--experiment-share", "0.5");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--experiment-share 0.5 needs --experiment-salt");
    }

    @Test
    void aDryRunOfTrainWritesNothing() {
        Result dry = run("train", "dry", "--name", "dry", "--dry-run");
        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("dry run: would fit ALS (rank 10, 10 iterations)");
        assertThat(models.resolve("dry")).doesNotExist();
    }

    @Test
    void aDryRunOfScoreReadsTheCurrentModelAndWritesNothing() throws IOException {
        assertThat(run("train", "for-dry-score", "--name", "dry-score", "--iterations", "2").exitCode()).isZero();
        String table = DATABASE + ".dry_scores";
        Result dry = run("score", "dry-score", "--name", "dry-score", "--table", table, "--dry-run");
        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("dry run").contains(table);
        assertThat(SPARK.catalog().tableExists(table)).isFalse();
        assertThat(pointer("dry-score").getProperty("run_id")).isEqualTo("for-dry-score");

        Result noModel = run("score", "dry-no-model", "--name", "never-trained", "--table", table, "--dry-run");
        assertThat(noModel.exitCode()).isEqualTo(2);
        assertThat(noModel.err()).contains("model never-trained has no current version");
    }
}
