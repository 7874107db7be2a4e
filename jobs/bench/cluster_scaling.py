"""Rows per second of one snapshot run (CSV split by lines -> one Parquet partition) in local mode and on
the cluster stack with 1 and 2 workers, same data, same job, alternating configurations; prints a
Markdown table. Each configuration is measured `repetitions` times after one warm-up run; a run's time is
the job's own duration_ms (SparkSession start to exit, what the cluster changes), and the wall time of
bin/kindling (JVM and submission included) is shown beside it."""
import json
import os
import pathlib
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bin" / "lib"))
import stack  # noqa: E402 (bin/lib/stack.py: its settings)
SCHEMA = "id BIGINT, customer STRING, category STRING, amount DECIMAL(10,2), ordered_at TIMESTAMP"
CORES_PER_WORKER = 2
PORTS = [name for name in stack.SETTINGS if name.endswith("_PORT")]  # each 0: any free port


def generate(directory: pathlib.Path, rows: int, files: int = 4) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    categories = ["Sports", "Books", "Garden", "Toys", "Music"]
    per_file = rows // files
    for f in range(files):
        with open(directory / f"orders-{f}.csv", "w") as out:
            out.write("id,customer,category,amount,ordered_at\n")
            start = f * per_file
            lines = []
            for i in range(start, start + per_file if f < files - 1 else rows):
                lines.append(f"{i},customer {i % 100000},{categories[i % 5]},{rng.randrange(100, 100000) / 100:.2f},"
                             f"2024-01-15 {i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d}\n")
                if len(lines) == 100_000:
                    out.writelines(lines)
                    lines.clear()
            out.writelines(lines)


def run(env: dict, source: pathlib.Path, args: list[str]) -> tuple[float, float]:
    started = time.time()
    done = subprocess.run([str(ROOT / "bin" / "kindling"), "snapshot", "--source", str(source), "--format", "csv",
                           "--schema", SCHEMA, "--no-quoted-newlines", "--target", "bench.orders",
                           "--logical-date", "2024-01-15", *args], env=env, capture_output=True, text=True)
    wall = time.time() - started
    if done.returncode != 0:
        raise SystemExit(f"snapshot exited {done.returncode}:\n{done.stderr[-3000:]}")
    finished = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{") and "snapshot finished" in line][-1]
    duration = int(finished["message"].split("duration_ms=")[1].split(",")[0]) / 1000
    return duration, wall


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    base = pathlib.Path(tempfile.mkdtemp(prefix="kindling-scaling-"))
    source = base / "orders"
    generate(source, rows)
    results = {}
    local_env = dict(os.environ, KINDLING_WORK_DIR=str(base / "local-work"))
    configurations = [("local[2]", local_env, ["--conf", "spark.master=local[2]"])]
    for workers in (1, 2):
        stack_dir = base / f"stack-{workers}"
        env = dict(os.environ, KINDLING_STACK_DIR=str(stack_dir), KINDLING_STACK_WORKERS=str(workers),
                   KINDLING_STACK_WORKER_CORES=str(CORES_PER_WORKER), KINDLING_WORK_DIR=str(base / f"work-{workers}"),
                   **{name: "0" for name in PORTS})
        configurations.append((f"standalone, {workers} worker{'s' if workers > 1 else ''} x {CORES_PER_WORKER} cores", env,
                               ["--env", "cluster", "--conf", f"spark.cores.max={workers * CORES_PER_WORKER}",
                                "--conf", f"spark.executor.cores={CORES_PER_WORKER}"]))
    try:
        for name, env, args in configurations:
            if "KINDLING_STACK_DIR" in env:
                subprocess.run([str(ROOT / "bin" / "stack"), "up"], env=env, check=True, capture_output=True)
                # the Connect server holds a core of its own: stop it, so each run gets every worker core
                pid = int((pathlib.Path(env["KINDLING_STACK_DIR"]) / "run" / "connect.pid").read_text())
                os.killpg(pid, 15)
            run(env, source, args)  # warm-up: caches, the table's creation
            results[name] = [run(env, source, args) for _ in range(repetitions)]
            if "KINDLING_STACK_DIR" in env:
                subprocess.run([str(ROOT / "bin" / "stack"), "down"], env=env, check=True, capture_output=True)
    finally:
        for name, env, _ in configurations:
            if "KINDLING_STACK_DIR" in env:
                subprocess.run([str(ROOT / "bin" / "stack"), "down"], env=env, capture_output=True)
                data = pathlib.Path(env["KINDLING_STACK_DIR"], "postgres")
                if data.is_symlink():  # the database lived outside (see bin/lib/stack.py)
                    shutil.rmtree(data.resolve(), ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)
    baseline = statistics.median(d for d, _ in results["local[2]"])
    print(f"{rows:,} rows, {repetitions} runs each after a warm-up\n")
    print("| configuration | job time, median (s) | rows/s | against local[2] | wall time, median (s) | runs (job s) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, measured in results.items():
        job = statistics.median(d for d, _ in measured)
        wall = statistics.median(w for _, w in measured)
        print(f"| {name} | {job:.1f} | {rows / job:,.0f} | {baseline / job:.2f}x | {wall:.1f} | "
              f"{', '.join(f'{d:.1f}' for d, _ in measured)} |")


if __name__ == "__main__":
    main()
