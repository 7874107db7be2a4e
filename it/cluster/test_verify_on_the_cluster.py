"""The verify job on the cluster stack: verify runs of different tables for one date at once (one of them in
cluster deploy mode) each keep their results in the stack's history table, and a rerun of a table's date
replaces its own rows only."""
import threading

from test_jobs_on_the_cluster import snapshot, write_orders

CHECKS = """checks:
  - {name: all_orders, kind: row_count, severity: error, min: 500, max: 500}
  - {name: unique_id, kind: uniqueness, severity: error, columns: [id]}
  - {name: labelled, kind: completeness, severity: error, column: label, max_null_share: 0.0}
"""


def at_once(*calls):
    """Runs each call in a thread of its own, all at once; their results in order."""
    results = [None] * len(calls)

    def run(index, call):
        results[index] = call()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_verify_runs_of_different_tables_for_one_date_at_once_all_keep_their_results(stack, tmp_path):
    # each table's results are a partition of the history of their own: runs at once never replace each other's
    day, tables = "2026-11-20", [f"shop.verified_{name}" for name in ("a", "b", "c")]
    sources = [write_orders(tmp_path / f"{table}.csv", 500, "v") for table in tables]
    published = at_once(*[lambda table=table, source=source: snapshot(stack, tmp_path / f"work-{table}", source, table, day)
                          for table, source in zip(tables, sources)])
    assert [run.code for run in published] == [0, 0, 0], ["\n".join(run.err_lines[-10:]) for run in published]
    checks = tmp_path / "orders.yaml"
    checks.write_text(CHECKS)

    def verify(table, run_id, deploy_mode="client"):
        return stack.kindling("verify", "--table", table, "--checks", str(checks), "--logical-date", day, "--run-id", run_id,
                              work_dir=tmp_path / f"work-{table}", deploy_mode=deploy_mode)

    verified = at_once(*[lambda table=table, mode=mode: verify(table, f"first-{table}", mode)
                         for table, mode in zip(tables, ("cluster", "client", "client"))])
    assert [run.code for run in verified] == [0, 0, 0], ["\n".join(run.err_lines[-10:]) for run in verified]
    history = stack.read_partition("quality.check_results", "ds", day)["rows"]
    assert sorted((row["table_name"], row["check_name"], row["status"]) for row in history) == sorted(
        (table, check, "pass") for table in tables for check in ("all_orders", "labelled", "unique_id"))

    # the rerun of one table's date replaces that table's results, and no other's
    rerun = verify(tables[0], "rerun")
    assert rerun.code == 0, "\n".join(rerun.err_lines[-20:])
    history = stack.read_partition("quality.check_results", "ds", day)["rows"]
    assert sorted((row["table_name"], row["run_id"]) for row in history) == sorted(
        [(tables[0], "rerun")] * 3 + [(table, f"first-{table}") for table in tables[1:] for _ in range(3)])
