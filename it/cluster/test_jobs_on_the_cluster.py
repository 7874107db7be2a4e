"""Kindling's jobs submitted to the stack's standalone master, as bin/kindling and Airflow submit them."""
import json
import threading
import time

import pytest

SCHEMA = "id INT, amount DOUBLE, label STRING"


def write_orders(path, rows, label):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("id,amount,label\n" + "".join(f"{i},{i * 1.5},{label}\n" for i in range(rows)))
    return path


def snapshot(stack, work_dir, source, table, date, deploy_mode="client", on_line=None):
    return stack.kindling("snapshot", "--source", str(source), "--format", "csv", "--schema", SCHEMA, "--target", table,
                          "--logical-date", date, "--key", "id", work_dir=work_dir, deploy_mode=deploy_mode, on_line=on_line)


def finished_line(run, job="snapshot"):
    return next(line for line in run.json_lines() if line["message"].startswith(f"{job} finished"))


@pytest.mark.parametrize("deploy_mode", ["client", "cluster"])
def test_a_snapshot_runs_on_the_cluster(stack, tmp_path, deploy_mode):
    source = write_orders(tmp_path / "orders.csv", 1000, deploy_mode)
    run = snapshot(stack, tmp_path / "work", source, "shop.orders", f"2026-11-{20 if deploy_mode == 'client' else 21}",
                   deploy_mode)

    assert run.code == 0, "\n".join(run.err_lines[-30:])
    assert "rows_read=1000, rows_written=1000" in finished_line(run)["message"]
    partition = stack.read_partition("shop.orders", "ds", f"2026-11-{20 if deploy_mode == 'client' else 21}")
    assert len(partition["rows"]) == 1000
    assert {row["label"] for row in partition["rows"]} == {deploy_mode}
    # an Iceberg table in the stack's Iceberg catalog, its files under the shared warehouse
    assert partition["location"] == f"file:{stack.dir}/warehouse/shop/orders" and partition["snapshot"] and partition["files"]


def test_maintain_runs_on_the_cluster(stack, tmp_path):
    # maintain's driver in cluster deploy mode (the snapshots before it in client mode: both modes of a
    # snapshot are tested above, and one mode of maintain is 85 s less of CI)
    table = "shop.maintained"
    deploy_mode = "cluster"
    for run_id in ("first", "rerun"):
        source = write_orders(tmp_path / f"{run_id}.csv", 20, run_id)
        assert snapshot(stack, tmp_path / "work", source, table, "2026-11-20", "client").code == 0
    # a day's retention keeps both snapshots; the quarantine table does not exist (no rejects) and is skipped
    run = stack.kindling("maintain", "--table", f"{table},{table}_quarantine", "--logical-date", "2026-11-21",
                         "--conf", "tables.retention.keep.last=1", work_dir=tmp_path / "work", deploy_mode=deploy_mode)
    assert run.code == 0, "\n".join(run.err_lines[-30:])
    finished = finished_line(run, "maintain")["message"]
    for metric in ("snapshots_expired=0", "staging_branches_dropped=0", "success=1", "tables_dropped=0", "tables_maintained=2",
                   "tables_migrated=0", "tables_missing=1"):
        assert metric in finished, finished
    assert stack.read_partition(table, "ds", "2026-11-20")["rows"], "the published rows are untouched"


def test_the_history_server_keeps_each_runs_application(stack, tmp_path):
    source = write_orders(tmp_path / "orders.csv", 10, "history")
    assert snapshot(stack, tmp_path / "work", source, "shop.history", "2026-11-20").code == 0
    deadline = time.time() + 60
    while time.time() < deadline:
        apps = [app for app in stack.history() if app["name"] == "kindling-snapshot" and app["attempts"][0]["completed"]]
        if apps:
            break
        time.sleep(1)
    assert apps, json.dumps(stack.history())[:2000]


def test_cluster_deploy_mode_exits_with_the_jobs_own_code(stack, tmp_path):
    missing = stack.kindling("snapshot", "--source", str(tmp_path / "nope.csv"), "--format", "csv", "--target", "shop.orders",
                             "--logical-date", "2026-11-22", work_dir=tmp_path / "work", deploy_mode="cluster")
    assert missing.code == 2, "\n".join(missing.err_lines[-30:])
    assert f"kindling snapshot: error: --source '{tmp_path / 'nope.csv'}' does not exist" in missing.err_lines
    assert any(line.startswith("kindling: driver driver-") and " ended FAILED; its log: http://127.0.0.1:" in line
               for line in missing.err_lines)

    empty = write_orders(tmp_path / "empty.csv", 0, "")
    rejected = snapshot(stack, tmp_path / "work", empty, "shop.orders", "2026-11-22", "cluster")
    assert rejected.code == 3, "\n".join(rejected.err_lines[-30:])


def test_two_runs_of_one_table_and_date_at_once_leave_one_complete_output(stack, tmp_path):
    first, second = write_orders(tmp_path / "a.csv", 500, "a"), write_orders(tmp_path / "b.csv", 700, "b")
    results = {}

    def run(name, source, date):
        results[name] = snapshot(stack, tmp_path / f"work-{name}", source, "shop.contended", date)

    threads = [threading.Thread(target=run, args=(name, source, date)) for name, source, date in
               (("a", first, "2026-11-20"), ("b", second, "2026-11-20"), ("other-date", first, "2026-11-21"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results["other-date"].code == 0, "\n".join(results["other-date"].err_lines[-30:])
    assert len(stack.read_partition("shop.contended", "ds", "2026-11-21")["rows"]) == 500
    codes = {name: results[name].code for name in ("a", "b")}
    assert 0 in codes.values() and set(codes.values()) <= {0, 1}, codes
    partition = stack.read_partition("shop.contended", "ds", "2026-11-20")
    labels = {row["label"] for row in partition["rows"]}
    assert labels in ({"a"}, {"b"}), labels
    winner = labels.pop()
    assert len(partition["rows"]) == {"a": 500, "b": 700}[winner]
    assert codes[winner] == 0
    # a run that lost the race says so in one line and names the run that published (Airflow retries exit 1)
    for loser in [name for name, code in codes.items() if code == 1]:
        assert any(line.startswith("kindling snapshot: failed: PublishConflictException: another run published shop.contended partition ds=2026-11-20"
                                   " while this run was writing it: run ") for line in results[loser].err_lines), results[loser].err_lines[-5:]
