package dev.kindling.dsl.jupyter;

import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The first rows of a Dataset as an HTML table, every value escaped. */
final class HtmlTable {

    private HtmlTable() {
    }

    static String of(Dataset<Row> rows, int limit) {
        List<Row> shown = rows.limit(limit + 1).collectAsList();
        StringBuilder html = new StringBuilder("<table class=\"kindling\"><thead><tr>");
        for (String column : rows.columns()) {
            html.append("<th>").append(escape(column)).append("</th>");
        }
        html.append("</tr></thead><tbody>");
        for (Row row : shown.subList(0, Math.min(limit, shown.size()))) {
            html.append("<tr>");
            for (int i = 0; i < row.length(); i++) {
                html.append("<td>").append(row.isNullAt(i) ? "" : escape(String.valueOf(row.get(i)))).append("</td>");
            }
            html.append("</tr>");
        }
        html.append("</tbody></table>");
        if (shown.size() > limit) {
            html.append("<p>first ").append(limit).append(" rows shown</p>");
        }
        return html.toString();
    }

    // Five characters are all HTML text and attribute values need; not worth a dependency.
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
