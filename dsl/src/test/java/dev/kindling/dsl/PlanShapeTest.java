package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.Audiences.users;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An audience is one Spark plan: each source scanned once however many steps use it, transaction
 * date partitions pruned to the steps' periods, homes filtered by a list of postal codes. Read from the physical plan.
 */
class PlanShapeTest {

    private static final Pattern SCAN = Pattern.compile("Scan parquet (\\S+)");

    @BeforeAll
    static void marketplace() {
        SmallMarketplace.open();
    }

    /** The tables scanned, one entry per scan, from the plan's overview (before "(1) Scan ..." details). */
    private static List<String> scans(String plan) {
        String overview = plan.substring(0, plan.indexOf("\n\n"));
        Matcher matcher = SCAN.matcher(overview);
        List<String> tables = new ArrayList<>();
        while (matcher.find()) {
            tables.add(matcher.group(1));
        }
        return tables;
    }

    @Test
    void theExampleScansEachSourceOnceAndFiltersHomesByTheNearbyPostalCodes() {
        String plan = users().withPermissionToMailing().soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20"))
                .livingNear("87-100", 10).plan();
        // the centre, 87-101 at exactly 10 km and 87-103 at 9.99 km; not 87-102 at 10.5 km
        assertThat(scans(plan)).containsExactlyInAnyOrder("spark_catalog.small.users", "spark_catalog.small.transactions");
        assertThat(plan).containsPattern("postal_code#\\d+ IN \\(87-100,87-101,87-103\\)");
        assertThat(plan).containsPattern("PartitionFilters: \\[[^\\]]*transaction_date#\\d+ >= 2017-01-01[^\\]]*transaction_date#\\d+ <= 2017-01-20");
    }

    @Test
    void manyStepsAndCombinationsStillScanEachSourceOnce() {
        Audience sellers = users().soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20"))
                .boughtAtLeast(1, "Electronics", between("2017-02-01", "2017-02-10"));
        Audience near = users().livingNear("87-100", 10).or(users().livingNear("00-001", 5));
        Audience audience = users().withPermissionToMailing().and(sellers.or(near))
                .except(users().soldAtLeast(10, "Cycling", between("2017-01-05", "2017-01-06")));
        String plan = audience.plan();
        assertThat(scans(plan)).containsExactlyInAnyOrder("spark_catalog.small.users", "spark_catalog.small.transactions");
        // only the steps' days are read: a disjunction of the three periods
        String partitionFilters = plan.lines().filter(line -> line.startsWith("PartitionFilters:")).findFirst().orElseThrow();
        assertThat(partitionFilters).contains("2017-01-01", "2017-01-20", "2017-02-01", "2017-02-10", "2017-01-05", "2017-01-06");
    }

    @Test
    void aBreakdownIsTheAudiencesOnePlanWithEachSourceScannedOnce() {
        Audience audience = users().withPermissionToMailing().soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20"))
                .except(users().boughtAtLeast(1, "Electronics", between("2017-02-01", "2017-02-10"))).livingNear("87-100", 10);
        String byCategory = plan(AudiencePlan.breakdownRows(audience.marketplace(), audience.criterion(), Breakdown.Dimension.CATEGORY));
        assertThat(scans(byCategory)).containsExactlyInAnyOrder("spark_catalog.small.users", "spark_catalog.small.transactions");
        // the steps' days only, whatever their categories
        String partitionFilters = byCategory.lines().filter(line -> line.startsWith("PartitionFilters:")).findFirst().orElseThrow();
        assertThat(partitionFilters).contains("2017-01-01", "2017-01-20", "2017-02-01", "2017-02-10");
        String byCity = plan(AudiencePlan.breakdownRows(audience.marketplace(), audience.criterion(), Breakdown.Dimension.CITY));
        assertThat(scans(byCity)).containsExactlyInAnyOrder("spark_catalog.small.users", "spark_catalog.small.transactions", "spark_catalog.small.postal_codes");
        assertThat(byCity).contains("BroadcastHashJoin");
    }

    private static String plan(Dataset<Row> rows) {
        rows.createOrReplaceTempView("kindling_breakdown_plan");
        return rows.sparkSession().sql("EXPLAIN FORMATTED SELECT * FROM kindling_breakdown_plan").first().getString(0);
    }

    @Test
    void everyTransactionStepTogetherStillScansTransactionsOnceInOneAggregation() {
        Audience lapsed = users().withPermissionToMailing()
                .soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20"))
                .boughtAtLeast(1, "Electronics", between("2017-02-01", "2017-02-10"))
                .boughtAtMost(3, "Cycling", between("2017-01-05", "2017-01-06"))
                .notBoughtIn("Phones", between("2017-03-01", "2017-03-31"))
                .spentAtLeast(19.98, "Bikes", between("2017-04-01", "2017-04-30"))
                .lastBoughtBefore("2017-06-01")
                .livingNear("87-100", 10)
                .registeredBetween(between("2016-01-01", "2016-12-31"))
                .excluding(users().soldAtLeast(10, "Cycling", between("2017-01-05", "2017-01-06")).or(users().notBoughtIn("Sports", between("2017-05-01", "2017-05-02"))))
                .except(users().spentAtLeast(100, "Sports", between("2017-01-01", "2017-01-31")));
        String plan = lapsed.plan();
        assertThat(scans(plan)).containsExactlyInAnyOrder("spark_catalog.small.users", "spark_catalog.small.transactions");
        assertThat(plan.substring(0, plan.indexOf("\n\n")).split("HashAggregate", -1)).as("one partial and one final aggregation").hasSize(3);
        // lastBoughtBefore looks at every day: nothing can be pruned
        assertThat(plan.lines().filter(line -> line.startsWith("PartitionFilters:")).toList()).allMatch(line -> line.equals("PartitionFilters: []"));
    }

    @Test
    void theNewStepsWithPeriodsReadOnlyTheirDays() {
        Audience audience = users().boughtAtMost(3, "Cycling", between("2017-01-05", "2017-01-06"))
                .notBoughtIn("Phones", between("2017-03-01", "2017-03-31"))
                .spentAtLeast(19.98, "Bikes", between("2017-04-01", "2017-04-30"));
        String plan = audience.plan();
        assertThat(scans(plan)).containsExactlyInAnyOrder("spark_catalog.small.users", "spark_catalog.small.transactions");
        String partitionFilters = plan.lines().filter(line -> line.startsWith("PartitionFilters:")).findFirst().orElseThrow();
        assertThat(partitionFilters).contains("2017-01-05", "2017-01-06", "2017-03-01", "2017-03-31", "2017-04-01", "2017-04-30");
    }

    @Test
    void anAudienceWithoutTransactionStepsDoesNotReadTransactions() {
        assertThat(scans(users().withPermissionToMailing().registeredBetween(between("2017-01-01", "2017-01-20")).plan()))
                .containsExactly("spark_catalog.small.users");
    }
}
