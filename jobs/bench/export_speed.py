"""Rows per second of the export job (bin/kindling export: Spark reads a Hive table, its tasks COPY the rows
into a staging table, one transaction publishes them) against psql's \\copy of the same rows from a CSV
file into a table of the same columns, on one throwaway PostgreSQL in one run. Prints Markdown tables.

The rows are the demo marketplace's users (bin/kindling demo-data --users N), exported whole
(--whole-table) two ways: into a table that does not exist yet, as \\copy loads into an empty new table
(the staging table becomes the table: each row written once, as when a date's partition is replaced), and
into an existing empty table of the same columns (the staged rows are inserted: each row written twice,
the export's only way before). The CSV file is the exported table written back by psql (\\copy ... TO),
so all load exactly the same rows. One warm-up of each, then `repetitions` of each, rotating which goes
first. The same is done for a small table (10,000 rows): the difference between the sizes is the cost per
row, the rest the cost per run.

Where the export's time goes comes from its own log lines (their timestamps), Spark's event log of the
run (the tasks' wall, CPU and GC times) and the server's log of statements slower than 50 ms
(log_min_duration_statement): each task's COPY (which lasts as long as the task streams rows, so it holds
the task's Parquet read and formatting too), the publish's INSERT ... SELECT.

    jobs/bench/export-speed [ROWS] [REPETITIONS] [SMALL_ROWS]     (default 1000000 5 10000)"""
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bin" / "lib"))
import postgres  # noqa: E402 (bin/lib/postgres.py: a throwaway server)

SLOW_MS = 50
COPY = "\\copy"
EXPORTS = ("new table", "existing table")  # one write a row (the staging table becomes the table), two (it is inserted)
# simple-protocol statements (COPY, psql) are logged as "statement: ...", the driver's prepared ones as "execute <name>: ..."
STATEMENT = re.compile(r"duration: ([0-9.]+) ms\s+(?:statement|execute [^:]*): (\w+)")


def kindling(work: pathlib.Path, *args: str, env: dict | None = None) -> tuple[float, list[dict]]:
    """Runs bin/kindling; returns its wall time and its JSON log lines (fails loudly on a non-zero exit)."""
    started = time.monotonic()
    done = subprocess.run([str(ROOT / "bin" / "kindling"), *args], capture_output=True, text=True,
                          env=dict(os.environ, KINDLING_WORK_DIR=str(work), **(env or {})))
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"bin/kindling {args[0]} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return wall, [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]


def at(lines: list[dict], text: str) -> float:
    """The epoch seconds of the first log line whose message contains text."""
    stamp = next(line["timestamp"] for line in lines if text in line["message"])
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def slow_statements(log: pathlib.Path, offset: int) -> dict[str, list[float]]:
    """Statements of at least SLOW_MS that the server logged after byte offset: kind (COPY, INSERT, ...) -> ms each."""
    with open(log, "rb") as server_log:
        server_log.seek(offset)
        text = server_log.read().decode("utf-8", "replace")
    found: dict[str, list[float]] = {}
    for ms, kind in STATEMENT.findall(text):
        found.setdefault(kind.upper(), []).append(float(ms))
    return found


def spark_job(events: pathlib.Path) -> dict:
    """From a run's Spark event log (one application): when its last job was submitted and ended (epoch s),
    when its first task started, its tasks' wall, CPU and GC times (s), and the records they read."""
    log = next(events.iterdir())
    jobs, ended, tasks = {}, {}, []
    for line in log.read_text().splitlines():
        event = json.loads(line)
        kind = event["Event"]
        if kind == "SparkListenerJobStart":
            jobs[event["Job ID"]] = {"submitted": event["Submission Time"] / 1000, "stages": set(event["Stage IDs"])}
        elif kind == "SparkListenerJobEnd":
            ended[event["Job ID"]] = event["Completion Time"] / 1000
        elif kind == "SparkListenerTaskEnd":
            tasks.append(event)
    last = max(jobs)
    mine = [t for t in tasks if t["Stage ID"] in jobs[last]["stages"]]
    return {"jobs": len(jobs), "tasks": len(mine), "submitted": jobs[last]["submitted"], "ended": ended[last],
            "first_task": min(t["Task Info"]["Launch Time"] for t in mine) / 1000,
            "task_wall": [(t["Task Info"]["Finish Time"] - t["Task Info"]["Launch Time"]) / 1000 for t in mine],
            "task_cpu": [t["Task Metrics"]["Executor CPU Time"] / 1e9 for t in mine],
            "task_gc": [t["Task Metrics"]["JVM GC Time"] / 1000 for t in mine],
            "records": sum(t["Task Metrics"]["Input Metrics"]["Records Read"] for t in mine)}


