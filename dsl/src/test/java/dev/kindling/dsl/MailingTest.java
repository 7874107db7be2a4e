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
import dev.kindling.dsl.publish.VersionedTable;
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

    private static List<String> tables() {
        return SPARK.sql("SHOW TABLES IN small_mailings").collectAsList().stream().map(r -> r.getString(1)).sorted().toList();
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

    @Test
    void aRerunReplacesTheListAndKeepsOneVersion() {
        users().withPermissionToMailing().livingNear("87-100", 10).prepareForMailing("near_torun");
        MailingList second = users().withPermissionToMailing().livingNear("87-100", 1).prepareForMailing("near_torun");

        assertThat(second.users()).isEqualTo(1);
        assertThat(rows("small_mailings.near_torun")).containsExactly("[1,Ala,ala@example.com,87-100]");
        assertThat(tables().stream().filter(t -> t.startsWith("near_torun"))).hasSize(2)
                .contains("near_torun").anyMatch(t -> t.matches("near_torun__v\\d+"));
    }

    @Test
    void aPublishDropsOnlyTheVersionItReplacedNeverAnotherRunsStagedVersion() {
        users().withPermissionToMailing().livingNear("87-100", 10).prepareForMailing("shared");
        List<String> first = tables().stream().filter(t -> t.startsWith("shared__v")).toList();
        VersionedTable other = new VersionedTable(SPARK, "small_mailings.shared");
        VersionedTable.Version staged = other.stage(SPARK.table("small_mailings.shared").schema());

        users().withPermissionToMailing().livingNear("87-100", 1).prepareForMailing("shared");

        assertThat(tables()).as("the replaced version is dropped, the other run's staged version kept")
                .doesNotContainAnyElementsOf(first).contains(staged.table().substring("small_mailings.".length()));
        other.publish(staged);
        assertThat(tables().stream().filter(t -> t.startsWith("shared"))).containsExactly("shared", staged.table().substring("small_mailings.".length()));
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
    void aWriteThatFailsHalfWayLeavesThePreviousListAndNoVersionBehind() {
        users().withPermissionToMailing().livingNear("87-100", 1).prepareForMailing("fragile");
        List<String> before = rows("small_mailings.fragile");

        // user 7's row fails inside the Spark job, after other rows were processed
        var failing = SPARK.table("small.users").withColumn("user_id",
                when(col("user_id").equalTo(7), raise_error(lit("disk full"))).otherwise(col("user_id")));
        assertThatThrownBy(() -> new MailingExport(marketplace).write("fragile", failing, null, MailingExport.sqlWriter(SPARK))).hasMessageContaining("disk full");

        assertThat(rows("small_mailings.fragile")).isEqualTo(before).hasSize(1);
        assertThat(tables().stream().filter(t -> t.startsWith("fragile"))).hasSize(2);
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
        List<String> tablesBefore = tables();
        Marketplace unguarded = new Marketplace(SPARK, SmallMarketplace.TABLES.withSuppressions("small.no_such_list"));

        assertThatThrownBy(() -> unguarded.users().withPermissionToMailing().prepareForMailing("guarded"))
                .isInstanceOf(AudienceException.class)
                .hasMessage("prepareForMailing: the suppression list small.no_such_list does not exist; nothing was published."
                        + " Create it (user_id BIGINT, reason STRING, since DATE) or point setting marketplace.suppressions.table at it");

        assertThat(rows("small_mailings.guarded")).isEqualTo(before).containsExactly("[1,Ala,ala@example.com,87-100]");
        assertThat(tables()).isEqualTo(tablesBefore);
    }

    @Test
    void aSuppressionListWithoutUserIdPublishesNothing() {
        SPARK.sql("CREATE TABLE IF NOT EXISTS small.suppressions_by_email (email STRING, reason STRING) USING parquet");
        Marketplace unguarded = new Marketplace(SPARK, SmallMarketplace.TABLES.withSuppressions("small.suppressions_by_email"));

        assertThatThrownBy(() -> unguarded.users().withPermissionToMailing().prepareForMailing("never_written"))
                .isInstanceOf(AudienceException.class)
                .hasMessageStartingWith("prepareForMailing: the suppression list small.suppressions_by_email has no column user_id (its columns: email, reason)");
        assertThat(tables()).noneMatch(t -> t.startsWith("never_written"));
    }

    @Test
    void aWriterThatWritesNothingCountsNothing() {
        TableWriter dryRun = new TableWriter() {
            @Override
            public Replaced replaceWithCsv(String table, org.apache.spark.sql.Dataset<Row> rows, String key) {
                return new Replaced(0, "(not written)", Difference.NOT_COMPARED);
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
