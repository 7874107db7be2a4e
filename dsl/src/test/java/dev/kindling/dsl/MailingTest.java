package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.Audiences.users;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import dev.kindling.dsl.publish.Difference;
import dev.kindling.dsl.publish.TableWriter;
import dev.kindling.dsl.publish.PublishConflictException;
import dev.kindling.dsl.publish.StagedTable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.kindling.testing.TestSpark;

/** prepareForMailing: consent required, only mailing columns, a CSV, and old-or-new, never partial. */
class MailingTest {

    private static final SparkSession SPARK = TestSpark.session();
    private static Marketplace marketplace;

    @BeforeAll
    static void open() {
        marketplace = SmallMarketplace.open();
    }

    private static List<String> rows(String table) {
        return SPARK.table(table).orderBy("user_id").collectAsList().stream().map(Row::toString).toList();
    }


    @Test
    void theExampleIsWrittenAsTableAndCsvWithOnlyMailingColumns() {
        MailingList list = users().withPermissionToMailing().soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20"))
                .livingNear("87-100", 10).prepareForMailing("sellers_in_sports_category_living_near_Torun");

        assertThat(list.table()).isEqualTo("small_mailings.sellers_in_sports_category_living_near_torun");
        assertThat(list.users()).isEqualTo(1);
        assertThat(list.toString()).startsWith("mailing list small_mailings.sellers_in_sports_category_living_near_torun: 1 user (0 suppressed); first list: +1; CSV in ");
        assertThat(SPARK.table(list.table()).columns()).containsExactly("user_id", "first_name", "email", "postal_code");
        assertThat(rows(list.table())).containsExactly("[1,Ala,ala@example.com,87-100]");
        List<String> csv = SPARK.read().text(list.csvFolder()).collectAsList().stream().map(r -> r.getString(0)).toList();
        assertThat(csv).containsExactly("user_id,first_name,email,postal_code", "1,Ala,ala@example.com,87-100");
    }

    /** The table's branches and tags: after a publish, main only (no staging branch is left behind). */
    private static List<String> refs(String table) {
        return SPARK.sql("SELECT name FROM " + table + ".refs").collectAsList().stream().map(r -> r.getString(0)).sorted().toList();
    }

    private static List<Long> snapshots(String table) {
        return SPARK.sql("SELECT snapshot_id FROM " + table + ".history ORDER BY made_current_at").collectAsList().stream().map(r -> r.getLong(0)).toList();
    }

    @Test
    void aRerunReplacesTheListInOneCommitAndTheReplacedListStaysReadable() {
        MailingList first = users().withPermissionToMailing().livingNear("87-100", 10).prepareForMailing("near_torun");
        MailingList second = users().withPermissionToMailing().livingNear("87-100", 1).prepareForMailing("near_torun");

        assertThat(second.users()).isEqualTo(1);
        assertThat(rows("small_mailings.near_torun")).containsExactly("[1,Ala,ala@example.com,87-100]");
        assertThat(refs("small_mailings.near_torun")).containsExactly("main");
        List<Long> published = snapshots("small_mailings.near_torun");
        assertThat(published).as("one commit a list").hasSize(2);
        assertThat(SPARK.sql("SELECT user_id FROM small_mailings.near_torun VERSION AS OF " + published.get(0) + " ORDER BY user_id").collectAsList())
                .as("a reader of the first list still reads it").map(Row::toString).containsExactly("[1]", "[2]");
        assertThat(first.csvFolder()).isNotEqualTo(second.csvFolder()).endsWith("near_torun.csv/" + published.get(0));
        assertThat(SPARK.read().text(first.csvFolder()).count()).as("the replaced list's CSV is still there, header and 2 users").isEqualTo(3);
    }

