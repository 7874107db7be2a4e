package dev.kindling.template;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Rows checked one by one: a reason column, null for a usable row, splits them into accepted and
 * rejected. The check always runs on every row the source has: Spark may not push any part of it
 * (such as "key is not null") into the source's scan, so the scan's row count, which the template
 * reports as the rows read, is the source's, and rows read = rows accepted + rows rejected.
 */
public final class CheckedRows {

    private final Dataset<Row> rows;
    private final String reasonColumn;

    private CheckedRows(Dataset<Row> rows, String reasonColumn) {
        this.rows = rows;
        this.reasonColumn = reasonColumn;
    }

    /** Adds {@code reasonColumn} = {@code reason} to the rows; the reason is null for a usable row. */
    public static CheckedRows check(Dataset<Row> rows, String reasonColumn, Column reason) {
        // spark_partition_id() is never negative, so this is the reason itself; being non-deterministic,
        // it keeps Spark's optimizer from moving the check into the scan. It costs a comparison per row.
        return new CheckedRows(rows.withColumn(reasonColumn, when(spark_partition_id().geq(0), reason)), reasonColumn);
    }

    /** The usable rows, without the reason column. */
    public Dataset<Row> accepted() {
        return rows.filter(col(reasonColumn).isNull()).drop(reasonColumn);
    }

    /** The rejected rows, with their reason. */
    public Dataset<Row> rejected() {
        return rows.filter(col(reasonColumn).isNotNull());
    }
}
