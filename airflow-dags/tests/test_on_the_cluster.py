"""The shipped orders pipeline (and the audience DAG) under real Airflow against the cluster stack (bin/stack) in cluster deploy mode:
the driver runs on a Spark worker, and the task still learns the job's own exit code."""
import json
import urllib.request

import pytest

import kindling_it
from conftest import JAR
from stack_support import running_stack
from test_end_to_end import DAG, NOT_RETRIED, land, orders

DAY, MISSING = "2024-03-02", "2024-03-03"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("stack")) as started:
        yield started


@pytest.fixture(scope="module")
def cluster_env(stack, landing_dir, checks_dir, tmp_path_factory):
    connection = {"conn_type": "spark", "host": f"spark://127.0.0.1:{stack.ports['master']}",
                  "extra": {"deploy-mode": "cluster", "rest-port": stack.ports["master_rest"]}}
    variable = {"jar": str(JAR), "env": "cluster", "landing_dir": str(landing_dir), "checks_dir": str(checks_dir),
                "outcome_dir": str(tmp_path_factory.mktemp("outcomes"))}
    return {"AIRFLOW_CONN_SPARK_DEFAULT": json.dumps(connection), "AIRFLOW_VAR_KINDLING": json.dumps(variable)}


def test_a_dag_run_in_cluster_deploy_mode_writes_its_partition(stack, run_dag, landing_dir, cluster_env):
    land(landing_dir, DAY, orders(DAY, 30))
    run = run_dag(DAG, DAY, task="snapshot", env=cluster_env)

    # both tasks of the orders pipeline: snapshot, then verify of what it published, each driver on a worker
    assert (run.code, run.tasks) == (0, {"snapshot": ("success", 1), "verify": ("success", 1)}), run.log[-3000:]
    assert "exited with status" not in run.log
    partition = kindling_it.read_partition("sales.orders", "ds", DAY, spark_conf_dir=stack.spark_conf)
    assert sorted(row["order_id"] for row in partition["rows"]) == [row[0] for row in orders(DAY, 30)]


def test_exit_2_on_a_workers_driver_is_not_retried(run_dag, cluster_env):
    run = run_dag(DAG, MISSING, task="snapshot", env=cluster_env)

    assert (run.state, run.try_number) == ("failed", 1), run.log[-3000:]
    assert f"kindling snapshot exited with code 2: {NOT_RETRIED[2]}; not retrying" in run.log


def snapshots_on_the_master(stack) -> list[dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.ports['master_web']}/json/", timeout=10) as response:
        return [app for app in json.load(response)["completedapps"] if app["name"] == "kindling-snapshot"]


def test_a_dag_run_in_client_deploy_mode_on_the_standalone_master(stack, run_dag, landing_dir, cluster_env):
    # client mode: the driver runs in the task's spark-submit, with the task's environment (the stack's
    # profile dir, as a deployment sets it on its Airflow workers) and the Airflow run's ids in its logs
    day = "2024-03-04"
    land(landing_dir, day, orders(day, 12))
    connection = json.dumps({"conn_type": "spark", "host": f"spark://127.0.0.1:{stack.ports['master']}",
                             "extra": {"deploy-mode": "client"}})
    env = dict(cluster_env, AIRFLOW_CONN_SPARK_DEFAULT=connection, KINDLING_CONF_DIR=str(stack.dir / "conf" / "kindling"))
    before = len(snapshots_on_the_master(stack))
    run = run_dag(DAG, day, task="snapshot", env=env)

    assert (run.code, run.state, run.try_number) == (0, "success", 1), run.log[-3000:]
    finished = [line for line in run.job_log() if line["message"].startswith("snapshot finished")]
    assert finished and (finished[0]["dag_id"], finished[0]["env"]) == (DAG, "cluster")
    partition = kindling_it.read_partition("sales.orders", "ds", day, spark_conf_dir=stack.spark_conf)
    assert sorted(row["order_id"] for row in partition["rows"]) == [row[0] for row in orders(day, 12)]
    assert len(snapshots_on_the_master(stack)) == before + 1  # it ran on the stack's master


def test_the_audience_dag_in_cluster_deploy_mode_writes_the_list_the_audience_job_writes(stack, run_dag, cluster_env, tmp_path):
    # the marketplace on the stack's metastore, and the saved definition where the DAG looks for it
    assert stack.kindling("demo-data", *kindling_it.SMALL_MARKETPLACE, work_dir=tmp_path / "work").code == 0
    audiences = tmp_path / "audiences"
    audiences.mkdir()
    definition = audiences / "sports_near_torun.audience"
    definition.write_text(kindling_it.SPORTS_NEAR_TORUN)
    by_hand = stack.kindling("audience", "--logical-date", "2024-01-08", "--definition", str(definition), "--name", "by_hand",
                             work_dir=tmp_path / "work")
    assert by_hand.code == 0, "\n".join(by_hand.err_lines[-20:])

    variable = {**json.loads(cluster_env["AIRFLOW_VAR_KINDLING"]), "audiences_dir": str(audiences)}
    run = run_dag("kindling_audience_sports_near_torun", "2024-01-08", env=dict(cluster_env, AIRFLOW_VAR_KINDLING=json.dumps(variable)))

    assert (run.code, run.state, run.try_number) == (0, "success", 1), run.log[-3000:]
    scheduled = kindling_it.read_partition("mailings.sports_near_torun", "-", "-", spark_conf_dir=stack.spark_conf)["rows"]
    assert scheduled and scheduled == kindling_it.read_partition("mailings.by_hand", "-", "-", spark_conf_dir=stack.spark_conf)["rows"]