    @Test
    void ofTwoRunsReplacingOneListAtOnceExactlyOnePublishesAndTheOtherSaysWhichRunDid() {
        users().withPermissionToMailing().livingNear("87-100", 10).prepareForMailing("shared");
        var oneUser = SPARK.table("small_mailings.shared").where("user_id = 1");
        var twoUsers = SPARK.table("small_mailings.shared");
        StagedTable a = StagedTable.begin(SPARK, "small_mailings.shared", oneUser.schema(), List.of(), "run-a");
        StagedTable b = StagedTable.begin(SPARK, "small_mailings.shared", twoUsers.schema(), List.of(), "run-b");
        a.write(oneUser, java.util.Map.of("kindling.run_id", "run-a"));
        b.write(twoUsers, java.util.Map.of("kindling.run_id", "run-b"));
        assertThat(rows("small_mailings.shared")).as("staged rows are unseen").hasSize(2);

        long published = a.publish();
        assertThatThrownBy(b::publish).isInstanceOf(PublishConflictException.class)
                .hasMessage("another run published small_mailings.shared while this run was writing it: run run-a (snapshot " + published
                        + "); nothing was published (a retry writes on top of it)");

        assertThat(rows("small_mailings.shared")).containsExactly("[1,Ala,ala@example.com,87-100]");
        assertThat(refs("small_mailings.shared")).containsExactly("main");
    }

    @Test
    void aNewListWhoseWriteFailsLeavesNoTable() {
        var failing = SPARK.table("small.users").withColumn("user_id",
                when(col("user_id").equalTo(7), raise_error(lit("disk full"))).otherwise(col("user_id")));
        assertThatThrownBy(() -> new MailingExport(marketplace).write("never_published", failing, null, TableWriter.inSession(SPARK)))
                .hasMessageContaining("disk full");
        assertThat(SPARK.catalog().tableExists("small_mailings.never_published")).isFalse();
    }

    @Test
    void aSavedDefinitionWithoutConsentIsRefusedNamingThePart() {
        // typed in Java, such an audience has no prepareForMailing (ConsentTypeTest); read from text, it fails here
        assertThatThrownBy(() -> marketplace.parseForMailing("users().livingNear(\"87-100\", 10)"))
                .isInstanceOf(AudienceException.class)
                .hasMessage("prepareForMailing: this audience may include users who did not agree to mailings, so it cannot be exported."
                        + " Add .withPermissionToMailing() to every part joined with or(...), and to the first part of except(...)."
                        + " Missing in: users().livingNear(\"87-100\", 10)");
        assertThatThrownBy(() -> marketplace.parseForMailing(
                "users().withPermissionToMailing().or(users().soldAtLeast(1, \"Sports\", between(\"2017-01-01\", \"2017-01-20\")))"))
                .hasMessageEndingWith("Missing in: users().soldAtLeast(1, \"Sports\", between(\"2017-01-01\", \"2017-01-20\"))");
        assertThatThrownBy(() -> marketplace.parseForMailing("users().except(users().withPermissionToMailing())"))
                .hasMessageEndingWith("Missing in: users()");
        assertThatThrownBy(() -> marketplace.parseForMailing("users().withPermissionToMailing()\n  .or(users().livingNear(\"87-100\", 10)) // near Toruń\n  .except(users())"))
                .hasMessageEndingWith("Missing in: users().livingNear(\"87-100\", 10)");
    }

    @Test
    void aWriteThatFailsHalfWayLeavesThePreviousListAndNoStagingBehind() {
        users().withPermissionToMailing().livingNear("87-100", 1).prepareForMailing("fragile");
        List<String> before = rows("small_mailings.fragile");

        // user 7's row fails inside the Spark job, after other rows were processed
        var failing = SPARK.table("small.users").withColumn("user_id",
                when(col("user_id").equalTo(7), raise_error(lit("disk full"))).otherwise(col("user_id")));
        assertThatThrownBy(() -> new MailingExport(marketplace).write("fragile", failing, null, TableWriter.inSession(SPARK))).hasMessageContaining("disk full");

        assertThat(rows("small_mailings.fragile")).isEqualTo(before).hasSize(1);
        assertThat(refs("small_mailings.fragile")).containsExactly("main");
    }

    @Test
    void aSuppressedUserIsInNeitherTheTableNorTheCsvAndIsCounted() {
        // the audience is users 1, 2, 7 (AudienceSemanticsTest); 7 is on the suppression list twice, 5 and 42 are not in the audience
        MailingList list = users().withPermissionToMailing().livingNear("87-100", 10).prepareForMailing("suppressed_near_torun");

        assertThat(list.users()).isEqualTo(2);
        assertThat(list.suppressed()).isEqualTo(1);
        assertThat(list.sinceLastList()).isEqualTo(Difference.first(2));
        assertThat(rows(list.table())).containsExactly("[1,Ala,ala@example.com,87-100]", "[2,Bartek,bartek@example.com,87-101]");
        List<String> csv = SPARK.read().text(list.csvFolder()).collectAsList().stream().map(r -> r.getString(0)).toList();
        assertThat(csv).containsExactlyInAnyOrder("user_id,first_name,email,postal_code", "1,Ala,ala@example.com,87-100", "2,Bartek,bartek@example.com,87-101");
        assertThat(list.toString()).startsWith("mailing list small_mailings.suppressed_near_torun: 2 users (1 suppressed); first list: +2; CSV in ");
    }

