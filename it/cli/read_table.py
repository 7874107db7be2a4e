"""Prints one partition of a table in the embedded metastore as JSON: {"location": ..., "rows": [...]}.

Run in its own process: the embedded Derby metastore admits one JVM at a time.
"""
import json
import pathlib
import sys

from pyspark.sql import SparkSession

work, table, column, value = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
spark = (SparkSession.builder.master("local[1]").appName("read-table")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.catalogImplementation", "hive")
         .config("spark.sql.warehouse.dir", str(work / "warehouse"))
         .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                 f"jdbc:derby:;databaseName={work / 'metastore_db'};create=true")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
described = spark.sql(f"DESCRIBE TABLE EXTENDED {table} PARTITION ({column}='{value}')").collect()
location = [row.data_type for row in described if row.col_name == "Location"][0]
rows = [row.asDict() for row in spark.sql(f"SELECT * FROM {table} WHERE {column} = '{value}'").collect()]
print(json.dumps({"location": location, "rows": sorted(rows, key=lambda row: json.dumps(row, default=str))}, default=str))
spark.stop()
