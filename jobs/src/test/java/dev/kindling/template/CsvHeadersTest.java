package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The line separator of a CSV file is the first line break outside quotes. */
class CsvHeadersTest {

    private static String separator(String text, CsvDialect dialect) {
        return CsvHeaders.lineSeparator(text.toCharArray(), 0, text.length(), dialect);
    }

    @Test
    void theFirstLineBreakOutsideQuotesEndsTheRecord() {
        CsvDialect rfc = CsvDialect.RFC_4180;
        assertThat(separator("id,name\r\n1,a\r\n", rfc)).isEqualTo("\r\n");
        assertThat(separator("id,name\n1,a\n", rfc)).isEqualTo("\n");
        assertThat(separator("id,name\r1,a\r", rfc)).isEqualTo("\r");
        assertThat(separator("1,\"two\nlines\",3\r\n", rfc)).isEqualTo("\r\n");
        assertThat(separator("1,\"a \"\"quote\"\"\r\nand\",3\n", rfc)).isEqualTo("\n");
        assertThat(separator("1,\"no end", rfc)).isNull();
        assertThat(separator("1,2\r", rfc)).as("a CR at the end of what was read: the next character decides").isNull();
    }

    @Test
    void anEscapedQuoteDoesNotEndAQuotedField() {
        CsvDialect mysql = new CsvDialect(',', '"', '\\', "UTF-8", false, "", true);
        assertThat(separator("1,\"it\\\"s\nstill quoted\",3\r\n", mysql)).isEqualTo("\r\n");
    }
}