class Bench:
    """One size: its Hive table (a marketplace database of its own), its CSV copy, its target tables."""

    def __init__(self, base: pathlib.Path, pg: postgres.Throwaway, rows: int):
        self.base, self.pg, self.rows = base, pg, rows
        self.database = f"marketplace_{rows}"
        self.target, self.baseline, self.shape = f"users_export_{rows}", f"users_copy_{rows}", f"users_shape_{rows}"
        self.work = base / "work"
        self.csv = base / f"users_{rows}.csv"
        self.server_log = pg.dir / "postgres.log"
        self.runs = 0

    def generate(self) -> None:
        kindling(self.work, "demo-data", "--logical-date", "2017-01-01", "--users", str(self.rows), "--transactions", "0", "--seed", "1",
                 "--conf", f"marketplace.database={self.database}", "--conf", "log.format=json")

    def export(self, into_existing: bool = False) -> dict:
        self.pg.sql(f"DROP TABLE IF EXISTS {self.target}" + (f"; CREATE TABLE {self.target} (LIKE {self.shape})" if into_existing else ""))
        self.runs += 1
        events = self.base / "events" / f"{self.rows}-{self.runs}"
        events.mkdir(parents=True)
        offset = self.server_log.stat().st_size
        wall, lines = kindling(self.work, "export", "--source", f"{self.database}.users", "--whole-table", "--target-url", self.pg.url,
                               "--target-table", self.target, "--logical-date", "2017-01-01", "--conf", "log.format=json",
                               # Spark's event log, uncompressed in one file, for the tasks' times
                               "--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir={events.as_uri()}",
                               "--conf", "spark.eventLog.compress=false", "--conf", "spark.eventLog.rolling.enabled=false",
                               env={"KINDLING_JDBC_USER": self.pg.user, "KINDLING_JDBC_PASSWORD": self.pg.password})
        finished = next(line["message"] for line in lines if "export finished" in line["message"])
        job_ms = int(re.search(r"duration_ms=(\d+)", finished).group(1))
        written = int(re.search(r"rows_written=(\d+)", finished).group(1))
        if written != self.rows:
            raise SystemExit(f"the export wrote {written} rows, {self.rows} expected")
        how = next(line["message"] for line in lines if line["message"].startswith("published "))
        expected = "inserted from the staging table" if into_existing else "the staging table became the table"
        if not how.endswith(expected):
            raise SystemExit(f"the export published another way than measured: {how}")
        started = at(lines, "export finished") - job_ms / 1000
        reading, copy_started = at(lines, "reading hive"), at(lines, "into PostgreSQL staging table")
        publish_started, published = at(lines, "publishing "), at(lines, "rows read,")
        spark = spark_job(events)
        if spark["records"] != self.rows:
            raise SystemExit(f"the export's last Spark job read {spark['records']} rows, {self.rows} expected")
        return {"wall": wall, "job": job_ms / 1000, "session": reading - started, "prepare": copy_started - reading,
                "copy": publish_started - copy_started, "publish": published - publish_started,
                "planning": spark["submitted"] - copy_started, "scheduling": spark["first_task"] - spark["submitted"],
                "collected": publish_started - spark["ended"], "statements": slow_statements(self.server_log, offset), "spark": spark}

    def copy(self) -> dict:
        self.pg.sql(f"DROP TABLE IF EXISTS {self.baseline}; CREATE TABLE {self.baseline} (LIKE {self.shape})")
        started = time.monotonic()
        self.pg.sql(f"\\copy {self.baseline} FROM '{self.csv}' (FORMAT csv)")
        wall = time.monotonic() - started
        loaded = int(self.pg.sql(f"SELECT count(*) FROM {self.baseline}").strip())
        if loaded != self.rows:
            raise SystemExit(f"\\copy loaded {loaded} rows, {self.rows} expected")
        return {"wall": wall}

    def warm_up(self) -> None:
        """One export, which also makes the table whose rows the CSV file gets; one \\copy; one export into an existing table."""
        self.export()
        self.pg.sql(f"CREATE TABLE {self.shape} (LIKE {self.target})")
        self.pg.sql(f"\\copy {self.target} TO '{self.csv}' (FORMAT csv)")
        self.copy()
        self.export(into_existing=True)

    def round(self, first: int) -> dict:
        """\\copy, the export into a new table and the export into an existing one, starting with the first-th."""
        runs = {COPY: self.copy, "new table": self.export, "existing table": lambda: self.export(into_existing=True)}
        names = list(runs)
        order = names[first % 3:] + names[:first % 3]
        measured = {name: runs[name]() for name in order}
        measured["first"] = order[0]
        return measured


