package dev.kindling.bench;

import java.nio.file.Path;

import org.apache.spark.sql.SparkSession;

/**
 * The SparkSession every benchmark of this package runs on: local[2], the local profile's catalogs under a
 * work folder (Hive on an embedded Derby metastore, Iceberg's session catalog with a file-based Iceberg
 * catalog in the same warehouse), and Iceberg's metrics reports counted by {@link IcebergReports}.
 */
final class BenchSession {

    private BenchSession() {
    }

    static SparkSession local(String name, Path work) {
        String warehouse = work.resolve("warehouse").toString();
        return SparkSession.builder().appName(name).master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.sql.catalogImplementation", "hive")
                .config("spark.sql.warehouse.dir", warehouse)
                .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
                .config("spark.sql.catalog.spark_catalog", "org.apache.iceberg.spark.SparkSessionCatalog")
                .config("spark.sql.catalog.spark_catalog.type", "hadoop")
                .config("spark.sql.catalog.spark_catalog.warehouse", warehouse)
                .config("spark.sql.catalog.spark_catalog.cache-enabled", "false")
                .config("spark.sql.catalog.spark_catalog.metrics-reporter-impl", IcebergReports.class.getName())
                .config("spark.hadoop.javax.jdo.option.ConnectionURL", "jdbc:derby:;databaseName=" + work.resolve("metastore_db") + ";create=true")
                .getOrCreate();
    }
}
