package dev.kindling.dsl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.kindling.testing.TestSpark;

/**
 * The mailing history that prepareForMailing records, and notMailedInLast, which reads it. Lists go to
 * their own mailing database, {@value #MAILINGS}, so the history holds only this class's rows. On
 * SmallMarketplace, users with consent are 1, 2, 3, 4, 7, 8; livingNear(code, 0.001) keeps the users of
 * that postal code only: 87-100 → 1 (5 and 6 lack consent), 87-101 → 2, 87-103 → 7, 00-001 → 4.
 */
class MailingHistoryTest {

    private static final String MAILINGS = "small_history";
    private static final Tables TABLES = Tables.in(SmallMarketplace.DATABASE, MAILINGS);
    private static final SparkSession SPARK = TestSpark.session();

    @BeforeAll
    static void marketplace() {
        SmallMarketplace.open();
    }

    private static Marketplace on(String day) {
        return new Marketplace(SPARK, TABLES, LocalDate.parse(day));
    }

    private static MailableAudience near(Marketplace marketplace, String postalCode) {
        return marketplace.users().withPermissionToMailing().livingNear(postalCode, 0.001);
    }

    private static List<String> history(String mailing) {
        return SPARK.table(MAILINGS + ".mailing_history").where(col("mailing").equalTo(mailing)).orderBy("prepared_on", "user_id")
                .collectAsList().stream().map(Row::toString).toList();
    }

    @Test
    void aPreparedListIsRecordedOnTheMarketplacesDayAndARerunReplacesThatDayOnly() {
        Marketplace january21 = on("2017-01-21");
        // 87-100 within 10 km, with consent: 1 (87-100), 2 (87-101, exactly 10 km), 7 (87-103); not 3 (10.5 km);
        // 7 is on the suppression list: not on the list, so not in the history
        january21.users().withPermissionToMailing().livingNear("87-100", 10).prepareForMailing("torun");
        assertThat(SPARK.table(MAILINGS + ".mailing_history").columns()).containsExactly("user_id", "prepared_on", "mailing");
        assertThat(history("torun")).containsExactly("[1,2017-01-21,torun]", "[2,2017-01-21,torun]");

        near(on("2017-01-22"), "87-101").prepareForMailing("torun");
        MailingList rerun = near(january21, "87-100").prepareForMailing("Torun"); // the same list (names ignore case), same day
        assertThat(rerun.users()).isEqualTo(1);
        assertThat(history("torun")).containsExactly("[1,2017-01-21,torun]", "[2,2017-01-22,torun]");
        near(january21, "87-100").prepareForMailing("torun");
        assertThat(history("torun")).as("a rerun gives the same history").containsExactly("[1,2017-01-21,torun]", "[2,2017-01-22,torun]");
    }

    @Test
    void notMailedInLastDaysCountsTheDaysBeforeTheMarketplacesDayOnly() {
        // the day is 2017-03-10; notMailedInLast(3) looks at 2017-03-07..2017-03-09
        near(on("2017-03-09"), "87-100").prepareForMailing("fatigue_yesterday"); // user 1: mailed yesterday, excluded
        near(on("2017-03-10"), "87-101").prepareForMailing("fatigue_today");     // user 2: mailed on the day itself, kept
        near(on("2017-03-06"), "87-102").prepareForMailing("fatigue_old");       // user 3: mailed 4 = days + 1 days ago, kept
        near(on("2017-03-07"), "00-001").prepareForMailing("fatigue_edge");      // user 4: mailed 3 days ago, the first day counted

        Marketplace march10 = on("2017-03-10");
        MailableAudience rested = march10.users().withPermissionToMailing().notMailedInLast(3);
        assertThat(AudienceSemanticsTest.ids(rested)).containsExactly(2L, 3L, 7L, 8L);
        assertThat(AudienceSemanticsTest.ids(march10.users().notMailedInLast(1))).as("only yesterday: user 1")
                .containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(AudienceSemanticsTest.ids(march10.users().notMailedInLast(4))).as("2017-03-06..09: users 1, 3, 4")
                .containsExactly(2L, 5L, 6L, 7L, 8L);
        // two windows in one audience, and except: mailed in the last 4 days but not in the last 3 → user 3
        assertThat(AudienceSemanticsTest.ids(march10.users().notMailedInLast(3).except(march10.users().notMailedInLast(4))))
                .containsExactly(3L);
        assertThat(rested.describe()).isEqualTo("users who gave permission to mailing, and were not mailed in the 3 days before 2017-03-10 (2017-03-07 to 2017-03-09)");
        // a saved definition reads the same
        assertThat(AudienceSemanticsTest.ids(march10.parse("users().withPermissionToMailing().notMailedInLast(3)"))).containsExactly(2L, 3L, 7L, 8L);
    }

