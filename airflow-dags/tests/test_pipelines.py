"""The pipelines of jobs.yaml, and the DAG the orders pipeline feeds through assets, under real Airflow: `airflow dags test` runs the
pipeline (snapshot, then verify) on the jar; each task that succeeds publishes its asset for the run's date;
Airflow's own scheduler then starts the export DAG for a date once the day's orders are both published and
verified, and that run (`airflow tasks test` on it) exports the day into a throwaway PostgreSQL. A day that
fails its checks is published but never verified, so its export never starts. The model pipeline trains,
then scores with the model its train task made current."""
import json
import os
import sqlite3

import pytest

import kindling_it
import postgres  # bin/lib, on the path through kindling_it
from test_end_to_end import land, orders

PIPELINE, EXPORT = "kindling_orders", "kindling_export_orders"
VERIFIED_DAY, FAILING_DAY = "2024-05-06", "2024-05-07"
PUBLISHED = "kindling://hive/sales.orders"
VERIFIED = "kindling://verified/sales.orders"


@pytest.fixture(scope="module")
def reporting_db(tmp_path_factory):
    if not postgres.installed() and not os.environ.get("CI"):
        pytest.skip("no PostgreSQL server binaries: `sudo bin/install-services` installs them (CI does)")
    with postgres.Throwaway(tmp_path_factory.mktemp("reporting-pg"), database="reporting", user="reporter") as server:
        server.admin(f"CREATE SCHEMA reporting AUTHORIZATION {server.user}", database="reporting")
        yield server


def asset_events(airflow_home):
    """(asset URI, partition key, source task) of every asset event Airflow has recorded."""
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        return sorted(db.execute("SELECT a.uri, e.partition_key, e.source_task_id FROM asset_event e"
                                 " JOIN asset a ON a.id = e.asset_id").fetchall())


def runs_of(airflow_home, dag_id):
    """(run id, run type, partition key) of the DAG's runs."""
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        return db.execute("SELECT run_id, run_type, partition_key FROM dag_run WHERE dag_id = ? ORDER BY id",
                          (dag_id,)).fetchall()


@pytest.fixture(scope="module")
def pipeline_days(run_dag, landing_dir, airflow_home):
    """The pipeline run for a day that passes its checks and for one whose orders lack a customer,
    with the export DAG unpaused first (Airflow queues asset-triggered runs of unpaused DAGs only)."""
    assert run_dag.airflow("dags", "reserialize").returncode == 0
    unpaused = run_dag.airflow("dags", "unpause", EXPORT)
    assert unpaused.returncode == 0, unpaused.stderr[-2000:]
    land(landing_dir, VERIFIED_DAY, orders(VERIFIED_DAY, 25))
    failing = orders(FAILING_DAY, 25)
    failing[3][1] = ""  # an order without a customer: published by snapshot, refused by verify
    land(landing_dir, FAILING_DAY, failing)
    return run_dag(PIPELINE, VERIFIED_DAY), run_dag(PIPELINE, FAILING_DAY)


def test_the_pipeline_verifies_what_it_published_and_a_failing_check_stops_at_verify(pipeline_days):
    verified, failing = pipeline_days
    assert (verified.code, verified.tasks) == (0, {"snapshot": ("success", 1), "verify": ("success", 1)}), verified.log[-3000:]
    # exit 3 is not retried: the data will not change by waiting
    assert failing.tasks == {"snapshot": ("success", 1), "verify": ("failed", 1)}, failing.log[-3000:]
    assert "kindling verify exited with code 3" in failing.log and "customer_known" in failing.log


def test_each_task_that_succeeds_publishes_its_asset_for_the_runs_date(pipeline_days, airflow_home):
    assert asset_events(airflow_home) == sorted([
        (PUBLISHED, VERIFIED_DAY, "snapshot"), (VERIFIED, VERIFIED_DAY, "verify"),
        (PUBLISHED, FAILING_DAY, "snapshot")])  # the failing day: published, never verified


def test_the_scheduler_starts_the_export_for_the_verified_day_only_and_it_exports_that_day(
        pipeline_days, run_dag, airflow_home, reporting_db, tmp_path):
    # One scheduler loop: it turns the queued asset partitions into runs. Its executor cannot start
    # tasks here (no API server: the URL points at a closed port), so the run is then executed by
    # `airflow tasks test`, as a worker would execute it.
    closed = postgres.free_port()
    scheduler = run_dag.airflow("scheduler", "--num-runs", "1", "--skip-serve-logs", env={
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{closed}/execution/"}, timeout=300)
    assert scheduler.returncode == 0, scheduler.stderr[-3000:]
    runs = runs_of(airflow_home, EXPORT)
    assert [(run_type, key) for _, run_type, key in runs] == [("asset_triggered", VERIFIED_DAY)], runs
    (run_id, _, _), = runs

    connection = {"conn_type": "postgres", "login": reporting_db.user, "password": reporting_db.password}
    exported = run_dag.airflow("tasks", "test", EXPORT, "export", run_id,
                               env={"AIRFLOW_CONN_REPORTING_DB": json.dumps(connection)},
                               variable={"reporting_jdbc_url": reporting_db.url})
    log = exported.stdout + exported.stderr
    assert f"--logical-date {VERIFIED_DAY}" in log, log[-3000:]
    assert "export finished: exit code 0" in log, log[-3000:]
    rows = reporting_db.sql(f"SELECT order_id, customer FROM reporting.orders WHERE ds = '{VERIFIED_DAY}' ORDER BY order_id")
    assert rows.splitlines() == [f"{row[0]}|{row[1]}" for row in orders(VERIFIED_DAY, 25)]
    assert reporting_db.sql(f"SELECT count(*) FROM reporting.orders WHERE ds <> '{VERIFIED_DAY}'").strip() == "0"
    assert reporting_db.password not in log


def test_the_model_pipeline_scores_with_the_model_its_train_task_made_current(run_dag, work_dir, read_partition):
    day = "2024-06-30"  # after the DAG's start date (Airflow gives an earlier date's run no tasks)
    generated = kindling_it.run_kindling("demo-data", "--logical-date", "2017-01-01", "--users", "200",
                                         "--transactions", "3000", "--seed", "3", work_dir=work_dir)
    assert generated.code == 0, "\n".join(generated.err_lines[-20:])

    run = run_dag("kindling_categories_model", day)
    assert (run.code, run.tasks) == (0, {"train": ("success", 1), "score": ("success", 1)}), run.log[-3000:]
    pointer = kindling_it.model_pointer(work_dir / "models" / "categories")
    assert pointer["logical_date"] == day and pointer["run_id"] == run.run_id
    rows = read_partition("recommendations.top_categories", "ds", day)["rows"]
    assert rows and {row["model_version"] for row in rows} == {pointer["version"]}
    positions = {}
    for row in rows:
        positions.setdefault(row["user_id"], []).append(row["position"])
    assert len(positions) > 100
    (ranks,) = {tuple(sorted(p)) for p in positions.values()}  # every user as many recommendations, ranked 1..n
    assert ranks == tuple(range(1, len(ranks) + 1)) and 1 < len(ranks) <= 10
