package dev.kindling.checks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Hive table of check results: one row per check and run, partitioned by logical date
 * ({@value #PARTITION}). The verify job writes a date's partition through the run's outputs; change
 * checks read the values of earlier dates from it.
 */
public final class History {

    public static final String PARTITION = "ds";
    public static final StructType SCHEMA = new StructType()
            .add("table_name", DataTypes.StringType)
            .add("check_name", DataTypes.StringType)
            .add("kind", DataTypes.StringType)
            .add("severity", DataTypes.StringType)
            .add("status", DataTypes.StringType)
            .add("value", DataTypes.DoubleType)
            .add("message", DataTypes.StringType)
            .add("run_id", DataTypes.StringType);

    private final SparkSession spark;
    private final String table;

    public History(SparkSession spark, String table) {
        this.spark = spark;
        this.table = table;
    }

    public String table() {
        return table;
    }

    /**
     * The values a check of a table recorded for logical dates before {@code date}, the latest
     * {@code limit} dates that have one, latest first.
     */
    public List<Double> earlierValues(String checkedTable, String check, LocalDate date, int limit) {
        if (!spark.catalog().tableExists(table)) {
            return List.of();
        }
        return spark.table(table)
                .where(col("table_name").equalTo(lit(checkedTable)).and(col("check_name").equalTo(lit(check)))
                        .and(col(PARTITION).lt(lit(date.toString()))).and(col("value").isNotNull()))
                .orderBy(col(PARTITION).desc())
                .limit(limit)
                .select(col("value"))
                .collectAsList().stream().map(row -> row.getDouble(0)).toList();
    }

    /** The rows a run writes into a date's partition: its results, and the rows other tables' runs recorded for that date. */
    public Dataset<Row> partitionRows(String checkedTable, List<CheckResult> results, String runId, LocalDate date) {
        List<Row> rows = results.stream().map(r -> RowFactory.create(checkedTable, r.check().name(), r.check().rule().kind(),
                r.check().severity().toString(), r.status().toString(), r.value(), r.message(), runId)).toList();
        Dataset<Row> own = spark.createDataFrame(rows, SCHEMA);
        if (!spark.catalog().tableExists(table)) {
            return own;
        }
        Dataset<Row> others = spark.table(table)
                .where(col(PARTITION).equalTo(lit(date.toString())).and(col("table_name").notEqual(lit(checkedTable))))
                .select(java.util.Arrays.stream(SCHEMA.fieldNames()).map(name -> col(name)).toArray(org.apache.spark.sql.Column[]::new));
        return own.unionByName(others);
    }
}
