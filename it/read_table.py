"""Prints one partition of a Hive table as JSON: {"location": ..., "rows": [...], "files": [...]}.

    read_table.py WORK_DIR TABLE COLUMN VALUE   # the embedded metastore of a Kindling work dir
    read_table.py - TABLE COLUMN VALUE          # the metastore of $SPARK_CONF_DIR's hive-site.xml (the stack)
    read_table.py ... VALUE count               # {"location": ..., "count": N, "files": [...]} for big partitions
    read_table.py ... TABLE - -                 # the whole table, for a table without partitions

Run in its own process: the embedded Derby metastore admits one JVM at a time.
"""
import json
import pathlib
import sys

from pyspark.sql import SparkSession

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "bin" / "lib"))
import local_hive  # noqa: E402 (found through the path above)

work, table, column, value = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
count_only = sys.argv[5:] == ["count"]
if work == "-":
    spark = (SparkSession.builder.master("local[1]").appName("read-table").config("spark.ui.enabled", "false")
             .config("spark.sql.catalogImplementation", "hive").config("spark.eventLog.enabled", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
else:
    spark = local_hive.session(pathlib.Path(work), "read-table")
whole = column == "-"
described = spark.sql(f"DESCRIBE TABLE EXTENDED {table}" + ("" if whole else f" PARTITION ({column}='{value}')")).collect()
location = [row.data_type for row in described if row.col_name == "Location"][0]
selected = spark.table(table) if whole else spark.sql(f"SELECT * FROM {table} WHERE {column} = '{value}'")
rows = [] if count_only else [row.asDict() for row in selected.collect()]
jvm = spark._jvm
path = jvm.org.apache.hadoop.fs.Path(location)
fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
files = sorted(status.getPath().getName() for status in fs.listStatus(path))
shown = {"count": selected.count()} if count_only else {"rows": sorted(rows, key=lambda row: json.dumps(row, default=str))}
print(json.dumps({"location": location, **shown, "files": files}, default=str))
spark.stop()
