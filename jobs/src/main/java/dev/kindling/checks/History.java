package dev.kindling.checks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.spark.sql.Column;import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The table of check results: one row per check and run, partitioned by logical date ({@value #PARTITION})
 * and checked table ({@value #TABLE}). The verify job writes its date's and table's partition through the
 * run's outputs, so runs of different tables never write the same partition; change checks read the values
 * of earlier dates from it.
 */
public final class History {

    public static final String PARTITION = "ds";
    /** The second partition column: the checked table. */
    public static final String TABLE = "table_name";
    /** The columns of a run's rows; the partition columns are the partition's. */
    public static final StructType SCHEMA = new StructType()
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
     * The values a check of a table recorded for logical dates before {@code date}, by date: those of
     * the dates from {@code since} on, or with no {@code since} the latest {@code limit} dates that have one.
     */
    public NavigableMap<LocalDate, Double> earlierValues(String checkedTable, String check, LocalDate date, Optional<LocalDate> since, int limit) {
        NavigableMap<LocalDate, Double> values = new TreeMap<>();
        if (!spark.catalog().tableExists(table)) {
            return values;
        }
        Column wanted = col(TABLE).equalTo(lit(checkedTable)).and(col("check_name").equalTo(lit(check)))
                .and(col(PARTITION).lt(lit(date.toString()))).and(col("value").isNotNull());
        if (since.isPresent()) {
            wanted = wanted.and(col(PARTITION).geq(lit(since.get().toString())));
        }
        Dataset<Row> rows = spark.table(table).where(wanted).orderBy(col(PARTITION).desc());
        for (Row row : (since.isPresent() ? rows : rows.limit(limit)).select(col(PARTITION), col("value")).collectAsList()) {
            values.put(LocalDate.parse(row.getString(0)), row.getDouble(1));
        }
        return values;
    }

    /** The partition a run of {@code checkedTable} for {@code date} writes: its own, whatever other tables' runs record. */
    public static dev.kindling.template.Partition partition(String checkedTable, LocalDate date) {
        return dev.kindling.template.Partition.of(PARTITION, date.toString()).and(TABLE, checkedTable.toLowerCase(java.util.Locale.ROOT));
    }

    /** The rows a run writes into its partition: one per check. */
    public Dataset<Row> rows(List<CheckResult> results, String runId) {
        List<Row> rows = results.stream().map(r -> RowFactory.create(r.check().name(), r.check().rule().kind(),
                r.check().severity().toString(), r.status().toString(), r.value(), r.message(), runId)).toList();
        return spark.createDataFrame(rows, SCHEMA);
    }
}
