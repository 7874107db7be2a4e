package dev.kindling.audience;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kindling.dsl.Marketplace;
import dev.kindling.dsl.Tables;
import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.RunLog;
import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audience job through the real entry point, on a tiny demo marketplace made by the demo-data job. */
class AudienceJobTest {

    private static final SparkSession SPARK = TestSpark.session();
    private static final String DEFINITION = """
            // consenting Sports sellers of January near Toruń
            users().withPermissionToMailing()
                   .soldAtLeast(1, "Sports", between("2017-01-01", "2017-01-31"))
                   .or(users().withPermissionToMailing().livingNear("87-100", 10))
            """;

    @TempDir
    Path dir;

    @BeforeAll
    static void demoData() {
        Result result = Kindling.onTestSpark().run("demo-data", "--logical-date", "2024-01-01", "--users", "400", "--transactions", "4000",
                "--postal-codes-per-city", "20", "--conf", "marketplace.database=aud_market");
        assertThat(result.exitCode()).as(result.err()).isZero();
    }

    private Result audience(String definition, String name, String... more) throws IOException {
        Path file = Files.writeString(dir.resolve("audience.txt"), definition);
        List<String> args = new ArrayList<>(List.of("audience", "--run-id", "aud-" + name,
                "--definition", file.toString(), "--name", name, "--conf", "marketplace.database=aud_market", "--conf", "mailing.database=aud_mailings"));
        args.addAll(List.of(more));
        if (!args.contains("--logical-date")) {
            args.addAll(List.of("--logical-date", "2024-02-01"));
        }
        return Kindling.onTestSpark().run(args.toArray(String[]::new));
    }


