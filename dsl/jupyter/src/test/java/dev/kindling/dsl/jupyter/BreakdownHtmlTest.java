package dev.kindling.dsl.jupyter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;

import dev.kindling.dsl.Breakdown;
import dev.kindling.dsl.Breakdown.Entry;
import org.junit.jupiter.api.Test;

/** A breakdown in the notebook: a table and an SVG bar chart, every text escaped; no Spark needed. */
class BreakdownHtmlTest {

    private static final Breakdown CITIES = new Breakdown("users who live within 10 km of 87-100", "city",
            List.of(new Entry("Toruń", 30), new Entry("<script>alert('x')</script>", 10), new Entry("(unknown)", 1)));

    @Test
    void aTableWithOneRowPerKeyInOrder() {
        String html = BreakdownHtml.of(CITIES);
        assertThat(html).startsWith("<p><b>users who live within 10 km of 87-100</b>, by city (each user counts once)</p>"
                + "<table class=\"kindling-breakdown\"><thead><tr><th>city</th><th>users</th></tr></thead><tbody>"
                + "<tr><td>Toruń</td><td style=\"text-align:right\">30</td></tr>"
                + "<tr><td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td><td style=\"text-align:right\">10</td></tr>"
                + "<tr><td>(unknown)</td><td style=\"text-align:right\">1</td></tr></tbody></table>");
    }

    @Test
    void barsAreProportionalToTheLargestAndAtLeastOnePixel() {
        String html = BreakdownHtml.of(CITIES);
        // 30 is the full width (300), 10 a third (100), 1 rounds to 10
        List<String> widths = Pattern.compile("<rect [^>]*width=\"(\\d+)\"").matcher(html).results().map(match -> match.group(1)).toList();
        assertThat(widths).containsExactly("300", "100", "10");
        assertThat(html).contains("<svg class=\"kindling-bars\"", "<title>users by city</title>", "text-anchor=\"end\">Toruń</text>").endsWith("</svg>");
    }

    @Test
    void nothingUnescapedNoScriptNoNetwork() {
        String html = BreakdownHtml.of(CITIES);
        assertThat(html).doesNotContain("<script", "src=", "href=");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http");
    }

    @Test
    void anEmptyAudienceSaysSo() {
        assertThat(BreakdownHtml.of(new Breakdown("all users", "category", List.of())))
                .isEqualTo("<p><b>all users</b>, by category (a user counts once in each top-level category they bought or sold in,"
                        + " so the users may add up to more than count()): no users</p>");
    }
}