def median(values) -> float:
    return statistics.median(list(values))


def middle(runs: list[dict]) -> dict:
    """The run of median wall time (for its parts, which then add up)."""
    return sorted(runs, key=lambda run: run["wall"])[len(runs) // 2]


def seconds(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values) or "-"


def report(big: int, small: int, repetitions: int, results: dict[int, list[dict]]) -> None:
    rounds = results[big]
    print(f"\n{big:,} rows, {repetitions} repetitions of each after one warm-up, rotating which goes first; export into a new table"
          f" (one write a row) and into an existing table (two writes a row)\n")
    print("| repetition | first | \\copy (s) | new table, wall (s) | new table, job (s) | existing table, wall (s) | existing table, job (s)"
          " | ratio new (wall) | ratio new (job) | ratio existing (wall) | ratio existing (job) |")
    print("| --- |" + " --- |" * 10)
    for i, run in enumerate(rounds, 1):
        copy, new, old = run[COPY]["wall"], run["new table"], run["existing table"]
        print(f"| {i} | {run['first']} | {copy:.2f} | {new['wall']:.2f} | {new['job']:.2f} | {old['wall']:.2f} | {old['job']:.2f}"
              f" | {copy / new['wall']:.3f} | {copy / new['job']:.3f} | {copy / old['wall']:.3f} | {copy / old['job']:.3f} |")
    print(f"\nmedian rates: \\copy {big / median(r[COPY]['wall'] for r in rounds):,.0f} rows/s; "
          + "; ".join(f"export into a {name} {big / median(r[name]['wall'] for r in rounds):,.0f} rows/s (wall),"
                      f" {big / median(r[name]['job'] for r in rounds):,.0f} (job); median ratio to \\copy"
                      f" {median(r[COPY]['wall'] / r[name]['wall'] for r in rounds):.3f} (wall),"
                      f" {median(r[COPY]['wall'] / r[name]['job'] for r in rounds):.3f} (job)" for name in EXPORTS) + "; goal at least 0.5\n")

    print("Fixed and per-row cost (medians; per row = the difference between the sizes):\n")
    print("| | " + " | ".join(f"{rows:,} rows (s)" for rows in (small, big)) + " | per 1M more rows (s) | marginal rows/s | per-row ratio to \\copy |")
    print("| --- | --- | --- | --- | --- | --- |")
    copy_slope = (median(r[COPY]["wall"] for r in results[big]) - median(r[COPY]["wall"] for r in results[small])) / (big - small)
    lines = [(COPY, lambda r: r[COPY]["wall"])]
    for name in EXPORTS:
        lines += [(f"export into a {name}, wall", lambda r, n=name: r[n]["wall"]), (f"export into a {name}, job", lambda r, n=name: r[n]["job"]),
                  ("  of it Spark read + COPY into staging", lambda r, n=name: r[n]["copy"]),
                  ("  of it publish transaction", lambda r, n=name: r[n]["publish"])]
    for label, value in lines:
        low, high = median(value(r) for r in results[small]), median(value(r) for r in results[big])
        slope = (high - low) / (big - small)
        ratio = f"{copy_slope / slope:.2f}" if slope > 0 else "-"
        print(f"| {label} | {low:.2f} | {high:.2f} | {slope * 1e6:.2f} | {1 / slope if slope > 0 else float('inf'):,.0f} | {ratio} |")

    print("\nWhere the export's time goes (the run of median wall time at each size and way, s):\n")
    print("| rows | into | wall | JVM, spark-submit, exit | job: SparkSession and settings | job: source table, target check, staging table"
          " | copy step: plan the read | Spark job: submission to first task | tasks: wall | tasks: CPU | tasks: GC | each task's COPY statement"
          " | copy step: job end to publish | publish | of it INSERT ... SELECT | other statements over 50 ms |")
    print("| --- |" + " --- |" * 15)
    for rows in (small, big):
        for name in EXPORTS:
            run = middle([r[name] for r in results[rows]])
            spark, found = run["spark"], run["statements"]
            others = "; ".join(f"{kind} {seconds([ms / 1000 for ms in found[kind]])}" for kind in sorted(set(found) - {"COPY", "INSERT"})) or "-"
            print(f"| {rows:,} | {name} | {run['wall']:.2f} | {run['wall'] - run['job']:.2f} | {run['session']:.2f} | {run['prepare']:.2f}"
                  f" | {run['planning']:.2f} | {run['scheduling']:.2f} | {seconds(spark['task_wall'])} | {seconds(spark['task_cpu'])}"
                  f" | {seconds(spark['task_gc'])} | {seconds([ms / 1000 for ms in found.get('COPY', [])])} | {run['collected']:.2f}"
                  f" | {run['publish']:.2f} | {seconds([ms / 1000 for ms in found.get('INSERT', [])])} | {others} |")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    small = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    base = pathlib.Path(tempfile.mkdtemp(prefix="kindling-export-bench-"))
    try:
        with postgres.Throwaway(base) as pg:
            pg.admin(f"ALTER SYSTEM SET log_min_duration_statement = {SLOW_MS}")
            pg.admin("SELECT pg_reload_conf()")
            benches = [Bench(base, pg, rows), Bench(base, pg, small)]
            for bench in benches:
                print(f"generating {bench.rows:,} users (bin/kindling demo-data) in {base}", flush=True)
                bench.generate()
            print("warm-up", flush=True)
            for bench in benches:
                bench.warm_up()
            results = {bench.rows: [] for bench in benches}
            for i in range(repetitions):
                for bench in benches:
                    run = bench.round(first=i)
                    results[bench.rows].append(run)
                    print(f"repetition {i + 1}, {bench.rows:,} rows: \\copy {run[COPY]['wall']:.2f} s, "
                          + ", ".join(f"export into a {name} {run[name]['wall']:.2f} s (job {run[name]['job']:.2f} s)" for name in EXPORTS), flush=True)
            columns = pg.sql(f"SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute"
                             f" WHERE attrelid = '{benches[0].shape}'::regclass AND attnum > 0").strip()
            version = pg.sql("SHOW server_version").strip()
            csv_mb = benches[0].csv.stat().st_size / 1e6
        # the measurements as they are, should the report need redoing
        print(json.dumps({"rows": rows, "small": small, "results": results}, default=sorted), file=sys.stderr)
        report(rows, small, repetitions, results)
        print(f"\ncolumns: {columns}; CSV {csv_mb:.0f} MB; PostgreSQL {version}")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        data = base / "postgres"
        if data.is_symlink():  # the server's folder lived where the postgres user can reach it (bin/lib/postgres.py)
            shutil.rmtree(data.resolve(), ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
