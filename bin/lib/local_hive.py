"""A small Spark session on the embedded Hive metastore of a Kindling work dir (the `local` profile's
layout), for the helpers that read back what a local run wrote. Derby admits one JVM at a time: open
it only while no job runs on the same work dir."""
import pathlib

from pyspark.sql import SparkSession


def session(work: pathlib.Path, app_name: str, derby_log: pathlib.Path | None = None) -> SparkSession:
    builder = SparkSession.builder
    if derby_log is not None:
        builder = builder.config("spark.driver.extraJavaOptions", f"-Dderby.stream.error.file={derby_log}")
    spark = (builder.master("local[1]").appName(app_name)
             .config("spark.ui.enabled", "false")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.catalogImplementation", "hive")
             .config("spark.sql.warehouse.dir", str(work / "warehouse"))
             .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                     f"jdbc:derby:;databaseName={work / 'metastore_db'};create=true")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark
