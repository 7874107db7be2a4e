package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.Audiences.users;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import dev.kindling.dsl.Breakdown.Entry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** by("city") and by("category") on the hand-made marketplace of {@link SmallMarketplace} (its table has the answers). */
class BreakdownTest {

    private static final Period JANUARY_1_TO_20 = between("2017-01-01", "2017-01-20");

    @BeforeAll
    static void marketplace() {
        SmallMarketplace.open();
    }

    @Test
    void byCityCountsEachUserOnceWithUnknownPostalCodesVisible() {
        // users 1, 2, 3, 5, 6, 7 live in Toruń's codes, 4 in Warszawa, 8 at 99-999 (not in the table);
        // ties by key: "(unknown)" sorts before "Warszawa"
        assertThat(users().by("city").entries())
                .containsExactly(new Entry("Toruń", 6), new Entry("(unknown)", 1), new Entry("Warszawa", 1));
        // consent keeps 1, 2, 3, 4, 7, 8
        assertThat(users().withPermissionToMailing().by("city").entries())
                .containsExactly(new Entry("Toruń", 4), new Entry("(unknown)", 1), new Entry("Warszawa", 1));
    }

    @Test
    void byCityWithLivingNearSharesThePostalCodesJoin() {
        // within 10 km of 87-100: 1 (0 km), 2 (exactly 10 km), 7 (9.99 km); 5 and 6 refused consent
        Breakdown near = users().withPermissionToMailing().livingNear("87-100", 10).by("city");
        assertThat(near.entries()).containsExactly(new Entry("Toruń", 3));
        assertThat(near.dimension()).isEqualTo("city");
        assertThat(near.audience()).isEqualTo("users who gave permission to mailing, and live within 10 km of 87-100");
    }

    @Test
    void byCategoryWithoutActivityStepsCountsEveryTransactionAsBuyerOrSeller() {
        // Sports: sellers 1, 2, 3, 5, 6 and buyer 8; Electronics: seller 4 (Phones) and buyer 8; user 7 has no transaction
        Breakdown all = users().by("category");
        assertThat(all.entries()).containsExactly(new Entry("Sports", 6), new Entry("Electronics", 2), new Entry("(none)", 1));
        // user 8 counts in both categories: 9 against 8 users
        assertThat(all.entries().stream().mapToLong(Entry::users).sum()).isEqualTo(9).isGreaterThan(users().count());
    }

    @Test
    void byCategoryCountsOnlyTheActivityStepsDaysWhateverTheirCategory() {
        // consenting 1, 2, 3, 4, 7, 8 except 3 (sold 5 in Sports in 01-01..20) = 1, 2, 4, 7, 8; in 01-01..20:
        // 1 sold Sports; 2 sold Sports and bought Bikes (Sports); 4 sold Phones (Electronics); 7 nothing; 8 bought both
        Audience audience = users().withPermissionToMailing().except(users().soldAtLeast(5, "Sports", JANUARY_1_TO_20));
        assertThat(audience.by("category").entries())
                .containsExactly(new Entry("Sports", 3), new Entry("Electronics", 2), new Entry("(none)", 1));
        // the days 01-21..31 hold one transaction (2 sold Sports to 8), so of 1, 3, 4, 7, 8 only 8 has a category
        Audience late = users().withPermissionToMailing().except(users().soldAtLeast(1, "Sports", between("2017-01-21", "2017-01-31")));
        assertThat(late.by("category").entries()).containsExactly(new Entry("(none)", 4), new Entry("Sports", 1));
    }

    @Test
    void anEmptyAudienceHasNoRows() {
        Breakdown none = users().soldAtLeast(100, "Sports", JANUARY_1_TO_20).by("city");
        assertThat(none.entries()).isEmpty();
        assertThat(none.toString()).endsWith("no users\n");
    }

    @Test
    void theDimensionIsChecked() {
        assertThatThrownBy(() -> users().by("town"))
                .isInstanceOf(AudienceException.class)
                .hasMessage("by: 'dimension' \"town\" is not a dimension; give \"city\" or \"category\"");
        assertThatThrownBy(() -> users().withPermissionToMailing().by(null))
                .isInstanceOf(AudienceException.class)
                .hasMessage("by: 'dimension' is missing; give \"city\" or \"category\"");
        assertThatThrownBy(() -> users().by("City")).hasMessageStartingWith("by: 'dimension' \"City\" is not a dimension");
    }

    @Test
    void theShellShowsATableWithBarsRelativeToTheLargest() {
        Breakdown breakdown = new Breakdown("all users", "city", List.of(new Entry("Toruń", 40), new Entry("Warszawa", 10), new Entry("(unknown)", 1)));
        assertThat(breakdown.toString()).isEqualTo("""
                all users, by city (each user counts once)
                city       users
                Toruń         40  ########################################
                Warszawa      10  ##########
                (unknown)      1  #
                """);
        assertThat(breakdown.users("Warszawa")).isEqualTo(10);
        assertThat(breakdown.users("Kraków")).isZero();
        assertThat(new Breakdown("all users", "category", List.of()).note()).contains("may add up to more than count()");
    }
}
