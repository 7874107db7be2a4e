"""Rows per second of the export job (bin/kindling export: Spark reads a Hive table, its tasks COPY the rows
into a staging table, one transaction publishes them) against psql's \\copy of the same rows from a CSV
file into a table of the same columns, on one throwaway PostgreSQL in one run. Prints Markdown tables.

The rows are the demo marketplace's users (bin/kindling demo-data --users N), exported whole
(--whole-table) into a table that does not exist yet, as \\copy loads into an empty new table. The CSV file
is the exported table written back by psql (\\copy ... TO), so both load exactly the same rows. One warm-up
of each, then `repetitions` of each, alternating which goes first. The same is done for a small table
(10,000 rows): the difference between the sizes is the cost per row, the rest the cost per run.

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

    def export(self) -> dict:
        self.pg.sql(f"DROP TABLE IF EXISTS {self.target}")
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
        """One export, which also makes the table whose rows the CSV file gets; one \\copy."""
        self.export()
        self.pg.sql(f"CREATE TABLE {self.shape} (LIKE {self.target})")
        self.pg.sql(f"\\copy {self.target} TO '{self.csv}' (FORMAT csv)")
        self.copy()

    def pair(self, export_first: bool) -> tuple[dict, dict]:
        if export_first:
            export = self.export()
            copy = self.copy()
        else:
            copy = self.copy()
            export = self.export()
        export["first"] = "export" if export_first else "\\copy"
        return copy, export


def median(values) -> float:
    return statistics.median(list(values))


def middle(runs: list[dict]) -> dict:
    """The run of median wall time (for its parts, which then add up)."""
    return sorted(runs, key=lambda run: run["wall"])[len(runs) // 2]


def seconds(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values) or "-"


def report(big: int, small: int, repetitions: int, results: dict[int, list[tuple[dict, dict]]]) -> None:
    pairs = results[big]
    print(f"\n{big:,} rows, {repetitions} repetitions of each after one warm-up, alternating which goes first\n")
    print("| repetition | first | \\copy (s) | export, wall (s) | export, job (s) | \\copy rows/s | export rows/s (wall) | export rows/s (job)"
          " | ratio (wall) | ratio (job) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, (copy, export) in enumerate(pairs, 1):
        print(f"| {i} | {export['first']} | {copy['wall']:.2f} | {export['wall']:.2f} | {export['job']:.2f} | {big / copy['wall']:,.0f}"
              f" | {big / export['wall']:,.0f} | {big / export['job']:,.0f} | {copy['wall'] / export['wall']:.3f}"
              f" | {copy['wall'] / export['job']:.3f} |")
    print(f"\nmedian: \\copy {big / median(c['wall'] for c, _ in pairs):,.0f} rows/s, export {big / median(e['wall'] for _, e in pairs):,.0f}"
          f" rows/s (wall), {big / median(e['job'] for _, e in pairs):,.0f} rows/s (job time);"
          f" export's rate / \\copy's: median ratio {median(c['wall'] / e['wall'] for c, e in pairs):.3f} (wall),"
          f" {median(c['wall'] / e['job'] for c, e in pairs):.3f} (job time); goal at least 0.5\n")

    print("Fixed and per-row cost (medians; per row = the difference between the sizes):\n")
    print("| | " + " | ".join(f"{rows:,} rows (s)" for rows in (small, big)) + " | per 1M more rows (s) | marginal rows/s |")
    print("| --- | --- | --- | --- | --- |")
    for name, values in (("\\copy", lambda pairs: [c["wall"] for c, _ in pairs]), ("export, wall", lambda pairs: [e["wall"] for _, e in pairs]),
                         ("export, job", lambda pairs: [e["job"] for _, e in pairs]),
                         ("export: Spark read + COPY into staging", lambda pairs: [e["copy"] for _, e in pairs]),
                         ("export: publish transaction", lambda pairs: [e["publish"] for _, e in pairs])):
        low, high = median(values(results[small])), median(values(results[big]))
        slope = (high - low) / (big - small)
        print(f"| {name} | {low:.2f} | {high:.2f} | {slope * 1e6:.2f} | {1 / slope if slope > 0 else float('inf'):,.0f} |")

    print("\nWhere the export's time goes (the run of median wall time at each size, s):\n")
    print("| rows | wall | JVM, spark-submit, exit | job: SparkSession and settings | job: source table, target check, staging table"
          " | copy step: plan the read | Spark job: submission to first task | tasks: wall | tasks: CPU | tasks: GC | each task's COPY statement"
          " | copy step: job end to publish | publish | of it INSERT ... SELECT | other statements over 50 ms |")
    print("| --- |" + " --- |" * 14)
    for rows in (small, big):
        run = middle([e for _, e in results[rows]])
        spark, found = run["spark"], run["statements"]
        others = "; ".join(f"{kind} {seconds([ms / 1000 for ms in found[kind]])}" for kind in sorted(set(found) - {"COPY", "INSERT"})) or "-"
        print(f"| {rows:,} | {run['wall']:.2f} | {run['wall'] - run['job']:.2f} | {run['session']:.2f} | {run['prepare']:.2f}"
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
                    copy, export = bench.pair(export_first=i % 2 == 0)
                    results[bench.rows].append((copy, export))
                    print(f"repetition {i + 1}, {bench.rows:,} rows: \\copy {copy['wall']:.2f} s, export {export['wall']:.2f} s"
                          f" (job {export['job']:.2f} s)", flush=True)
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
