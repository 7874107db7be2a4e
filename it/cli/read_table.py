"""Prints one partition of a table in the embedded metastore as JSON: {"location": ..., "rows": [...]}.

Run in its own process: the embedded Derby metastore admits one JVM at a time.
"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bin" / "lib"))
import local_hive  # noqa: E402 (found through the path above)

work, table, column, value = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
spark = local_hive.session(work, "read-table")
described = spark.sql(f"DESCRIBE TABLE EXTENDED {table} PARTITION ({column}='{value}')").collect()
location = [row.data_type for row in described if row.col_name == "Location"][0]
rows = [row.asDict() for row in spark.sql(f"SELECT * FROM {table} WHERE {column} = '{value}'").collect()]
print(json.dumps({"location": location, "rows": sorted(rows, key=lambda row: json.dumps(row, default=str))}, default=str))
spark.stop()