    @Test
    void writesTheMailingListOfASavedDefinition() throws IOException {
        Result result = audience(DEFINITION, "january_sports_or_torun");

        assertThat(result.exitCode()).as(result.err()).isZero();
        Dataset<Row> audience = new Marketplace(SPARK, Tables.in("aud_market", "unused")).parse(DEFINITION).toDataset();
        Dataset<Row> suppressed = SPARK.table("aud_market.suppressions").select("user_id");
        List<Row> expected = audience.join(suppressed, "user_id", "left_anti")
                .select("user_id", "first_name", "email", "postal_code").collectAsList();
        long suppressedInAudience = audience.join(suppressed, "user_id", "left_semi").count();
        assertThat(expected).isNotEmpty();
        assertThat(suppressedInAudience).as("the demo data suppress some of this audience").isPositive();
        assertThat(SPARK.table("aud_mailings.january_sports_or_torun").collectAsList()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(RunLog.ofTestSpark().lines("aud-january_sports_or_torun"))
                .anyMatch(line -> line.contains("mailing list aud_mailings.january_sports_or_torun: " + expected.size() + " users ("
                        + suppressedInAudience + " suppressed); first list: +" + expected.size() + "; CSV in "))
                // the list's users, and the same users in the mailing history
                .anyMatch(line -> line.contains("rows_written=" + 2 * expected.size()) && line.matches(".*rows_read=[1-9][0-9]*.*")
                        && line.contains("users_suppressed=" + suppressedInAudience) && line.contains("users_added=" + expected.size())
                        && line.contains("users_removed=0"));
    }

    @Test
    void aRerunReplacesTheListInOneCommitThatNamesTheRunAndCountsItsRows() throws IOException {
        assertThat(audience(DEFINITION, "rerun_list").exitCode()).isZero();

        Result rerun = audience("users().withPermissionToMailing().livingNear(\"87-100\", 10)", "rerun_list");

        assertThat(rerun.exitCode()).as(rerun.err()).isZero();
        long users = SPARK.table("aud_mailings.rerun_list").count();
        assertThat(RunLog.ofTestSpark().lines("aud-rerun_list")).as("the list and its users in the history")
                .anyMatch(line -> line.contains("rows_written=" + 2 * users));
        assertThat(refsOf("rerun_list")).as("no staging branch is left").containsExactly("main");
        Row published = SPARK.sql("SELECT summary['kindling.run_id'], summary['kindling.job'], summary['total-records'] FROM aud_mailings.rerun_list.snapshots"
                + " WHERE snapshot_id = (SELECT snapshot_id FROM aud_mailings.rerun_list.refs WHERE name = 'main')").first();
        assertThat(published.toString()).isEqualTo("[aud-rerun_list,audience," + users + "]");
        assertThat(SPARK.sql("SELECT * FROM aud_mailings.rerun_list.history").count()).as("one commit a run").isEqualTo(2);
    }

    private static List<Long> ids(String table) {
        return SPARK.table(table).orderBy("user_id").collectAsList().stream().map(r -> r.getLong(0)).toList();
    }

    /** The consenting users of aud_market less its suppression list: whom a list of everyone who agreed gets. */
    private static List<Long> mailable() {
        return new Marketplace(SPARK, Tables.in("aud_market", "unused")).users().withPermissionToMailing().toDataset()
                .join(SPARK.table("aud_market.suppressions"), "user_id", "left_anti")
                .orderBy("user_id").collectAsList().stream().map(r -> r.getLong(0)).toList();
    }

    private static List<Long> historyOf(String mailing, String day) {
        return SPARK.sql("SELECT user_id FROM aud_mailings.mailing_history WHERE mailing = '" + mailing + "' AND prepared_on = DATE'" + day + "'"
                + " ORDER BY user_id").collectAsList().stream().map(r -> r.getLong(0)).toList();
    }

    @Test
    void aHoldoutIsWrittenBesideTheListAndOnlyTheListGoesToTheHistory() throws IOException {
        Result result = audience("users().withPermissionToMailing().holdout(30, \"spring\")", "job_split", "--logical-date", "2024-03-01");
        assertThat(result.exitCode()).as(result.err()).isZero();
        List<Long> listed = ids("aud_mailings.job_split");
        List<Long> held = ids("aud_mailings.job_split_holdout");
        List<Long> mailable = mailable();
        assertThat(listed).doesNotContainAnyElementsOf(held);
        assertThat(new java.util.TreeSet<>(listed) {{ addAll(held); }}).containsExactlyElementsOf(mailable);
        assertThat(held.size()).as("about 30% of " + mailable.size()).isBetween(mailable.size() / 5, mailable.size() * 2 / 5);
        assertThat(historyOf("job_split", "2024-03-01")).isEqualTo(listed);
        assertThat(RunLog.ofTestSpark().lines("aud-job_split")).anyMatch(line -> line.contains("; " + held.size() + " held out in aud_mailings.job_split_holdout"));

        assertThat(audience("users().withPermissionToMailing().holdout(30, \"spring\")", "job_split", "--logical-date", "2024-03-01").exitCode()).isZero();
        assertThat(ids("aud_mailings.job_split")).isEqualTo(listed);
        assertThat(ids("aud_mailings.job_split_holdout")).isEqualTo(held);
    }

    @Test
    void notMailedInLastLeavesOutWhoWasOnAListTheDayBefore() throws IOException {
        assertThat(audience("users().withPermissionToMailing().livingNear(\"87-100\", 10)", "fatigue_first", "--logical-date", "2024-04-01").exitCode()).isZero();
        List<Long> mailed = ids("aud_mailings.fatigue_first");
        assertThat(mailed).isNotEmpty();
        assertThat(historyOf("fatigue_first", "2024-04-01")).isEqualTo(mailed);

        Result next = audience("users().withPermissionToMailing().notMailedInLast(1)", "fatigue_next", "--logical-date", "2024-04-02");
        assertThat(next.exitCode()).as(next.err()).isZero();
        List<Long> mailable = mailable();
        assertThat(ids("aud_mailings.fatigue_next")).containsExactlyElementsOf(mailable.stream().filter(id -> !mailed.contains(id)).toList());
    }

    @Test
    void aDryRunRecordsNoHistory() throws IOException {
        Result result = audience("users().withPermissionToMailing().holdout(10, \"dry\")", "dry_history", "--dry-run");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("dry run: would replace partition (prepared_on DATE, mailing STRING) = [2024-02-01, dry_history] of table aud_mailings.mailing_history",
                "dry run: would replace table aud_mailings.dry_history_holdout with a CSV copy");
        assertThat(SPARK.catalog().tableExists("aud_mailings.mailing_history") ? historyOf("dry_history", "2024-02-01") : List.of()).isEmpty();
        assertThat(SPARK.catalog().tableExists("aud_mailings.dry_history_holdout")).isFalse();
    }

    @Test
    void aMissingSuppressionListIsBadUsageAndLeavesThePreviousList() throws IOException {
        assertThat(audience("users().withPermissionToMailing().livingNear(\"87-100\", 10)", "guarded").exitCode()).isZero();
        List<Row> before = SPARK.table("aud_mailings.guarded").collectAsList();
        long snapshots = SPARK.sql("SELECT * FROM aud_mailings.guarded.snapshots").count();

        Result result = audience("users().withPermissionToMailing()", "guarded", "--conf", "marketplace.suppressions.table=aud_market.no_such_list");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().contains("the suppression list aud_market.no_such_list does not exist; nothing was published."
                + " Create it (user_id BIGINT, reason STRING, since DATE) or point setting marketplace.suppressions.table at it");
        assertThat(SPARK.table("aud_mailings.guarded").collectAsList()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(SPARK.sql("SELECT * FROM aud_mailings.guarded.snapshots").count()).isEqualTo(snapshots);
        assertThat(refsOf("guarded")).containsExactly("main");
    }

    @Test
    void aSuppressionListEmptiedSinceTheLastMailingIsExitThreeAndLeavesThePreviousList() throws IOException {
        SPARK.sql("DROP TABLE IF EXISTS aud_market.shrinking_suppressions");
        SPARK.sql("CREATE TABLE aud_market.shrinking_suppressions USING iceberg AS SELECT * FROM aud_market.suppressions");
        String list = "users().withPermissionToMailing().livingNear(\"87-100\", 10)";
        String[] suppressions = {"--conf", "marketplace.suppressions.table=aud_market.shrinking_suppressions"};
        assertThat(audience(list, "compliant", suppressions).exitCode()).isZero();
        List<Row> before = SPARK.table("aud_mailings.compliant").collectAsList();
        long suppressed = SPARK.table("aud_market.shrinking_suppressions").count();

        SPARK.sql("DELETE FROM aud_market.shrinking_suppressions");
        Result refused = audience(list, "compliant", suppressions);
        assertThat(refused.exitCode()).isEqualTo(3);
        assertThat(refused.errLines()).singleElement().asString().startsWith("kindling audience: data quality check failed: prepareForMailing:"
                + " the suppression list aud_market.shrinking_suppressions has 0 users, " + suppressed + " when aud_mailings.compliant was last published");
        assertThat(SPARK.table("aud_mailings.compliant").collectAsList()).containsExactlyInAnyOrderElementsOf(before);

        Result accepted = audience(list, "compliant", "--conf", "marketplace.suppressions.table=aud_market.shrinking_suppressions",
                "--conf", "marketplace.suppressions.max.loss.percent=100");
        assertThat(accepted.exitCode()).as(accepted.err()).isZero();
    }

    private static List<String> refsOf(String list) {
        return SPARK.sql("SELECT name FROM aud_mailings." + list + ".refs").collectAsList().stream().map(r -> r.getString(0)).sorted().toList();
    }

    @Test
    void lastDaysEndOnTheLogicalDate() throws IOException {
        Result result = audience("users().withPermissionToMailing().soldAtLeast(1, \"Sports\", lastDays(31))", "last_31_days",
                "--logical-date", "2017-01-31");
        assertThat(result.exitCode()).as(result.err()).isZero();
        List<Row> expected = new Marketplace(SPARK, Tables.in("aud_market", "unused"))
                .parse("users().withPermissionToMailing().soldAtLeast(1, \"Sports\", between(\"2017-01-01\", \"2017-01-31\"))")
                .toDataset().join(SPARK.table("aud_market.suppressions"), "user_id", "left_anti")
                .select("user_id", "first_name", "email", "postal_code").collectAsList();
        assertThat(expected).isNotEmpty();
        assertThat(SPARK.table("aud_mailings.last_31_days").collectAsList()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void aDefinitionWithoutConsentIsBadUsageAndWritesNothing() throws IOException {
        Result result = audience("users().livingNear(\"87-100\", 10)", "no_consent");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString()
                .contains("prepareForMailing: this audience may include users who did not agree to mailings");
        assertThat(SPARK.catalog().tableExists("aud_mailings.no_consent")).isFalse();
    }

    @Test
    void aMistakeInTheDefinitionIsReportedWithItsPlace() throws IOException {
        Result result = audience("users()\n  .withPermissionToMailing()\n  .soldAtLeast(4, \"Sprots\", between(\"2017-01-01\", \"2017-01-20\"))", "typo");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().contains("soldAtLeast: 'category' \"Sprots\" is not a known category. Did you mean 'Sports'?");

        Result syntax = audience("users().livingNear(\"87-100\" 10)", "syntax");
        assertThat(syntax.exitCode()).isEqualTo(2);
        assertThat(syntax.errLines()).singleElement().asString().contains("line 1, column 29: expected ',' but found '10'");
    }

    @Test
    void badNamesAndMissingFilesAreRefusedBeforeSparkStarts() {
        Kindling noSpark = Kindling.with((settings, app) -> {
            throw new AssertionError("Spark must not start");
        });
        Result name = noSpark.run("audience", "--logical-date", "2024-02-01", "--definition", "pom.xml", "--name", "drop table x");
        assertThat(name.exitCode()).isEqualTo(2);
        assertThat(name.errLines()).singleElement().asString().contains("--name: prepareForMailing: 'name' \"drop table x\" cannot be a table name");
        Result missing = noSpark.run("audience", "--logical-date", "2024-02-01", "--definition", "no/such/file.txt", "--name", "x");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.errLines()).singleElement().asString().contains("--definition 'no/such/file.txt' cannot be read");
    }

    @Test
    void aDefinitionThatCannotBeReadNowIsExit1AndOneThatIsNotThereOrNotTextExit2BeforeSparkStarts() throws IOException {
        Kindling noSpark = Kindling.with((settings, app) -> {
            throw new AssertionError("Spark must not start");
        });
        // a folder where the file should be: it exists, and reading it is an I/O error other than "no such file"
        Result unreadable = noSpark.run("audience", "--logical-date", "2024-02-01", "--definition", dir.toString(), "--name", "x");
        assertThat(unreadable.exitCode()).as(unreadable.err()).isEqualTo(1);
        assertThat(unreadable.errLines()).singleElement().asString()
                .contains("failed: --definition '" + dir + "' cannot be read now: java.io.IOException: Is a directory");

        Result missing = noSpark.run("audience", "--logical-date", "2024-02-01", "--definition", dir.resolve("gone.audience").toString(), "--name", "x");
        assertThat(missing.exitCode()).as(missing.err()).isEqualTo(2);
        assertThat(missing.errLines()).singleElement().asString().contains("error: --definition '" + dir.resolve("gone.audience") + "' cannot be read: ");

        Path latin2 = Files.write(dir.resolve("latin2.audience"), new byte[] {'u', 's', 'e', 'r', 's', '(', ')', (byte) 0xB3});
        Result notUtf8 = noSpark.run("audience", "--logical-date", "2024-02-01", "--definition", latin2.toString(), "--name", "x");
        assertThat(notUtf8.exitCode()).as(notUtf8.err()).isEqualTo(2);
        assertThat(notUtf8.errLines()).singleElement().asString().contains("MalformedInputException");
    }

    @Test
    void aBadDefinitionIsRefusedInOneLineBeforeSparkStarts() throws IOException {
        Kindling noSpark = Kindling.with((settings, app) -> {
            throw new AssertionError("Spark must not start");
        });
        String deep = "users()" + ".withPermissionToMailing().or(users()".repeat(20_000) + ")".repeat(20_000);
        Map<String, String> refusals = Map.of(
                deep, "and/or/except are nested more than 100 levels deep",
                "users().withPermissionToMailing().soldAtLeast(1, \"Sports\", lastDays(2147483647))",
                "lastDays: 'days' is 2147483647, but it must be from 1 to 36600",
                "users().withPermissionToMailing().livingNear(\"87-100\" 10)", "line 1, column 55: expected ',' but found '10'",
                "users().withPermissionToMailing().holdout(10, \"s\").livingNear(\"87-100\", 10)",
                "line 1, column 51: holdout(...) ends the audience; no step may follow it",
                "users().withPermissionToMailing().or(users().livingNear(\"87-100\", 10))",
                "prepareForMailing: this audience may include users who did not agree to mailings, so it cannot be exported."
                        + " Add .withPermissionToMailing() to every part joined with or(...), and to the first part of except(...)."
                        + " Missing in: users().livingNear(\"87-100\", 10)");
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            Path file = Files.writeString(dir.resolve("bad.txt"), refusal.getKey());
            Result result = noSpark.run("audience", "--logical-date", "2024-02-01", "--definition", file.toString(), "--name", "bad");
            assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
            assertThat(result.errLines()).singleElement().asString().contains("--definition '" + file + "': ", refusal.getValue());
        }
    }

    @Test
    void dryRunDescribesAndPlansButWritesNothing() throws IOException {
        Result result = audience(DEFINITION, "dry", "--dry-run");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(SPARK.catalog().tableExists("aud_mailings.dry")).isFalse();
        // the plan of the rows it would write reads the suppression list (the anti-join)
        assertThat(result.out()).contains("dry run: would replace table aud_mailings.dry with a CSV copy", "Physical Plan", "aud_market.suppressions");
        assertThat(RunLog.ofTestSpark().lines("aud-dry")).anyMatch(line -> line.contains("writing mailing list dry: (users who gave permission to mailing"))
                .anyMatch(line -> line.contains("mailing list aud_mailings.dry: 0 users (0 suppressed); not compared with the last list (dry run); CSV in (dry run"))
                .noneMatch(line -> line.contains("users_suppressed="));
    }
}
