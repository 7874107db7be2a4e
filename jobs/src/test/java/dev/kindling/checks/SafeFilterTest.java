package dev.kindling.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.template.InvalidInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A check file's filter may compute, compare and call pure functions on the checked rows, and nothing more. */
class SafeFilterTest {

    private static final String AT = "checks.yaml: check 1 ('c')";
    private static final String ALLOWED = "; a filter may use the checked table's columns, literals, comparisons, AND, OR, NOT, arithmetic, ||, IN (values),"
            + " LIKE, ILIKE, IS NULL, BETWEEN, CAST, CASE and the functions " + SafeFilter.FUNCTIONS;

    @ParameterizedTest
    @ValueSource(strings = {
            "status = 'active'",
            "amount > 10 AND amount <= 100 OR NOT flag",
            "a <> b AND a <=> b AND a < b AND a >= b",
            "-amount + price * 2 % 3 / 4 - 1 > 0",
            "category IN ('Books', 'Toys', 3)",
            "email LIKE '%@x.pl' AND name ILIKE 'a%'",
            "email IS NULL OR email IS NOT NULL",
            "amount BETWEEN 1 AND 10",
            "CAST(amount AS INT) = 3",
            "CASE WHEN amount > 1 THEN true ELSE false END",
            "lower(trim(name)) = 'x' AND coalesce(amount, 0) > round(abs(price), 2) AND year(to_date(day)) = 2024",
            "`order id` = 1",
            "first_name || ' ' || last_name = 'A B'"})
    void aFilterOfEachAllowedKindPasses(String filter) {
        assertThat(SafeFilter.check(AT, filter)).isEqualTo(filter);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "raise_error(java_method('java.lang.System', 'getenv', 'HOME')) IS NULL | calls raise_error(), which is not allowed",
            "java_method('java.lang.System', 'exit', 0) IS NULL | calls java_method(), which is not allowed",
            "reflect('java.lang.System', 'exit', 0) IS NULL | calls reflect(), which is not allowed",
            "my_udf(amount) > 1 | calls my_udf(), which is not allowed",
            "system.builtin.lower(name) = 'x' | calls system.builtin.lower(), which is not allowed",
            "count(DISTINCT amount) > 1 | calls count(), which is not allowed",
            "rand() > 0.5 | calls rand(), which is not allowed",
            "current_date() > day | calls current_date(), which is not allowed",
            "id IN (SELECT id FROM secrets.keys) | has a subquery, which is not allowed",
            "EXISTS (SELECT 1 FROM secrets.keys) | has a subquery, which is not allowed",
            "(SELECT max(id) FROM secrets.keys) > 1 | has a subquery, which is not allowed",
            "secrets.keys.id = 1 | names secrets.keys.id: name a column of the checked table by its name alone",
            "name RLIKE '(a+)+$' | uses rlike, which is not allowed"})
    void anythingElseIsBadInputNamingIt(String filter, String why) {
        assertThatThrownBy(() -> SafeFilter.check(AT, filter)).isInstanceOf(InvalidInputException.class)
                .hasMessage(AT + ": filter '" + filter + "' " + why + ALLOWED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a = 1; DROP TABLE x", "status = "})
    void aFilterThatDoesNotParseIsBadInputWithTheParsersReason(String filter) {
        assertThatThrownBy(() -> SafeFilter.check(AT, filter)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(AT + ": filter '" + filter + "' is not a valid condition: Syntax error at or near");
    }

    @org.junit.jupiter.api.Test
    void theReadmeListsTheFunctionsAFilterMayCall() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md")).replaceAll("\\s+", " ");
        java.util.regex.Matcher listed = java.util.regex.Pattern.compile("which compute a value from their arguments alone: ([a-z_, ]+)\\. Anything").matcher(readme);
        assertThat(listed.find()).as("the README's list of a filter's functions").isTrue();
        assertThat(java.util.List.of(listed.group(1).split(", "))).containsExactlyElementsOf(SafeFilter.FUNCTIONS);
    }

    @ParameterizedTest
    @ValueSource(ints = {SafeFilter.MAX_LENGTH + 1})
    void aFilterLongerThanTheBoundIsRefusedUnparsed(int length) {
        String filter = "a = " + "1".repeat(length - 4);
        assertThatThrownBy(() -> SafeFilter.check(AT, filter)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is " + length + " characters long, more than " + SafeFilter.MAX_LENGTH);
    }
}
