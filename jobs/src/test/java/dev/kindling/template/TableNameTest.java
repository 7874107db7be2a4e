package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.TypeConversionException;

/** One rule for every table name a job is given, and one spelling of each table after it. */
class TableNameTest {

    private static final String RULE = " (letters, digits and '_', not starting with a digit, at most 128 characters each)";
    private static final String PART_128 = "t".repeat(128);

    @Test
    void aTableAloneOrInADatabase() {
        TableName alone = TableName.of("--target", "orders");
        assertThat(alone.database()).isEmpty();
        assertThat(alone.databaseOrDefault()).isEqualTo("default");
        assertThat(alone.name()).isEqualTo("orders");
        assertThat(alone).hasToString("orders");

        TableName qualified = TableName.of("--target", "sales.orders");
        assertThat(qualified.database()).contains("sales");
        assertThat(qualified.databaseOrDefault()).isEqualTo("sales");
        assertThat(qualified.name()).isEqualTo("orders");
        assertThat(qualified).hasToString("sales.orders");

        assertThat(TableName.of("--target", "_staging._x9")).hasToString("_staging._x9");
        assertThat(TableName.of("--target", PART_128 + "." + PART_128).name()).hasSize(128);
    }

    @Test
    void namesAreLowerCasedSoThatTwoSpellingsAreOneTable() {
        TableName shouted = TableName.of("--target", "SALES.Orders");
        assertThat(shouted).hasToString("sales.orders");
        assertThat(shouted.database()).contains("sales");
        assertThat(shouted.name()).isEqualTo("orders");
        assertThat(shouted).isEqualTo(TableName.of("--source", "sales.orders")).hasSameHashCodeAs(TableName.of("--source", "sales.orders"));
        assertThat(TableName.of("--target", "Orders")).isEqualTo(TableName.of("--target", "orders")).isNotEqualTo(TableName.of("--target", "default.orders"));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("empty", "", "--target '' is not a table name: use table or database.table" + RULE),
                Arguments.of("three parts", "spark_catalog.sales.orders", "--target 'spark_catalog.sales.orders' is not a table name: use table or database.table" + RULE),
                Arguments.of("an empty part", "sales.", "--target 'sales.' is not a table name: use table or database.table" + RULE),
                Arguments.of("a leading digit", "sales.2024_orders", "--target 'sales.2024_orders' is not a table name: use table or database.table" + RULE),
                Arguments.of("a '-'", "sales-eu.orders", "--target 'sales-eu.orders' is not a table name: use table or database.table" + RULE),
                Arguments.of("a space", "sales. orders", "--target 'sales. orders' is not a table name: use table or database.table" + RULE),
                Arguments.of("a quote", "sales.o'rders", "--target 'sales.o'rders' is not a table name: use table or database.table" + RULE),
                Arguments.of("backticks", "`sales`.`orders`", "--target '`sales`.`orders`' is not a table name: use table or database.table" + RULE),
                Arguments.of("a letter outside ASCII", "sales.zamówienia", "--target 'sales.zamówienia' is not a table name: use table or database.table" + RULE),
                Arguments.of("a part too long", "sales." + PART_128 + "x",
                        "--target 'sales." + "t".repeat(54) + "... (135 characters)' is not a table name: use table or database.table" + RULE),
                Arguments.of("a line break, shown escaped on one line", "sales.orders\nDROP", "--target 'sales.orders\\u000aDROP' is not a table name: use table or database.table" + RULE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedNamesAreBadInputNamingTheOptionTheValueAndTheRule(String what, String text, String message) {
        assertThatThrownBy(() -> TableName.of("--target", text)).isInstanceOf(InvalidInputException.class).hasMessage(message);
        assertThat(TableName.isValid(text)).isFalse();
    }

    @Test
    void aNullIsRefusedLikeAnEmptyName() {
        assertThatThrownBy(() -> TableName.of("--target", null)).isInstanceOf(InvalidInputException.class)
                .hasMessage("--target '' is not a table name: use table or database.table" + RULE);
    }

    @Test
    void aVeryLongValueIsShownCutWithItsLength() {
        String huge = "x".repeat(100_000) + ".y";
        assertThatThrownBy(() -> TableName.of("--target", huge)).isInstanceOf(InvalidInputException.class)
                .hasMessage("--target '" + "x".repeat(60) + "... (100002 characters)' is not a table name: use table or database.table" + RULE);
    }

    @Test
    void whereTheDatabaseIsRequiredATableAloneIsRefused() {
        assertThat(TableName.qualified("--table", "Recommendations.Top")).hasToString("recommendations.top");
        assertThatThrownBy(() -> TableName.qualified("--table", "orders")).isInstanceOf(InvalidInputException.class)
                .hasMessage("--table 'orders' names no database: use database.table" + RULE);
        assertThatThrownBy(() -> TableName.qualified("--table", "a.b.c")).isInstanceOf(InvalidInputException.class)
                .hasMessage("--table 'a.b.c' is not a table name: use database.table" + RULE);
        assertThat(TableName.isValidQualified("sales.orders")).isTrue();
        assertThat(TableName.isValidQualified("orders")).isFalse();
        assertThat(TableName.isValid("orders")).isTrue();
    }

    @Test
    void picoclisConvertersLeaveTheOptionToPicocli() {
        assertThat(new TableName.Converter().convert("Sales.Orders")).isEqualTo(TableName.of("--target", "sales.orders"));
        assertThat(new TableName.Converter().convert("orders")).hasToString("orders");
        assertThatThrownBy(() -> new TableName.Converter().convert("a-b")).isInstanceOf(TypeConversionException.class)
                .hasMessage("'a-b' is not a table name: use table or database.table" + RULE);
        assertThat(new TableName.QualifiedConverter().convert("Sales.Orders")).hasToString("sales.orders");
        assertThatThrownBy(() -> new TableName.QualifiedConverter().convert("orders")).isInstanceOf(TypeConversionException.class)
                .hasMessage("'orders' names no database: use database.table" + RULE);
    }

    @Test
    void aCompanionTableIsBesideItsTable() {
        assertThat(TableName.of("--target", "Sales.Orders").withSuffix("_quarantine")).hasToString("sales.orders_quarantine");
        assertThat(TableName.of("--target", "orders").withSuffix("_Holdout")).hasToString("orders_holdout");
        assertThat(TableName.of("--target", "sales." + PART_128).withSuffix("_quarantine").name()).hasSize(139);
        assertThatThrownBy(() -> TableName.of("--target", "orders").withSuffix(".x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a table name's suffix is letters, digits and '_': '.x'");
    }

    @Test
    void oneIdentifierRuleForDatabasesAndColumns() {
        assertThat(TableName.isIdentifier("ds")).isTrue();
        assertThat(TableName.isIdentifier("_x1")).isTrue();
        assertThat(TableName.isIdentifier(PART_128)).isTrue();
        assertThat(TableName.isIdentifier(PART_128 + "t")).isFalse();
        assertThat(TableName.isIdentifier("1x")).isFalse();
        assertThat(TableName.isIdentifier("a.b")).isFalse();
        assertThat(TableName.isIdentifier("")).isFalse();
        assertThat(TableName.isIdentifier(null)).isFalse();
    }
}
