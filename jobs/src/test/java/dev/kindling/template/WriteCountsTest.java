package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Rows read, as the balance counts them: a source's own rows. A view that joins, filters and aggregates
 * yields fewer rows than its scans read; counted where its rows leave it, it balances with what is written.
 * (The embedded default cannot hold a view: Iceberg's session catalog on the file-based catalog refuses
 * CREATE VIEW; a query of the same shape stands in for one.)
 */
class WriteCountsTest {

    private static final SparkSession SPARK = TestSpark.session();

    @Test
    void aDerivedSourceCountsTheRowsItYieldsNotTheRowsItsScansRead() {
        SPARK.sql("CREATE DATABASE IF NOT EXISTS counted");
        SPARK.sql("DROP TABLE IF EXISTS counted.customers");
        SPARK.sql("CREATE TABLE counted.customers (customer_id INT, city STRING) USING parquet");
        SPARK.sql("INSERT INTO counted.customers VALUES (1, 'Torun'), (2, 'Gdansk'), (3, 'Torun')");
        SPARK.sql("DROP TABLE IF EXISTS counted.purchases");
        SPARK.sql("CREATE TABLE counted.purchases (customer_id INT, amount INT) USING parquet");
        SPARK.sql("INSERT INTO counted.purchases VALUES (1, 10), (1, 20), (2, 5), (3, 7), (3, 8), (3, 9)");
        SPARK.sql("CREATE TABLE IF NOT EXISTS counted.totals (id INT, name STRING, amount BIGINT) USING iceberg");
        // 3 + 6 rows scanned; the join yields 6, the filter 5, the aggregate 2
        Dataset<Row> totals = SPARK.sql("SELECT c.customer_id AS id, c.city AS name, sum(p.amount) AS amount"
                + " FROM counted.customers c JOIN counted.purchases p USING (customer_id) WHERE p.amount > 5 GROUP BY c.customer_id, c.city");

        try (WriteCounts counts = new WriteCounts(SPARK)) {
            WriteCounts.Count scans = counts.countTableWrite("counted.totals", () -> append(totals), Duration.ofSeconds(10));
            WriteCounts.Count yielded = counts.countTableWrite("counted.totals", () -> append(WriteCounts.countedAsInput(totals)), Duration.ofSeconds(10));
            WriteCounts.Count table = counts.countTableWrite("counted.totals",
                    () -> append(WriteCounts.countedAsInput(SPARK.table("counted.customers").selectExpr("customer_id AS id", "city AS name", "0L AS amount"))),
                    Duration.ofSeconds(10));

            assertThat(scans.rowsRead()).as("every scan's rows").isEqualTo(9);
            assertThat(yielded.rowsRead()).as("the rows the derived source yields").isEqualTo(2);
            assertThat(table.rowsRead()).as("a table is its scan, not observed").isEqualTo(3);
        }
        assertThat(SPARK.table("counted.totals").count()).isEqualTo(2 + 2 + 3);
    }

    private static void append(Dataset<Row> rows) {
        try {
            rows.writeTo("counted.totals").append();
        } catch (Exception e) { // NoSuchTableException is checked in Java
            throw new IllegalStateException(e);
        }
    }
}