    @Test
    void aSavedDefinitionIsSuppressedWhateverItSays() {
        // only user 7 registered in 2015: the audience is user 7, and the list is empty
        MailingList list = marketplace.parseForMailing("users().withPermissionToMailing().registeredBetween(between(\"2015-01-01\", \"2015-12-31\"))")
                .prepareForMailing("only_gosia");

        assertThat(list.users()).isZero();
        assertThat(list.suppressed()).isEqualTo(1);
        assertThat(rows(list.table())).isEmpty();
    }

    @Test
    void aSecondListOfTheSameNameReportsTheUsersAddedAndRemoved() {
        users().withPermissionToMailing().livingNear("87-100", 10).prepareForMailing("weekly"); // users 1, 2 (7 suppressed)
        // registered 2016-12-31..2017-01-20 with consent: users 2, 3, 4; so 3 and 4 are added, 1 is removed
        MailingList second = users().withPermissionToMailing().registeredBetween(between("2016-12-31", "2017-01-20")).prepareForMailing("weekly");

        assertThat(second.users()).isEqualTo(3);
        assertThat(second.suppressed()).isZero();
        assertThat(second.sinceLastList()).isEqualTo(new Difference(Difference.Kind.SINCE_PREVIOUS, 2, 1));
        assertThat(second.toString()).startsWith("mailing list small_mailings.weekly: 3 users (0 suppressed); since the last list: +2 -1; CSV in ");
        MailingList same = users().withPermissionToMailing().registeredBetween(between("2016-12-31", "2017-01-20")).prepareForMailing("weekly");
        assertThat(same.sinceLastList()).isEqualTo(new Difference(Difference.Kind.SINCE_PREVIOUS, 0, 0));
    }

    @Test
    void aMissingSuppressionListPublishesNothingAndLeavesThePreviousList() {
        users().withPermissionToMailing().livingNear("87-100", 1).prepareForMailing("guarded");
        List<String> before = rows("small_mailings.guarded");
        List<Long> snapshotsBefore = snapshots("small_mailings.guarded");
        Marketplace unguarded = new Marketplace(SPARK, SmallMarketplace.TABLES.withSuppressions("small.no_such_list"));

        assertThatThrownBy(() -> unguarded.users().withPermissionToMailing().prepareForMailing("guarded"))
                .isInstanceOf(AudienceException.class)
                .hasMessage("prepareForMailing: the suppression list small.no_such_list does not exist; nothing was published."
                        + " Create it (user_id BIGINT, reason STRING, since DATE) or point setting marketplace.suppressions.table at it");

        assertThat(rows("small_mailings.guarded")).isEqualTo(before).containsExactly("[1,Ala,ala@example.com,87-100]");
        assertThat(snapshots("small_mailings.guarded")).isEqualTo(snapshotsBefore);
        assertThat(refs("small_mailings.guarded")).containsExactly("main");
    }