    @Test
    void theHistoryKeepsTheDaysNotMailedInLastCanReadAndDeletesOlderOnes() {
        // a database of its own: the lists of other tests must not expire here
        Tables kept = Tables.in(SmallMarketplace.DATABASE, "small_history_kept");
        String historyTable = kept.mailingHistory();
        near(new Marketplace(SPARK, kept, LocalDate.parse("2016-12-31")), "87-100").prepareForMailing("expired");
        near(new Marketplace(SPARK, kept, LocalDate.parse("2017-01-01")), "87-101").prepareForMailing("oldest_kept");
        // 2018-01-02 keeps 366 days before it: from 2017-01-01 on
        Marketplace january2 = new Marketplace(SPARK, kept, LocalDate.parse("2018-01-02"));
        near(january2, "00-001").prepareForMailing("today");
        assertThat(SPARK.sql("SELECT DISTINCT prepared_on, mailing FROM " + historyTable + " ORDER BY prepared_on").collectAsList()).map(Row::toString)
                .containsExactly("[2017-01-01,oldest_kept]", "[2018-01-02,today]");
        assertThat(SPARK.sql("SELECT partition.prepared_on FROM " + historyTable + ".partitions WHERE partition.prepared_on < DATE '2017-01-01'").count())
                .as("the expired day's files are out of the current snapshot").isZero();
        // the oldest day kept is the first that notMailedInLast(366) reads: user 2, mailed then, is left out; 4, mailed on the day itself, is not
        assertThat(AudienceSemanticsTest.ids(january2.users().withPermissionToMailing().notMailedInLast(366))).containsExactly(1L, 3L, 4L, 7L, 8L);
    }

    @Test
    void theHistoryIsReadOnceWithOnlyTheStepsDays() {
        near(on("2017-04-01"), "87-100").prepareForMailing("plan_shape");
        Marketplace april5 = on("2017-04-05");
        String plan = april5.users().withPermissionToMailing().notMailedInLast(2).or(april5.users().withPermissionToMailing().notMailedInLast(30)).plan();
        assertThat(plan.substring(0, plan.indexOf("\n\n")).split("BatchScan spark_catalog." + MAILINGS + ".mailing_history", -1)).hasSize(2);
        // the union of 2017-04-03..04 and 2017-03-06..04-04, as Iceberg's scan filters name them: in days since 1970-01-01
        String scan = plan.lines().filter(line -> line.startsWith("IcebergScan(table=spark_catalog." + MAILINGS + ".mailing_history")).findFirst().orElseThrow();
        assertThat(scan).contains("prepared_on <= " + LocalDate.parse("2017-04-04").toEpochDay(),
                "prepared_on >= " + LocalDate.parse("2017-04-03").toEpochDay() + " OR prepared_on >= " + LocalDate.parse("2017-03-06").toEpochDay());
    }

    @Test
    void withoutAHistoryTableTheStepFailsRatherThanTakeNobodyForMailed() {
        Marketplace fresh = new Marketplace(SPARK, Tables.in(SmallMarketplace.DATABASE, "small_never_mailed"), LocalDate.parse("2017-03-10"));
        assertThatThrownBy(() -> fresh.users().notMailedInLast(3))
                .isInstanceOf(AudienceException.class)
                .hasMessage("notMailedInLast: the mailing history small_never_mailed.mailing_history does not exist, so who was mailed cannot be checked;"
                        + " the first prepareForMailing in database small_never_mailed creates it (lists prepared before that are not in it)");
    }

    @Test
    void daysAreCheckedWhereTheyAreGiven() {
        assertThatThrownBy(() -> on("2017-03-10").users().notMailedInLast(0)).isInstanceOf(AudienceException.class)
                .hasMessage("notMailedInLast: 'days' is 0, but it must be from 1 to 366 (the number of days before today, or before the run's day)");
        assertThatThrownBy(() -> on("2017-03-10").users().notMailedInLast(3661)).hasMessageStartingWith("notMailedInLast: 'days' is 3661, but");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().notMailedInLast(-2)"))
                .hasMessageStartingWith("notMailedInLast: 'days' is -2, but it must be from 1 to 366");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().notMailedInLast(2.5)"))
                .hasMessage("line 1, column 25: expected a whole number but found '2.5'");
    }

    @Test
    void aListThatFailsHalfWayLeavesItsHistoryAsItWas() {
        Marketplace may1 = on("2017-05-01");
        near(may1, "87-100").prepareForMailing("fragile_history");
        var failing = SPARK.table("small.users").withColumn("user_id",
                when(col("user_id").equalTo(7), raise_error(lit("disk full"))).otherwise(col("user_id")));
        assertThatThrownBy(() -> new MailingExport(may1).write("fragile_history", failing, null, dev.kindling.dsl.publish.TableWriter.inSession(SPARK))).hasMessageContaining("disk full");
        assertThat(history("fragile_history")).containsExactly("[1,2017-05-01,fragile_history]");
        assertThat(SPARK.table(MAILINGS + ".fragile_history").count()).isEqualTo(1);
    }

    @Test
    void theHistoryAndHoldoutNamesAreNotListNames() {
        assertThatThrownBy(() -> MailingList.checkName("mailing_history")).isInstanceOf(AudienceException.class)
                .hasMessage("prepareForMailing: 'name' \"mailing_history\" is reserved: mailing_history is the mailing history and names ending in"
                        + " _holdout hold a list's holdout; choose another name");
        assertThatThrownBy(() -> MailingList.checkName("Spring_Holdout")).hasMessageStartingWith("prepareForMailing: 'name' \"Spring_Holdout\" is reserved");
    }
}
