package dev.kindling.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.Map;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;

/**
 * The snapshot job's Spark work written by hand, as a bare main would: the same permissive CSV read
 * (the same dialect options) and filter, then one Iceberg write that replaces the date's partition
 * ({@code overwritePartitions}) of an Iceberg table partitioned by {@code ds}, published by that write's
 * own commit. No staged (WAP) snapshot, no audit, no quarantine, no template, logs or metrics.
 * The baseline for the job-count test and the benchmark.
 *
 * <p>The table is created with the two write properties the template's tables have (format version 2,
 * {@code write.distribution-mode=none}), so that both sides write the same files the same way: with
 * Iceberg's default distribution for a partitioned table (hash), Spark would shuffle every row of the one
 * date to one writer before writing.
 */
public final class BareSnapshot {

    private BareSnapshot() {
    }

    public static void run(SparkSession spark, Map<String, String> csvOptions, String csv, String schemaDdl, String table, String date) {
        Dataset<Row> rows = spark.read()
                .options(csvOptions)
                .option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", "_corrupt_record")
                .schema(schemaDdl + ", _corrupt_record STRING")
                .csv(csv)
                .filter(col("_corrupt_record").isNull())
                .drop("_corrupt_record");
        spark.sql("CREATE DATABASE IF NOT EXISTS " + table.substring(0, table.indexOf('.')));
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + schemaDdl + ", ds STRING) USING iceberg PARTITIONED BY (ds)"
                + " TBLPROPERTIES ('format-version'='2', 'write.distribution-mode'='none')");
        try {
            rows.withColumn("ds", lit(date)).writeTo(table).overwritePartitions();
        } catch (NoSuchTableException e) {
            throw new IllegalStateException(table + " was dropped during the write", e);
        }
    }
}
