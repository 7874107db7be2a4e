package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.Audiences.lastDays;
import static dev.kindling.dsl.Audiences.users;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.kindling.testing.TestSpark;

/** Every input is checked at the step that takes it, with a message that names parameter, value and what is allowed. */
class AudienceValidationTest {

    private static final Period JANUARY = between("2017-01-01", "2017-01-31");

    @BeforeAll
    static void marketplace() {
        SmallMarketplace.open();
    }

    @Test
    void anUnknownCategorySuggestsTheClosestNames() {
        assertThatThrownBy(() -> users().soldAtLeast(4, "Sprots", JANUARY))
                .isInstanceOf(AudienceException.class)
                .hasMessage("soldAtLeast: 'category' \"Sprots\" is not a known category. Did you mean 'Sports'?");
        assertThatThrownBy(() -> users().boughtAtLeast(1, "Bike", JANUARY))
                .hasMessage("boughtAtLeast: 'category' \"Bike\" is not a known category. Did you mean 'Bikes'?");
        assertThatThrownBy(() -> users().boughtAtLeast(1, "Gardening", JANUARY))
                .hasMessage("boughtAtLeast: 'category' \"Gardening\" is not a known category. Known top-level categories: Electronics, Sports.");
    }

    @Test
    void aCategoryNameIsAValueNeverSql() {
        assertThatThrownBy(() -> users().soldAtLeast(1, "Sports' OR '1'='1", JANUARY))
                .isInstanceOf(AudienceException.class)
                .hasMessageStartingWith("soldAtLeast: 'category' \"Sports' OR '1'='1\" is not a known category.");
        assertThatThrownBy(() -> users().soldAtLeast(1, "", JANUARY))
                .hasMessage("soldAtLeast: 'category' is empty; give a category name such as \"Sports\"");
    }

    @Test
    void postalCodesMustBeWellFormedAndKnown() {
        assertThatThrownBy(() -> users().livingNear("87100", 10))
                .hasMessage("livingNear: 'postalCode' \"87100\" is not a postal code; write it as NN-NNN, e.g. \"87-100\"");
        assertThatThrownBy(() -> users().livingNear("87-100' OR '1'='1", 10))
                .hasMessageStartingWith("livingNear: 'postalCode' \"87-100' OR '1'='1\" is not a postal code");
        assertThatThrownBy(() -> users().livingNear("11-111", 10))
                .hasMessage("livingNear: 'postalCode' \"11-111\" is not a known postal code (table small.postal_codes)");
    }

    @Test
    void theRadiusMustBePositive() {
        for (double radius : new double[] {0, -3, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> users().livingNear("87-100", radius))
                    .hasMessageStartingWith("livingNear: 'radiusKm' is " + Audience.number(radius) + ", but it must be a number of kilometres above 0");
        }
    }

    @Test
    void periodsMustBeRealDatesInOrder() {
        assertThatThrownBy(() -> between("2017-01-20", "2017-01-01"))
                .hasMessage("between: 'from' 2017-01-20 is after 'to' 2017-01-01; the first date must be on or before the second");
        assertThatThrownBy(() -> between("2017-02-30", "2017-03-01"))
                .hasMessage("between: 'from' is \"2017-02-30\", which is not a date; write it as YYYY-MM-DD, e.g. \"2017-01-20\"");
        assertThatThrownBy(() -> between("2017-01-01", "20.01.2017"))
                .hasMessageStartingWith("between: 'to' is \"20.01.2017\", which is not a date");
        assertThatThrownBy(() -> users().registeredBetween(null))
                .hasMessage("registeredBetween: 'period' is missing; give one such as between(\"2017-01-01\", \"2017-01-20\")");
    }

    @Test
    void periodsAreBoundedWhereTheyAreGiven() {
        assertThatThrownBy(() -> lastDays(Integer.MAX_VALUE))
                .hasMessage("lastDays: 'days' is 2147483647, but it must be from 1 to 36600 (the number of days, ending today or on the run's day)");
        assertThatThrownBy(() -> lastDays(36_601)).hasMessageStartingWith("lastDays: 'days' is 36601, but it must be from 1 to 36600");
        assertThat(lastDays(36_600).from()).isEqualTo(LocalDate.now().minusDays(36_599));
        assertThatThrownBy(() -> between("1900-01-01", "2017-01-20"))
                .hasMessage("between: from 1900-01-01 to 2017-01-20 is 42754 days, but a period may be at most 36600 days");
        assertThatThrownBy(() -> between("+10000-01-01", "+10000-01-02"))
                .hasMessage("between: 'from' is +10000-01-01, but dates must be from 0001-01-01 to 9999-12-31");
        assertThat(between("1917-01-21", "2017-01-20").to()).isEqualTo(LocalDate.parse("2017-01-20"));
    }

    @Test
    void countsStartAtOne() {
        assertThatThrownBy(() -> users().soldAtLeast(0, "Sports", JANUARY))
                .hasMessage("soldAtLeast: 'n' is 0, but it must be at least 1 (the number of transactions)");
        assertThatThrownBy(() -> users().boughtAtLeast(-2, "Sports", JANUARY))
                .hasMessage("boughtAtLeast: 'n' is -2, but it must be at least 1 (the number of transactions)");
        assertThatThrownBy(() -> users().show(0))
                .hasMessage("show: 'n' is 0, but it must be at least 1 (the number of users to show)");
    }

