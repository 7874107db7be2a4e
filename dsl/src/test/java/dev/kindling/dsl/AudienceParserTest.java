package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.Audiences.parse;
import static dev.kindling.dsl.Audiences.users;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.kindling.testing.TestSpark;

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
                .hasMessage("lastDays: 'days' is 0, but it must be from 1 to 36600 (the number of days, ending today or on the run's day)");
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
    void theParsersStepsAreTheHelpsSteps() {
        // one list in the parser's message, one in HELP: every step the parser names is explained in help()
        String message = org.assertj.core.api.Assertions.catchThrowable(() -> AudienceDefinition.parse("users().nothing()")).getMessage();
        java.util.List<String> steps = java.util.Arrays.stream(message.substring(message.indexOf("the steps are ") + "the steps are ".length())
                .replace("and last ", "").split(", ")).map(String::trim).toList();
        assertThat(steps).contains("notMailedInLast", "holdout").hasSize(10);
        for (String step : steps) {
            assertThat(Audiences.HELP).as(step).contains("." + step + "(");
        }
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

    @Test
    void aDefinitionIsCheckedWithoutSparkAsFarAsItCanBe() {
        // AudienceDefinition.parse has no marketplace: these fail before any session or table is asked
        assertThatThrownBy(() -> AudienceDefinition.parse("users().withPermissionToMailing().soldAtLeast(1, \"Sports\", lastDays(2147483647))"))
                .hasMessageStartingWith("lastDays: 'days' is 2147483647, but it must be from 1 to 36600");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().registeredBetween(between(\"1000-01-01\", \"2017-01-01\"))"))
                .hasMessageStartingWith("between: from 1000-01-01 to 2017-01-01 is");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().soldAtLeast(0, \"Sports\", lastDays(2))"))
                .hasMessageStartingWith("soldAtLeast: 'n' is 0, but it must be at least 1");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().livingNear(\"87100\", 10)"))
                .hasMessageStartingWith("livingNear: 'postalCode' \"87100\" is not a postal code");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().livingNear(\"87-100\", 0)"))
                .hasMessageStartingWith("livingNear: 'radiusKm' is 0, but it must be");
        AudienceDefinition unknownCategory = AudienceDefinition.parse("users().withPermissionToMailing().soldAtLeast(1, \"Sprots\", lastDays(2))");
        assertThat(unknownCategory.guaranteesConsent()).isTrue();
        assertThatThrownBy(() -> unknownCategory.on(Audiences.users().marketplace())).hasMessageStartingWith("soldAtLeast: 'category' \"Sprots\" is not a known category.");
    }

    /** users().and(users().and(...)) with depth and's. */
    private static String nested(int depth) {
        return "users()" + ".withPermissionToMailing().and(users()".repeat(depth) + ")".repeat(depth);
    }

    @Test
    void nestingIsLimitedWithOneLineInsteadOfAStackOverflow() {
        Audience deepest = parse(nested(AudienceParser.MAX_NESTING));
        assertThat(deepest.count()).isEqualTo(users().withPermissionToMailing().count());
        assertThatThrownBy(() -> AudienceDefinition.parse(nested(AudienceParser.MAX_NESTING + 1)))
                .isInstanceOf(AudienceException.class)
                .hasMessage("line 1, column 3835: and/or/except are nested more than 100 levels deep; a definition may nest them at most 100 levels");
        assertThatThrownBy(() -> AudienceDefinition.parse(nested(20_000)))
                .hasMessageContaining("and/or/except are nested more than 100 levels deep");
    }

    @Test
    void stepsAreLimited() {
        Audience longest = parse("users()" + ".registeredBetween(between(\"2016-01-01\", \"2016-12-31\"))".repeat(AudienceParser.MAX_STEPS));
        assertThat(longest.count()).isEqualTo(users().registeredBetween(between("2016-01-01", "2016-12-31")).count());
        assertThatThrownBy(() -> AudienceDefinition.parse("users()" + ".withPermissionToMailing()".repeat(AudienceParser.MAX_STEPS + 1)))
                .hasMessage("line 1, column 6509: the definition has more than 250 steps; a definition may have at most 250");
    }
}
