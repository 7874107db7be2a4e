package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.Audiences.users;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Who is in an audience, on the hand-made marketplace of {@link SmallMarketplace} (its table has the answers). */
class AudienceSemanticsTest {

    private static final Period JANUARY_1_TO_20 = between("2017-01-01", "2017-01-20");

    @BeforeAll
    static void marketplace() {
        SmallMarketplace.open();
    }

    static List<Long> ids(Audience audience) {
        return audience.toDataset().orderBy("user_id").collectAsList().stream().map(row -> row.<Long>getAs("user_id")).toList();
    }

    @Test
    void theExampleSentenceFindsTheConsentingSportsSellerNearTorun() {
        Audience audience = users().withPermissionToMailing().soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20")).livingNear("87-100", 10);
        assertThat(ids(audience)).containsExactly(1L);
        assertThat(audience.count()).isEqualTo(1);
    }

    @Test
    void everyUserWithoutSteps() {
        assertThat(ids(users())).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    }

    @Test
    void consentExcludesRefusalsAndUnknowns() {
        assertThat(ids(users().withPermissionToMailing())).containsExactly(1L, 2L, 3L, 4L, 7L, 8L);
    }

    @Test
    void salesCountBothBoundaryDaysAndExactlyNIsEnough() {
        // user 1 sold exactly 4, two of them on the first and the last day; user 2 sold 3 inside, 2 just outside
        assertThat(ids(users().soldAtLeast(4, "Sports", JANUARY_1_TO_20))).containsExactly(1L, 3L, 5L, 6L);
        assertThat(ids(users().soldAtLeast(5, "Sports", JANUARY_1_TO_20))).containsExactly(3L);
        assertThat(ids(users().soldAtLeast(3, "Sports", between("2017-01-02", "2017-01-04")))).containsExactly(2L);
        assertThat(ids(users().soldAtLeast(5, "Sports", between("2016-12-31", "2017-01-21")))).containsExactly(2L, 3L);
    }

    @Test
    void aCategoryIncludesItsSubcategoriesAtEveryDepth() {
        // Cycling has Bikes below it; user 1 sold one Cycling and one Bikes item
        assertThat(ids(users().soldAtLeast(2, "Cycling", JANUARY_1_TO_20))).containsExactly(1L, 3L);
        assertThat(ids(users().soldAtLeast(2, "bikes", JANUARY_1_TO_20))).containsExactly(3L);
        assertThat(ids(users().soldAtLeast(1, "Running", JANUARY_1_TO_20))).containsExactly(1L);
        assertThat(ids(users().soldAtLeast(4, "Electronics", JANUARY_1_TO_20))).containsExactly(4L);
    }

    @Test
    void purchasesCountTheBuyer() {
        assertThat(ids(users().boughtAtLeast(5, "Sports", JANUARY_1_TO_20))).containsExactly(2L, 8L);
        assertThat(ids(users().boughtAtLeast(16, "Sports", JANUARY_1_TO_20))).isEmpty();
        assertThat(ids(users().boughtAtLeast(15, "Sports", JANUARY_1_TO_20))).containsExactly(8L);
    }

    @Test
    void salesAndPurchasesInOneAudience() {
        Audience both = users().soldAtLeast(3, "Sports", JANUARY_1_TO_20).boughtAtLeast(5, "Bikes", JANUARY_1_TO_20);
        assertThat(ids(both)).containsExactly(2L);
    }

    @Test
    void usersWithoutTransactionsAreInNoActivityAudienceButStayInTheRest() {
        assertThat(ids(users().except(users().soldAtLeast(1, "Sports", JANUARY_1_TO_20)))).containsExactly(4L, 7L, 8L);
        assertThat(ids(users().except(users().boughtAtLeast(1, "Sports", JANUARY_1_TO_20)))).containsExactly(1L, 3L, 4L, 5L, 6L, 7L);
    }

    @Test
    void theRadiusIsInclusiveAndMeasuredBetweenCentroids() {
        // 87-101 is exactly 10 km away, 87-103 9.99 km, 87-102 10.5 km; 99-999 has no coordinates
        assertThat(ids(users().livingNear("87-100", 10))).containsExactly(1L, 2L, 5L, 6L, 7L);
        assertThat(ids(users().livingNear("87-100", 9.995))).containsExactly(1L, 5L, 6L, 7L);
        assertThat(ids(users().livingNear("87-100", 10.5))).containsExactly(1L, 2L, 3L, 5L, 6L, 7L);
        assertThat(ids(users().livingNear("87-100", 170))).containsExactly(1L, 2L, 3L, 5L, 6L, 7L);
        assertThat(ids(users().livingNear("87-100", 190))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    }

    @Test
    void registrationPeriodIncludesBothEnds() {
        assertThat(ids(users().registeredBetween(JANUARY_1_TO_20))).containsExactly(3L, 4L);
    }

    @Test
    void andOrExceptCombineAudiences() {
        Audience near = users().livingNear("87-100", 10);
        Audience sportsSellers = users().soldAtLeast(4, "Sports", JANUARY_1_TO_20);
        assertThat(ids(near.and(sportsSellers))).containsExactly(1L, 5L, 6L);
        assertThat(ids(near.or(sportsSellers))).containsExactly(1L, 2L, 3L, 5L, 6L, 7L);
        assertThat(ids(near.except(sportsSellers))).containsExactly(2L, 7L);
        assertThat(ids(sportsSellers.except(near))).containsExactly(3L);
        // user 8 has no known postal code: "not near" must still hold for them
        assertThat(ids(users().withPermissionToMailing().except(near))).containsExactly(3L, 4L, 8L);
    }

    @Test
    void stepsNeverChangeTheAudienceTheyStartFrom() {
        Audience consenting = users().withPermissionToMailing();
        Audience narrower = consenting.livingNear("87-100", 10);
        assertThat(ids(consenting)).containsExactly(1L, 2L, 3L, 4L, 7L, 8L);
        assertThat(ids(narrower)).containsExactly(1L, 2L, 7L);
    }

    @Test
    void explainSaysWhoInPlainEnglishThenShowsTheSparkPlan() {
        Audience audience = users().withPermissionToMailing().soldAtLeast(4, "Sports", JANUARY_1_TO_20).livingNear("87-100", 10);
        assertThat(audience.describe()).isEqualTo("users who gave permission to mailing, and sold at least 4 times in 'Sports'"
                + " (subcategories included) between 2017-01-01 and 2017-01-20, and live within 10 km of 87-100");
        assertThat(audience.toString()).isEqualTo(audience.describe());
        assertThat(audience.plan()).contains("Physical Plan", "small.transactions");
        assertThat(users().livingNear("87-100", 2.5).or(users().withPermissionToMailing()).describe())
                .isEqualTo("(users who live within 2.5 km of 87-100) or (users who gave permission to mailing)");
    }

    @Test
    void theDatasetHasTheUsersTableColumns() {
        Row ala = users().livingNear("87-100", 1).withPermissionToMailing().toDataset().first();
        assertThat(ala.schema().fieldNames()).containsExactly("user_id", "first_name", "email", "postal_code", "mailing_consent", "registered_on");
        assertThat(ala.<String>getAs("email")).isEqualTo("ala@example.com");
    }
}
