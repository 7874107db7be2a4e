"""Benchmark, not a CI test (pytest collects test_*.py only): eight verify runs of eight tables for one date
at once on the cluster stack, three rounds, each round's results counted in the history table.

    .venv/bin/pytest it/cluster/bench_verify_concurrency.py -s -p no:cacheprovider

Prints one line per round (runs, exit codes, tables whose results were recorded, history rows) and a table for
docs/benchmarks.md. Before the verify history was an Iceberg table written a partition per checked table, the
same measurement kept 4, 4 and 3 of 8 (issue 20)."""
import collections
import time

from test_jobs_on_the_cluster import snapshot, write_orders
from test_verify_on_the_cluster import CHECKS, at_once

TABLES = 8
ROUNDS = 3
DAY = "2026-11-22"


def test_eight_verify_runs_of_eight_tables_at_once_keep_every_result(stack, tmp_path):
    tables = [f"shop.bench_{index}" for index in range(TABLES)]
    sources = [write_orders(tmp_path / f"{table}.csv", 500, "v") for table in tables]
    published = at_once(*[lambda table=table, source=source: snapshot(stack, tmp_path / f"work-{table}", source, table, DAY)
                          for table, source in zip(tables, sources)])
    assert [run.code for run in published] == [0] * TABLES, ["\n".join(run.err_lines[-10:]) for run in published]
    checks = tmp_path / "orders.yaml"
    checks.write_text(CHECKS)
    lines = []
    for round_ in range(1, ROUNDS + 1):
        started = time.monotonic()
        runs = at_once(*[lambda table=table: stack.kindling("verify", "--table", table, "--checks", str(checks), "--logical-date", DAY,
                                                            "--run-id", f"bench-{round_}-{table}", work_dir=tmp_path / f"work-{table}")
                         for table in tables])
        seconds = time.monotonic() - started
        history = stack.read_partition("quality.check_results", "ds", DAY)["rows"]
        this_round = [row for row in history if row["run_id"].startswith(f"bench-{round_}-")]
        per_table = collections.Counter(row["table_name"] for row in this_round)
        recorded = sum(1 for table in tables if per_table[table] == 3)
        codes = collections.Counter(run.code for run in runs)
        line = (f"| {round_} | {TABLES} | {', '.join(f'{n} x exit {code}' for code, n in sorted(codes.items()))} | {recorded} of {TABLES} "
                f"| {len(history)} | {seconds:.0f} s |")
        print(line, flush=True)
        lines.append(line)
        assert recorded == TABLES and len(history) == 3 * TABLES, line
    print("| round | runs at once | exit codes | tables whose 3 results were recorded | history rows of the date | wall time |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(lines))
