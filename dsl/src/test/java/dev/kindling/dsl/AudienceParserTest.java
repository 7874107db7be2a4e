package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.Audiences.parse;
import static dev.kindling.dsl.Audiences.users;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A saved definition is the sentence typed in the shell, read by the DSL's own small grammar. */
class AudienceParserTest {

    @BeforeAll
    static void marketplace() {
        SmallMarketplace.open();
    }

    @Test
    void theExampleSentenceReadsAsTheSameAudience() {
        Audience typed = users().withPermissionToMailing().soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20")).livingNear("87-100", 10);
        Audience read = parse("""
                // sellers in Sports near Toruń, refreshed every month
                users().withPermissionToMailing()
                       .soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20"))
                       .livingNear("87-100", 10);
                """);
        assertThat(read.criterion()).isEqualTo(typed.criterion());
        assertThat(AudienceSemanticsTest.ids(read)).containsExactly(1L);
    }

    @Test
    void everyStepAndNestedCombinations() {
        Audience read = parse("users().boughtAtLeast(5, \"Sports\", between(\"2017-01-01\", \"2017-01-20\"))"
                + ".or(users().registeredBetween(between(\"2017-01-01\", \"2017-01-20\")).except(users().livingNear(\"00-001\", 2.5)))"
                + ".and(users().withPermissionToMailing())");
        assertThat(AudienceSemanticsTest.ids(read)).containsExactly(2L, 3L, 8L);
    }

    @Test
    void lastDaysEndOnTheMarketplacesDay() {
        Marketplace asOfJanuary20 = new Marketplace(TestSpark.session(), SmallMarketplace.TABLES, java.time.LocalDate.parse("2017-01-20"));
        Audience read = asOfJanuary20.parse("users().soldAtLeast(4, \"Sports\", lastDays(20))");
        assertThat(read.describe()).isEqualTo("users who sold at least 4 times in 'Sports' (subcategories included) between 2017-01-01 and 2017-01-20");
        assertThat(AudienceSemanticsTest.ids(read)).containsExactly(1L, 3L, 5L, 6L);
        assertThat(asOfJanuary20.lastDays(1)).isEqualTo(between("2017-01-20", "2017-01-20"));
        assertThatThrownBy(() -> asOfJanuary20.lastDays(0))
                .hasMessage("lastDays: 'days' is 0, but it must be at least 1 (the number of days, ending on 2017-01-20)");
        assertThatThrownBy(() -> asOfJanuary20.parse("users().registeredBetween(\"2017-01-01\")"))
                .hasMessage("line 1, column 27: expected a period: between(\"YYYY-MM-DD\", \"YYYY-MM-DD\") or lastDays(n) but found '\"2017-01-01\"'");
    }

    @Test
    void valuesGoThroughTheStepsChecks() {
        assertThatThrownBy(() -> parse("users().soldAtLeast(4, \"Sports' OR '1'='1\", between(\"2017-01-01\", \"2017-01-20\"))"))
                .hasMessageStartingWith("soldAtLeast: 'category' \"Sports' OR '1'='1\" is not a known category.");
        assertThatThrownBy(() -> parse("users().livingNear(\"87-100\", -1)"))
                .hasMessageStartingWith("livingNear: 'radiusKm' is -1, but it must be");
    }

    @Test
    void mistakesAreReportedWithLineAndColumn() {
        assertThatThrownBy(() -> parse("users()\n  .livingNear(\"87-100\" 10)"))
                .isInstanceOf(AudienceException.class).hasMessage("line 2, column 24: expected ',' but found '10'");
        assertThatThrownBy(() -> parse("users().soldAtLeast(2.5, \"Sports\", between(\"2017-01-01\", \"2017-01-20\"))"))
                .hasMessage("line 1, column 21: expected a whole number but found '2.5'");
        assertThatThrownBy(() -> parse("users().deleteEverything()"))
                .hasMessageStartingWith("line 1, column 9: 'deleteEverything' is not a step; the steps are withPermissionToMailing,");
        assertThatThrownBy(() -> parse("users().withPermissionToMailing().prepareForMailing(\"x\")"))
                .hasMessageStartingWith("line 1, column 35: .prepareForMailing(...) is a terminal step");
        assertThatThrownBy(() -> parse("users().withPermissionToMailing() users()"))
                .hasMessage("line 1, column 35: expected the end of the definition but found 'users'");
        assertThatThrownBy(() -> parse("users().livingNear(\"87-100\", 10) + 1"))
                .hasMessage("line 1, column 34: unexpected character '+'");
        assertThatThrownBy(() -> parse("  ")).hasMessageStartingWith("the audience definition is empty");
        assertThatThrownBy(() -> parse("users(")).hasMessage("line 1, column 7: expected ')' but found the end of the definition");
    }
}
