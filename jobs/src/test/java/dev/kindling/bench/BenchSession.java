package dev.kindling.bench;

import java.nio.file.Path;

import org.apache.spark.sql.SparkSession;

/** The SparkSession every benchmark of this package runs on: local[2], Hive on an embedded Derby metastore under a work folder. */
final class BenchSession {

    private BenchSession() {
    }

    static SparkSession local(String name, Path work) {
        return SparkSession.builder().appName(name).master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.sql.catalogImplementation", "hive")
                .config("spark.sql.warehouse.dir", work.resolve("warehouse").toString())
                .config("spark.hadoop.javax.jdo.option.ConnectionURL", "jdbc:derby:;databaseName=" + work.resolve("metastore_db") + ";create=true")
                .getOrCreate();
    }
}
