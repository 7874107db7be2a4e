"""Faults on the cluster stack, each leaving nothing lost: a metastore that does not answer, a part
restarted by `bin/stack up`."""
import threading
import time

import processes  # bin/lib
from test_jobs_on_the_cluster import snapshot, write_orders


def test_a_metastore_that_does_not_answer_is_exit_1_before_spark_starts_and_up_brings_it_back(stack, tmp_path):
    source = write_orders(tmp_path / "orders.csv", 100, "before")
    assert snapshot(stack, tmp_path / "work", source, "shop.faults", "2026-11-20").code == 0

    stack.kill("metastore")
    down = snapshot(stack, tmp_path / "work", write_orders(tmp_path / "new.csv", 50, "after"), "shop.faults", "2026-11-20")
    assert down.code == 1, "\n".join(down.err_lines[-20:])
    assert any(line.startswith(f"kindling snapshot: failed: the Hive metastore thrift://127.0.0.1:{stack.ports['metastore']}"
                               " does not answer now: ") for line in down.err_lines), down.err_lines[-5:]
    assert down.json_lines() == []  # found before logging, metrics and Spark start

    stack.command("up")  # restarts only what is down
    partition = stack.read_partition("shop.faults", "ds", "2026-11-20")
    assert {row["label"] for row in partition["rows"]} == {"before"} and len(partition["rows"]) == 100
    again = snapshot(stack, tmp_path / "work", tmp_path / "new.csv", "shop.faults", "2026-11-20")
    assert again.code == 0, "\n".join(again.err_lines[-20:])
    assert len(stack.read_partition("shop.faults", "ds", "2026-11-20")["rows"]) == 50


def test_a_hive_source_table_that_does_not_exist_is_exit_2_before_spark_starts(stack, tmp_path):
    run = stack.kindling("snapshot", "--source", "shop.no_such_table", "--format", "hive", "--target", "shop.copy",
                         "--logical-date", "2026-11-20", work_dir=tmp_path / "work")
    assert run.code == 2, "\n".join(run.err_lines[-20:])
    assert "kindling snapshot: error: --source table 'shop.no_such_table' does not exist" in run.err_lines
    assert run.json_lines() == []


def test_a_worker_killed_mid_write_costs_a_rerun_of_its_tasks_not_a_row(stack, tmp_path):
    rows = 2_000_000
    source = write_orders(tmp_path / "big.csv", rows, "big")
    killed, killer = [], []
    [ui_port] = processes.free_ports(1)

    def kill_a_worker_running_an_executor():
        # executors register with the driver after its first log lines, and the master may place both on one
        # worker: the kill waits until a worker's executor runs the run's tasks, and takes that worker
        deadline = time.time() + 120
        while time.time() < deadline:
            hosting = stack.workers_running_tasks(ui_port)
            if hosting:
                stack.kill(hosting[0])
                killed.append(hosting[0])
                return
            time.sleep(0.2)

    def kill_a_worker_when_the_write_starts(line, process):
        if not killer and "to staging" in line:
            killer.append(threading.Thread(target=kill_a_worker_running_an_executor))
            killer[0].start()

    try:
        run = stack.kindling("snapshot", "--source", str(source), "--format", "csv", "--schema", "id INT, amount DOUBLE, label STRING",
                             "--no-quoted-newlines", "--target", "shop.big", "--logical-date", "2026-11-20",
                             "--conf", "spark.executor.cores=1", "--conf", "spark.sql.files.maxPartitionBytes=4m",
                             "--conf", f"spark.ui.port={ui_port}", work_dir=tmp_path / "work", on_line=kill_a_worker_when_the_write_starts)
    finally:
        for thread in killer:
            thread.join()
        stack.command("up")  # the worker comes back for the other tests

    assert killer, "the run never reached its write"
    assert killed, "no worker's executor ran tasks of the run within 120 s of its write's start"
    assert run.code == 0, "\n".join(run.err_lines[-30:])
    # the kill landed: Spark lost the worker's executor and ran its tasks again elsewhere
    assert any(line["message"].startswith("Lost executor") for line in run.json_lines()), run.err_lines[-30:]
    finished = next(line for line in run.json_lines() if line["message"].startswith("snapshot finished"))
    assert f"rows_read={rows}, rows_written={rows}" in finished["message"], finished["message"]
    assert stack.read_partition("shop.big", "ds", "2026-11-20", count_only=True)["count"] == rows


