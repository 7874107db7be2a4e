"""Prints one partition of a table as JSON: {"location": ..., "snapshot": ..., "rows": [...], "files": [...]}.
For an Iceberg table the location is the table's, "snapshot" the id of its current snapshot and "files" the
data files of the partition; for a Hive table the location is the partition's, "snapshot" null and "files"
what its folder holds.

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
iceberg = any(row.col_name == "Provider" and row.data_type == "iceberg" for row in spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect())
selected = spark.table(table) if whole else spark.sql(f"SELECT * FROM {table} WHERE {column} = '{value}'")
rows = [] if count_only else [row.asDict() for row in selected.collect()]
if iceberg:
    location = [row.data_type for row in spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect() if row.col_name == "Location"][0]
    snapshots = spark.sql(f"SELECT snapshot_id FROM {table}.history WHERE is_current_ancestor ORDER BY made_current_at DESC LIMIT 1").collect()
    snapshot = snapshots[0].snapshot_id if snapshots else None
    data_files = spark.sql(f"SELECT file_path FROM {table}.files" + ("" if whole else f" WHERE partition.{column} = '{value}'")).collect()
    files = sorted(row.file_path.rsplit("/", 1)[-1] for row in data_files)
else:
    described = spark.sql(f"DESCRIBE TABLE EXTENDED {table}" + ("" if whole else f" PARTITION ({column}='{value}')")).collect()
    location = [row.data_type for row in described if row.col_name == "Location"][0]
    snapshot = None
    path = spark._jvm.org.apache.hadoop.fs.Path(location)
    fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
    files = sorted(status.getPath().getName() for status in fs.listStatus(path))
shown = {"count": selected.count()} if count_only else {"rows": sorted(rows, key=lambda row: json.dumps(row, default=str))}
print(json.dumps({"location": location, "snapshot": snapshot, **shown, "files": files}, default=str))
spark.stop()
