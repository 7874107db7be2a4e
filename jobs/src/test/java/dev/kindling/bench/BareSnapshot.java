package dev.kindling.bench;

import static org.apache.spark.sql.functions.col;

import java.util.Map;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The snapshot job's Spark work written by hand, as a bare main would: the same permissive CSV read
 * (the same dialect options),
 * the same filter, the same staged Parquet write and partition swap; no template, logs or metrics.
 * The baseline for the job-count test and the benchmark.
 */
public final class BareSnapshot {

    private BareSnapshot() {
    }

    public static void run(SparkSession spark, Map<String, String> csvOptions, String csv, String schemaDdl, String table, String date, String version) {
        Dataset<Row> rows = spark.read()
                .options(csvOptions)
                .option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", "_corrupt_record")
                .schema(schemaDdl + ", _corrupt_record STRING")
                .csv(csv)
                .filter(col("_corrupt_record").isNull())
                .drop("_corrupt_record");
        spark.sql("CREATE DATABASE IF NOT EXISTS " + table.substring(0, table.indexOf('.')));
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + schemaDdl + ", ds STRING) USING parquet PARTITIONED BY (ds)");
        rows.write().parquet(version);
        boolean exists = !spark.sql("SHOW PARTITIONS " + table + " PARTITION (ds='" + date + "')").isEmpty();
        spark.sql("ALTER TABLE " + table + (exists ? " PARTITION (ds='" + date + "') SET LOCATION '" : " ADD PARTITION (ds='" + date + "') LOCATION '") + version + "'");
        spark.catalog().refreshTable(table);
    }
}
