package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A source is checked as it is built: no Source exists whose schema does not parse. */
class SourceTest {

    @Test
    void aSchemaThatDoesNotParseIsBadInputWhenTheSourceIsBuilt() {
        assertThatThrownBy(() -> new Source(Source.Format.CSV, "orders.csv", null, "id INTEGR, name", null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--schema 'id INTEGR, name' is not a valid schema");
        assertThatCode(() -> new Source(Source.Format.CSV, "orders.csv", null, "id INT, name STRING", null)).doesNotThrowAnyException();
    }
}
