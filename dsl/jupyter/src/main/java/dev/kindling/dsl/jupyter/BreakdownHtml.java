package dev.kindling.dsl.jupyter;

import dev.kindling.dsl.Breakdown;
import dev.kindling.dsl.Breakdown.Entry;

/**
 * A breakdown as HTML: a heading, a table (key, users) and a horizontal bar chart in inline SVG, one bar
 * per key relative to the largest. No script and nothing fetched; every text escaped.
 */
final class BreakdownHtml {

    static final int BAR_WIDTH = 300;
    private static final int ROW_HEIGHT = 20;
    private static final int CHARACTER_WIDTH = 8; // a generous average for the label column
    private static final int MAX_LABEL_WIDTH = 240;

    private BreakdownHtml() {
    }

    static String of(Breakdown breakdown) {
        StringBuilder html = new StringBuilder("<p><b>").append(HtmlTable.escape(breakdown.audience())).append("</b>, by ")
                .append(HtmlTable.escape(breakdown.dimension())).append(" (").append(HtmlTable.escape(breakdown.note())).append(")");
        if (breakdown.entries().isEmpty()) {
            return html.append(": no users</p>").toString();
        }
        html.append("</p>");
        table(breakdown, html);
        chart(breakdown, html);
        return html.toString();
    }

    private static void table(Breakdown breakdown, StringBuilder html) {
        html.append("<table class=\"kindling-breakdown\"><thead><tr><th>").append(HtmlTable.escape(breakdown.dimension()))
                .append("</th><th>users</th></tr></thead><tbody>");
        for (Entry entry : breakdown.entries()) {
            html.append("<tr><td>").append(HtmlTable.escape(entry.key())).append("</td><td style=\"text-align:right\">")
                    .append(entry.users()).append("</td></tr>");
        }
        html.append("</tbody></table>");
    }

    private static void chart(Breakdown breakdown, StringBuilder html) {
        int longestKey = breakdown.entries().stream().mapToInt(entry -> entry.key().length()).max().orElse(0);
        int labels = Math.min(MAX_LABEL_WIDTH, longestKey * CHARACTER_WIDTH + 10);
        int width = labels + BAR_WIDTH + 80;
        int height = breakdown.entries().size() * ROW_HEIGHT + 4;
        html.append("<svg class=\"kindling-bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\"><title>users by ").append(HtmlTable.escape(breakdown.dimension()))
                .append("</title>");
        int y = 2;
        for (Entry entry : breakdown.entries()) {
            int bar = breakdown.barLength(entry.users(), BAR_WIDTH);
            html.append("<text x=\"").append(labels - 6).append("\" y=\"").append(y + 14).append("\" text-anchor=\"end\">")
                    .append(HtmlTable.escape(entry.key())).append("</text>")
                    .append("<rect x=\"").append(labels).append("\" y=\"").append(y + 3).append("\" width=\"").append(bar)
                    .append("\" height=\"").append(ROW_HEIGHT - 6).append("\" fill=\"#4c78a8\"/>")
                    .append("<text x=\"").append(labels + bar + 4).append("\" y=\"").append(y + 14).append("\">").append(entry.users()).append("</text>");
            y += ROW_HEIGHT;
        }
        html.append("</svg>");
    }
}
