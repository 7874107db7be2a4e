package dev.kindling.demodata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import dev.kindling.dsl.Audiences;
import dev.kindling.dsl.Marketplace;
import dev.kindling.dsl.Tables;
import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.RunLog;
import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo-data job through the real entry point, at a tiny size. */
class DemoDataJobTest {

    private static final SparkSession SPARK = TestSpark.session();
    private static Result first;

    private static Result generate(String database, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("demo-data", "--logical-date", "2024-01-01", "--users", "300",
                "--transactions", "3000", "--postal-codes-per-city", "10", "--conf", "marketplace.database=" + database));
        args.addAll(List.of(more));
        return Kindling.onTestSpark().run(args.toArray(String[]::new));
    }

    private static long count(String sql) {
        return SPARK.sql(sql).first().getLong(0);
    }

    @BeforeAll
    static void generateOnce() {
        first = generate("demo_a", "--run-id", "demo-a");
    }

    @Test
    void fillsTheTablesWithTheAskedSizes() {
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(count("SELECT count(*) FROM demo_a.users")).isEqualTo(300);
        assertThat(count("SELECT count(*) FROM demo_a.transactions")).isEqualTo(3000);
        assertThat(count("SELECT count(*) FROM demo_a.postal_codes")).isEqualTo(200);
        assertThat(count("SELECT count(*) FROM demo_a.categories")).isEqualTo(23);
        assertThat(count("SELECT count(DISTINCT user_id) FROM demo_a.users")).isEqualTo(300);
        // Spark's counts of the five writes, as every job reports them: 300 + 3000 + 200 + 23 + 4 suppressed users
        assertThat(RunLog.ofTestSpark().summary("demo-a")).contains("rows_written=3527").containsPattern("rows_read=[1-9][0-9]*");
    }

    @Test
    void postalCodesArePolishStyleAndInPoland() {
        assertThat(count("SELECT count(*) FROM demo_a.postal_codes WHERE postal_code NOT RLIKE '^[0-9]{2}-[0-9]{3}$'"
                + " OR latitude NOT BETWEEN 49.0 AND 54.9 OR longitude NOT BETWEEN 14.1 AND 24.2")).isZero();
        Row torun = SPARK.sql("SELECT city, latitude, longitude FROM demo_a.postal_codes WHERE postal_code = '87-100'").first();
        assertThat(torun.toString()).isEqualTo("[Toruń,53.0138,18.5984]");
        assertThat(count("SELECT count(*) FROM demo_a.users u LEFT ANTI JOIN demo_a.postal_codes p USING (postal_code)")).isZero();
    }

    @Test
    void transactionsFallOnTheYearAndLinkRealUsersAndLeafCategories() {
        Row range = SPARK.sql("SELECT min(transaction_date), max(transaction_date), count(DISTINCT transaction_date) FROM demo_a.transactions").first();
        assertThat(range.get(0).toString()).isGreaterThanOrEqualTo("2017-01-01");
        assertThat(range.get(1).toString()).isLessThanOrEqualTo("2017-12-31");
        assertThat(range.getLong(2)).isGreaterThan(300);
        assertThat(count("SELECT count(*) FROM demo_a.transactions t LEFT ANTI JOIN demo_a.users u ON t.seller_id = u.user_id")).isZero();
        assertThat(count("SELECT count(*) FROM demo_a.transactions t LEFT ANTI JOIN demo_a.users u ON t.buyer_id = u.user_id")).isZero();
        assertThat(count("SELECT count(*) FROM demo_a.transactions t JOIN demo_a.categories c ON c.parent_id = t.category_id")).isZero();
        assertThat(SPARK.sql("SELECT * FROM demo_a.transactions.partitions").count()).isEqualTo(range.getLong(2));
    }

    @Test
    void aboutSixtyPercentConsent() {
        long consenting = count("SELECT count(*) FROM demo_a.users WHERE mailing_consent");
        assertThat(consenting).isBetween(150L, 210L);
    }

    @Test
    void theSameSeedGivesTheSameData() {
        assertThat(generate("demo_b").exitCode()).isZero();
        for (String table : List.of("users", "transactions", "postal_codes", "categories", "suppressions")) {
            assertThat(SPARK.table("demo_a." + table).exceptAll(SPARK.table("demo_b." + table)).count()).as(table).isZero();
        }
        assertThat(generate("demo_c", "--seed", "2").exitCode()).isZero();
        assertThat(SPARK.table("demo_a.users").exceptAll(SPARK.table("demo_c.users")).count()).isGreaterThan(100);
    }

    @Test
    void aboutOneUserInAHundredIsSuppressedWhateverTheirConsent() {
        assertThat(SPARK.table("demo_a.suppressions").schema().toDDL()).isEqualTo("user_id BIGINT,reason STRING,since DATE");
        // one in a hundred of 300 users by the seed's hash: 4 here
        assertThat(count("SELECT count(*) FROM demo_a.suppressions")).isEqualTo(4).isEqualTo(count("SELECT count(DISTINCT user_id) FROM demo_a.suppressions"));
        assertThat(count("SELECT count(*) FROM demo_a.suppressions s LEFT ANTI JOIN demo_a.users u USING (user_id)")).isZero();
        assertThat(count("SELECT count(*) FROM demo_a.suppressions WHERE reason NOT IN ('unsubscribed', 'forgotten')"
                + " OR since NOT BETWEEN DATE'2017-01-01' AND DATE'2017-12-31'")).isZero();
        assertThat(count("SELECT count(*) FROM demo_a.suppressions JOIN demo_a.users USING (user_id) WHERE mailing_consent"))
                .as("some suppressed users gave consent, so the list matters").isPositive();
    }

    @Test
    void theAudienceDslReadsTheDemoData() {
        Marketplace marketplace = new Marketplace(SPARK, Tables.in("demo_a", "demo_a_mailings"));
        long sportsSellers = marketplace.users().soldAtLeast(1, "Sports", Audiences.between("2017-01-01", "2017-12-31")).count();
        assertThat(sportsSellers).isBetween(1L, 30L); // 30 sellers in all
    }

    @Test
    void aDryRunWritesNothing() {
        Result result = generate("demo_dry", "--dry-run");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("dry run: would replace table demo_dry.users with columns",
                "dry run: would replace table demo_dry.transactions partitioned by transaction_date");
        assertThat(SPARK.catalog().databaseExists("demo_dry")).isFalse();
    }

    @Test
    void badSizesAreRefusedBeforeSparkStarts() {
        Result result = Kindling.with((settings, app) -> {
            throw new AssertionError("Spark must not start");
        }).run("demo-data", "--logical-date", "2024-01-01", "--users", "0");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().contains("--users 0 is out of range: use a whole number from 1 to 100000000");
    }

    @Test
    void aDatabaseNameThatIsNotAnIdentifierIsBadUsage() {
        Result result = generate("x; DROP DATABASE y");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("setting marketplace.database is 'x; DROP DATABASE y' (from --conf): expected a name");
    }
}