    @Test
    void theBuyingStepsCheckTheirInputs() {
        assertThatThrownBy(() -> users().boughtAtMost(-1, "Sports", JANUARY))
                .isInstanceOf(AudienceException.class)
                .hasMessage("boughtAtMost: 'n' is -1, but it must be at least 0 (the most purchases; 0 means none)");
        assertThatThrownBy(() -> users().boughtAtMost(0, "Sprots", JANUARY))
                .hasMessage("boughtAtMost: 'category' \"Sprots\" is not a known category. Did you mean 'Sports'?");
        assertThatThrownBy(() -> users().notBoughtIn("Bike", JANUARY))
                .hasMessage("notBoughtIn: 'category' \"Bike\" is not a known category. Did you mean 'Bikes'?");
        assertThatThrownBy(() -> users().notBoughtIn(null, JANUARY))
                .hasMessage("notBoughtIn: 'category' is empty; give a category name such as \"Sports\"");
        assertThatThrownBy(() -> users().notBoughtIn("Sports", null))
                .hasMessage("notBoughtIn: 'period' is missing; give one such as between(\"2017-01-01\", \"2017-01-20\")");
        assertThatThrownBy(() -> users().spentAtLeast(100, "Gardening", JANUARY))
                .hasMessage("spentAtLeast: 'category' \"Gardening\" is not a known category. Known top-level categories: Electronics, Sports.");
        assertThatThrownBy(() -> users().spentAtLeast(100, "Sports", null))
                .hasMessage("spentAtLeast: 'period' is missing; give one such as between(\"2017-01-01\", \"2017-01-20\")");
    }

    @Test
    void anAmountMustBePositiveAndFinite() {
        assertThatThrownBy(() -> users().spentAtLeast(0, "Sports", JANUARY))
                .isInstanceOf(AudienceException.class)
                .hasMessage("spentAtLeast: 'amount' is 0, but it must be a number above 0 and at most 1000000000000000 (the sum of the purchases' amounts), e.g. 100");
        for (double amount : new double[] {-0.01, Double.NaN, Double.POSITIVE_INFINITY, 1e16}) {
            assertThatThrownBy(() -> users().spentAtLeast(amount, "Sports", JANUARY))
                    .hasMessageStartingWith("spentAtLeast: 'amount' is " + Audience.number(amount) + ", but it must be a number above 0 and at most");
        }
        assertThat(users().spentAtLeast(1e15, "Sports", JANUARY).describe()).contains("spent at least 1000000000000000 in 'Sports'");
    }

    @Test
    void aLapseDateIsARealDate() {
        assertThatThrownBy(() -> users().lastBoughtBefore("2017-02-30"))
                .isInstanceOf(AudienceException.class)
                .hasMessage("lastBoughtBefore: 'date' is \"2017-02-30\", which is not a date; write it as YYYY-MM-DD, e.g. \"2017-01-20\"");
        assertThatThrownBy(() -> users().lastBoughtBefore("20.01.2017"))
                .hasMessageStartingWith("lastBoughtBefore: 'date' is \"20.01.2017\", which is not a date");
        assertThatThrownBy(() -> users().lastBoughtBefore(null))
                .hasMessage("lastBoughtBefore: 'date' is missing; give one such as \"2017-01-20\"");
        assertThatThrownBy(() -> users().lastBoughtBefore("+10000-01-01"))
                .hasMessage("lastBoughtBefore: 'date' is +10000-01-01, but dates must be from 0001-01-01 to 9999-12-31");
        assertThat(users().lastBoughtBefore(" 2017-01-20 ").describe()).isEqualTo("users who last bought before 2017-01-20 (and bought at least once)");
    }

    @Test
    void aMailingNameMustBeATableName() {
        for (String name : new String[] {"drop table users", "9lives", "a;b", "x__v1", "", "ä"}) {
            assertThatThrownBy(() -> users().withPermissionToMailing().prepareForMailing(name))
                    .hasMessageStartingWith("prepareForMailing: 'name' \"" + name + "\" cannot be a table name; use letters and digits");
        }
        assertThatThrownBy(() -> users().withPermissionToMailing().prepareForMailing("a".repeat(101)))
                .hasMessageContaining("at most 100 characters");
    }

    @Test
    void combiningNeedsAnotherAudienceOfTheSameMarketplace() {
        assertThatThrownBy(() -> users().or(null))
                .hasMessage("or: the other audience is missing; give one such as users().withPermissionToMailing()");
        assertThatThrownBy(() -> users().excluding(null))
                .hasMessage("excluding: the other audience is missing; give one such as users().withPermissionToMailing()");
        Audience elsewhere = new Audience(new Marketplace(TestSpark.session(), SmallMarketplace.TABLES), new Criterion.Everyone());
        assertThatThrownBy(() -> users().and(elsewhere)).hasMessageStartingWith("and: the two audiences come from different marketplaces");
        assertThatThrownBy(() -> users().excluding(elsewhere)).hasMessageStartingWith("excluding: the two audiences come from different marketplaces");
    }
}
