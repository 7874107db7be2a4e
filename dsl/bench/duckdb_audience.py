"""The DuckDB half of the audience benchmark (dsl/bench/run): the same hand-written SQL over the
Parquet export of the demo marketplace, on 2 threads; checks it finds the users Spark found.
Arguments: output dir of the Spark half, measured runs, the SQL file."""
import pathlib
import statistics
import sys
import time

import duckdb

out, runs, sql_file = pathlib.Path(sys.argv[1]), int(sys.argv[2]), pathlib.Path(sys.argv[3])
sql = sql_file.read_text()
db = duckdb.connect()
db.execute("SET threads = 2")
db.execute("CREATE SCHEMA marketplace")
for table in ("users", "categories", "postal_codes"):
    db.execute(f"CREATE VIEW marketplace.{table} AS SELECT * FROM read_parquet('{out / 'parquet' / table}/*.parquet')")
db.execute("CREATE VIEW marketplace.transactions AS SELECT * FROM read_parquet("
           f"'{out / 'parquet' / 'transactions'}/*/*.parquet', hive_partitioning = true, hive_types = {{'transaction_date': DATE}})")


def run():
    return sorted(row[0] for row in db.execute(sql).fetchall())


expected = [int(line) for line in (out / "result-ids.txt").read_text().split()]
if run() != expected:
    sys.exit("DuckDB found other users than Spark")
for _ in range(3):  # warm, as the Spark variants (AudienceBenchmark.WARM_UP_RUNS)
    run()
seconds = []
for _ in range(runs):
    start = time.perf_counter()
    run()
    seconds.append(time.perf_counter() - start)
print(f"result duckdb median={statistics.median(seconds):.3f} min={min(seconds):.3f} runs={runs} users={len(expected)}"
      f" (duckdb {duckdb.__version__})")
