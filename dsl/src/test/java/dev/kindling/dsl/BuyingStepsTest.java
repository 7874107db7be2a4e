package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.AudienceSemanticsTest.ids;
import static dev.kindling.dsl.BuyingMarketplace.MARCH;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** notBoughtIn, boughtAtMost, lastBoughtBefore, spentAtLeast, excluding on {@link BuyingMarketplace} (its table has the answers). */
class BuyingStepsTest {

    private static Marketplace shop;

    @BeforeAll
    static void marketplace() {
        shop = BuyingMarketplace.open();
    }

    @Test
    void notBoughtInKeepsWhoBoughtNothingThereIncludingWhoNeverBought() {
        // Sports in March: 1 (Bikes on the first day, Running on the last) and 3 (Cycling) bought;
        // 2 bought Sports only the day before and the day after, 4 never bought, 5 only sold, 6 bought in January
        assertThat(ids(shop.users().notBoughtIn("Sports", MARCH))).containsExactly(2L, 4L, 5L, 6L);
        // Electronics in March: only 2 (Phones on 03-15); 1's Phones purchase is on 04-02
        assertThat(ids(shop.users().notBoughtIn("electronics", MARCH))).containsExactly(1L, 3L, 4L, 5L, 6L);
        // Bikes (a subcategory) in March: only 1
        assertThat(ids(shop.users().notBoughtIn("Bikes", MARCH))).containsExactly(2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void boughtAtMostCountsPurchasesAndKeepsWhoNeverBought() {
        // Sports purchases in March: 1 has 2, 3 has 3, the others 0
        assertThat(ids(shop.users().boughtAtMost(0, "Sports", MARCH))).containsExactly(2L, 4L, 5L, 6L);
        assertThat(ids(shop.users().boughtAtMost(1, "Sports", MARCH))).containsExactly(2L, 4L, 5L, 6L);
        assertThat(ids(shop.users().boughtAtMost(2, "Sports", MARCH))).containsExactly(1L, 2L, 4L, 5L, 6L);
        assertThat(ids(shop.users().boughtAtMost(3, "Sports", MARCH))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        // February 28 to April 1: 2 has 2 (both boundary days), 1 has 2, 3 has 3
        assertThat(ids(shop.users().boughtAtMost(1, "Sports", between("2017-02-28", "2017-04-01")))).containsExactly(4L, 5L, 6L);
        // with a count of the same tally in one audience: exactly 2 purchases
        assertThat(ids(shop.users().boughtAtLeast(2, "Sports", MARCH).boughtAtMost(2, "Sports", MARCH))).containsExactly(1L);
    }

    @Test
    void lastBoughtBeforeKeepsLapsedBuyersOnlyAndTheDayIsExcluded() {
        // latest purchases: 1 on 04-02, 2 on 04-01, 3 on 03-07, 6 on 01-15; 4 and 5 never bought (5's sales do not count)
        assertThat(ids(shop.users().lastBoughtBefore("2017-04-01"))).containsExactly(3L, 6L);
        assertThat(ids(shop.users().lastBoughtBefore("2017-04-02"))).containsExactly(2L, 3L, 6L);
        assertThat(ids(shop.users().lastBoughtBefore("2017-04-03"))).containsExactly(1L, 2L, 3L, 6L);
        assertThat(ids(shop.users().lastBoughtBefore("2017-01-15"))).isEmpty();
        // a lapsed buyer is one who bought; the buyers of nothing are the others
        assertThat(ids(shop.users().excluding(shop.users().lastBoughtBefore("9999-12-31")))).containsExactly(4L, 5L);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void spentAtLeastAddsAmountsExactlyForDoublesAndDecimals(boolean decimals) {
        Marketplace market = decimals ? BuyingMarketplace.openWithDecimals() : shop;
        // Sports in March: 1 spent 0.70 + 0.10 = 0.80 exactly (a double sum gives 0.7999999999999999), 3 spent 29.97
        assertThat(ids(market.users().spentAtLeast(0.8, "Sports", MARCH))).containsExactly(1L, 3L);
        assertThat(ids(market.users().spentAtLeast(0.81, "Sports", MARCH))).containsExactly(3L);
        assertThat(ids(market.users().spentAtLeast(0.800000001, "Sports", MARCH))).containsExactly(3L);
        assertThat(ids(market.users().spentAtLeast(29.97, "Sports", MARCH))).containsExactly(3L);
        assertThat(ids(market.users().spentAtLeast(29.98, "Sports", MARCH))).isEmpty();
        // January to April in Sports: 1 0.80 (Phones is not Sports), 2 10 + 20 = 30 exactly, 3 29.97, 6 12.50
        assertThat(ids(market.users().spentAtLeast(30, "Sports", between("2017-01-01", "2017-04-30")))).containsExactly(2L);
        assertThat(ids(market.users().spentAtLeast(12.5, "Sports", between("2017-01-01", "2017-04-30")))).containsExactly(2L, 3L, 6L);
        // Electronics in March: 2 spent 1.00
        assertThat(ids(market.users().spentAtLeast(1, "Electronics", MARCH))).containsExactly(2L);
    }

    @Test
    void excludingRemovesTheOtherAudiencesUsersAsExceptDoes() {
        Audience sportsBuyers = shop.users().boughtAtLeast(1, "Sports", MARCH);
        // 1 and 3 bought Sports in March; the others stay, users without any transaction too
        assertThat(ids(shop.users().excluding(sportsBuyers))).containsExactly(2L, 4L, 5L, 6L);
        assertThat(shop.users().excluding(sportsBuyers).criterion()).isEqualTo(shop.users().except(sportsBuyers).criterion());
        // consent: 1, 3, 4, 6 (2 refused, 5 unknown); minus the March Sports buyers 1 and 3
        assertThat(ids(shop.users().withPermissionToMailing().excluding(sportsBuyers))).containsExactly(4L, 6L);
    }

    @Test
    void theNewStepsTogetherInOneAudience() {
        // consenting (1, 3, 4, 6), at most 2 Sports purchases in March (1, 4, 6), not Electronics in March (all three),
        // lapsed before April (6 of those), spent at least 12.50 in Sports since January (6 spent 12.50): 6
        Audience audience = shop.users().withPermissionToMailing().boughtAtMost(2, "Sports", MARCH).notBoughtIn("Electronics", MARCH)
                .lastBoughtBefore("2017-04-01").spentAtLeast(12.5, "Sports", between("2017-01-01", "2017-04-30"));
        assertThat(ids(audience)).containsExactly(6L);
        // and excluding the January Sports buyers leaves nobody
        assertThat(ids(audience.excluding(shop.users().boughtAtLeast(1, "Sports", between("2017-01-01", "2017-01-31"))))).isEmpty();
    }

    @Test
    void eachStepDescribesItselfInPlainEnglish() {
        assertThat(shop.users().withPermissionToMailing().notBoughtIn("Sports", MARCH).describe())
                .isEqualTo("users who gave permission to mailing, and bought nothing in 'Sports' (subcategories included) between 2017-03-01 and 2017-03-31");
        assertThat(shop.users().boughtAtMost(2, "Sports", MARCH).describe())
                .isEqualTo("users who bought at most 2 times in 'Sports' (subcategories included) between 2017-03-01 and 2017-03-31");
        assertThat(shop.users().lastBoughtBefore("2017-04-01").describe())
                .isEqualTo("users who last bought before 2017-04-01 (and bought at least once)");
        assertThat(shop.users().spentAtLeast(0.8, "Sports", MARCH).describe())
                .isEqualTo("users who spent at least 0.8 in 'Sports' (subcategories included) between 2017-03-01 and 2017-03-31");
        assertThat(shop.users().withPermissionToMailing().excluding(shop.users().lastBoughtBefore("2017-04-01")).describe())
                .isEqualTo("users who gave permission to mailing, excluding users who last bought before 2017-04-01 (and bought at least once)");
        assertThat(shop.users().excluding(shop.users().withPermissionToMailing().or(shop.users().lastBoughtBefore("2017-04-01"))).describe())
                .isEqualTo("all users, excluding ((users who gave permission to mailing) or (users who last bought before 2017-04-01 (and bought at least once)))");
    }
}