    @Test
    void aSuppressionListThatLostItsUsersSinceTheListsLastMailingIsRefusedUnlessTheLimitIsLifted() {
        SPARK.sql("DROP TABLE IF EXISTS small.compliance_list");
        SPARK.sql("CREATE TABLE small.compliance_list (user_id BIGINT, reason STRING, since DATE) USING iceberg");
        SPARK.sql("INSERT INTO small.compliance_list VALUES (7, 'unsubscribed', DATE'2017-02-01'), (3, 'forget me', DATE'2017-02-02')");
        long suppressionSnapshot = snapshots("small.compliance_list").get(0);
        Marketplace compliant = new Marketplace(SPARK, SmallMarketplace.TABLES.withSuppressions("small.compliance_list"));
        compliant.users().withPermissionToMailing().prepareForMailing("complied");
        assertThat(publishedSummary("small_mailings.complied")).as("the list records the suppression list it was checked against")
                .containsEntry("kindling.suppressions.rows", "2").containsEntry("kindling.suppressions.snapshot", Long.toString(suppressionSnapshot));
        List<String> before = rows("small_mailings.complied");
        List<Long> snapshotsBefore = snapshots("small_mailings.complied");

        SPARK.sql("DELETE FROM small.compliance_list"); // an overwrite gone wrong
        assertThatThrownBy(() -> compliant.users().withPermissionToMailing().prepareForMailing("complied"))
                .isInstanceOf(SuppressionListShrankException.class)
                .hasMessage("prepareForMailing: the suppression list small.compliance_list has 0 users, 2 when small_mailings.complied was last published:"
                        + " it lost more than 99% of them, which looks like an overwrite gone wrong; nothing was published. Check the list; if it is right,"
                        + " set marketplace.suppressions.max.loss.percent=100 for this run");
        assertThat(rows("small_mailings.complied")).isEqualTo(before);
        assertThat(snapshots("small_mailings.complied")).isEqualTo(snapshotsBefore);

        Marketplace lifted = new Marketplace(SPARK, SmallMarketplace.TABLES.withSuppressions("small.compliance_list").withSuppressionsMaxLossPercent(100));
        lifted.users().withPermissionToMailing().prepareForMailing("complied");
        assertThat(publishedSummary("small_mailings.complied")).containsEntry("kindling.suppressions.rows", "0");

        // a stricter limit refuses a smaller loss: one of two users gone is 50%
        SPARK.sql("INSERT INTO small.compliance_list VALUES (7, 'unsubscribed', DATE'2017-02-01'), (3, 'forget me', DATE'2017-02-02')");
        lifted.users().withPermissionToMailing().prepareForMailing("complied");
        SPARK.sql("DELETE FROM small.compliance_list WHERE user_id = 3");
        Marketplace strict = new Marketplace(SPARK, SmallMarketplace.TABLES.withSuppressions("small.compliance_list").withSuppressionsMaxLossPercent(40));
        assertThatThrownBy(() -> strict.users().withPermissionToMailing().prepareForMailing("complied"))
                .isInstanceOf(SuppressionListShrankException.class).hasMessageContaining("has 1 user, 2 when small_mailings.complied was last published: it lost more than 40%");
    }

    private static java.util.Map<String, String> publishedSummary(String table) {
        return SPARK.sql("SELECT s.summary FROM spark_catalog." + table + ".snapshots s JOIN spark_catalog." + table + ".refs r"
                + " ON s.snapshot_id = r.snapshot_id WHERE r.name = 'main'").first().getJavaMap(0);
    }

    @Test
    void aSuppressionListWithoutUserIdPublishesNothing() {
        SPARK.sql("CREATE TABLE IF NOT EXISTS small.suppressions_by_email (email STRING, reason STRING) USING parquet");
        Marketplace unguarded = new Marketplace(SPARK, SmallMarketplace.TABLES.withSuppressions("small.suppressions_by_email"));

        assertThatThrownBy(() -> unguarded.users().withPermissionToMailing().prepareForMailing("never_written"))
                .isInstanceOf(AudienceException.class)
                .hasMessageStartingWith("prepareForMailing: the suppression list small.suppressions_by_email has no column user_id (its columns: email, reason)");
        assertThat(SPARK.catalog().tableExists("small_mailings.never_written")).isFalse();
    }

    @Test
    void aWriterThatWritesNothingCountsNothing() {
        TableWriter dryRun = new TableWriter() {
            @Override
            public Replaced replaceWithCsv(String table, org.apache.spark.sql.Dataset<Row> rows, String key, java.util.Map<String, String> facts) {
                return new Replaced(0, "(not written)", Difference.NOT_COMPARED);
            }

            @Override
            public long replacePartition(String table, String partitionColumns, List<String> values, org.apache.spark.sql.Dataset<Row> rows) {
                return 0;
            }

            @Override
            public void deletePartitionsBefore(String table, String dateColumn, java.time.LocalDate keepFrom) {
            }

            @Override
            public boolean writes() {
                return false;
            }
        };
        MailingList list = users().withPermissionToMailing().livingNear("87-100", 10).prepareForMailing("dry", dryRun);

        assertThat(list.suppressed()).isZero();
        assertThat(list.toString()).isEqualTo("mailing list small_mailings.dry: 0 users (0 suppressed); not compared with the last list (dry run); CSV in (not written)");
    }
}