def test_a_driver_killed_mid_write_leaves_the_old_partition_and_a_rerun_publishes_it_whole(stack, tmp_path):
    old = write_orders(tmp_path / "old.csv", 300, "old")
    assert snapshot(stack, tmp_path / "work", old, "shop.driver_killed", "2026-11-20").code == 0
    new = write_orders(tmp_path / "new.csv", 1_000_000, "new")
    killed = []

    def kill_the_driver_when_the_write_starts(line, process):
        if not killed and "to staging" in line:
            process.kill()  # bin/kindling execs spark-submit, whose JVM is the driver in client mode
            killed.append(line)

    run = stack.kindling("snapshot", "--source", str(new), "--format", "csv", "--schema", "id INT, amount DOUBLE, label STRING",
                         "--no-quoted-newlines", "--target", "shop.driver_killed", "--logical-date", "2026-11-20", "--key", "id",
                         work_dir=tmp_path / "work", on_line=kill_the_driver_when_the_write_starts)
    assert killed and run.code == -9, run.code

    before = stack.read_partition("shop.driver_killed", "ds", "2026-11-20")
    assert len(before["rows"]) == 300 and {row["label"] for row in before["rows"]} == {"old"}

    rerun = stack.kindling("snapshot", "--source", str(new), "--format", "csv", "--schema", "id INT, amount DOUBLE, label STRING",
                           "--no-quoted-newlines", "--target", "shop.driver_killed", "--logical-date", "2026-11-20", "--key", "id",
                           work_dir=tmp_path / "work")
    assert rerun.code == 0, "\n".join(rerun.err_lines[-20:])
    assert stack.read_partition("shop.driver_killed", "ds", "2026-11-20", count_only=True)["count"] == 1_000_000


def test_postgresql_restarted_between_runs_costs_nothing(stack, tmp_path):
    source = write_orders(tmp_path / "orders.csv", 100, "first")
    assert snapshot(stack, tmp_path / "work", source, "shop.pg_restart", "2026-11-20").code == 0

    stack.restart_postgres()
    second = snapshot(stack, tmp_path / "work", write_orders(tmp_path / "second.csv", 80, "second"), "shop.pg_restart", "2026-11-21")
    assert second.code == 0, "\n".join(second.err_lines[-20:])
    assert len(stack.read_partition("shop.pg_restart", "ds", "2026-11-20")["rows"]) == 100
    assert {row["label"] for row in stack.read_partition("shop.pg_restart", "ds", "2026-11-21")["rows"]} == {"second"}


def test_the_metastore_restarted_mid_run_loses_nothing(stack, tmp_path):
    old = write_orders(tmp_path / "old.csv", 300, "old")
    assert snapshot(stack, tmp_path / "work", old, "shop.metastore_restart", "2026-11-20").code == 0
    new = write_orders(tmp_path / "new.csv", 1_000_000, "new")
    restarts = []

    def restart_the_metastore():
        stack.kill("metastore")
        stack.command("up")

    def restart_when_the_write_starts(line, process):
        if not restarts and "to staging" in line:
            restarts.append(threading.Thread(target=restart_the_metastore))
            restarts[0].start()

    args = ("--no-quoted-newlines", "--conf", "spark.hadoop.hive.metastore.connect.retries=30")
    run = stack.kindling("snapshot", "--source", str(new), "--format", "csv", "--schema", "id INT, amount DOUBLE, label STRING",
                         "--target", "shop.metastore_restart", "--logical-date", "2026-11-20", *args,
                         work_dir=tmp_path / "work", on_line=restart_when_the_write_starts)
    assert restarts, "the run never reached its write"
    restarts[0].join()

    print(f"metastore restarted mid-run: the run exited {run.code}")
    # either the run rode out the restart, or it failed retryably and published nothing
    assert run.code in (0, 1), "\n".join(run.err_lines[-20:])
    count = stack.read_partition("shop.metastore_restart", "ds", "2026-11-20", count_only=True)["count"]
    assert count == (1_000_000 if run.code == 0 else 300)
    rerun = stack.kindling("snapshot", "--source", str(new), "--format", "csv", "--schema", "id INT, amount DOUBLE, label STRING",
                           "--target", "shop.metastore_restart", "--logical-date", "2026-11-20", *args, work_dir=tmp_path / "work")
    assert rerun.code == 0, "\n".join(rerun.err_lines[-20:])
    assert stack.read_partition("shop.metastore_restart", "ds", "2026-11-20", count_only=True)["count"] == 1_000_000
