package dev.kindling.dsl.jupyter;

import dev.kindling.dsl.Audience;
import dev.kindling.dsl.Breakdown;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;

/**
 * Registers HTML renderers with the JJava kernel: a cell whose value is an audience shows what it
 * is in plain English, how many users it has and the first of them; a Dataset shows its first rows; a
 * breakdown ({@code audience.by("city")}) a table and a bar chart. The Dataset may be a classic one or a
 * Spark Connect client's (a kernel that is a thin client of a shared server): only Spark's API is used.
 * JJava loads it through META-INF/services when this jar is on the kernel's class path.
 */
public final class AudienceDisplay implements Extension {

    static final int ROWS = 20;

    @Override
    public void install(BaseKernel kernel) {
        kernel.getRenderer().createRegistration(Audience.class)
                .preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((audience, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> html(audience));
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, audience::describe);
                });
        kernel.getRenderer().createRegistration(Breakdown.class)
                .preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((breakdown, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> BreakdownHtml.of(breakdown));
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, breakdown::toString);
                });
        kernel.getRenderer().createRegistration(Dataset.class)
                .preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((dataset, context) -> {
                    @SuppressWarnings("unchecked")
                    Dataset<Row> rows = (Dataset<Row>) dataset;
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> HtmlTable.of(rows, ROWS));
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> rows.schema().simpleString());
                });
    }

    static String html(Audience audience) {
        Dataset<Row> users = audience.toDataset();
        long count = users.count();
        return "<p><b>" + HtmlTable.escape(audience.describe()) + "</b>: " + count + (count == 1 ? " user" : " users") + "</p>"
                + HtmlTable.of(users, ROWS);
    }
}
