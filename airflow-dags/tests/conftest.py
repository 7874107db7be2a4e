"""Fixtures for the DAG tests: the jar's job spec, the parsed DAGs, and real `airflow dags test` runs.

Runs under .venv-airflow (bin/airflow-env). Airflow reads AIRFLOW_HOME when first imported, so the
in-process tests get a throw-away home before anything imports airflow.
"""
import atexit
import json
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="kindling-airflow-home-")
atexit.register(shutil.rmtree, os.environ["AIRFLOW_HOME"], ignore_errors=True)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

import pytest  # noqa: E402
import kindling_it  # noqa: E402 (it/kindling_it.py, on the path through pytest.ini)
from kindling_it import KINDLING, ROOT  # noqa: E402

DAGS_FOLDER = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(DAGS_FOLDER))  # as Airflow does for its DAGs folder

JAR = ROOT / "jobs" / "target" / "kindling-jobs.jar"
# The documented shape of the `kindling` Airflow Variable (see airflow-dags/README.md).
SAMPLE_VARIABLE = {"jar": "hdfs:///apps/kindling/kindling-jobs-1.0.0.jar", "env": "prod",
                   "landing_dir": "hdfs:///landing", "audiences_dir": "/opt/kindling/audiences",
                   "reporting_jdbc_url": "jdbc:postgresql://reporting-db:5432/reporting",
                   "checks_dir": "/opt/kindling/checks"}
LOCAL_CONNECTION = {"conn_type": "spark", "host": "local[2]", "extra": {"deploy-mode": "client"}}
# The checks the orders pipeline's verify task runs in the tests: a day with an order of no customer fails.
ORDERS_CHECKS = """checks:
  - {name: has_orders, kind: row_count, severity: error, min: 1}
  - {name: unique_order_id, kind: uniqueness, severity: error, columns: [order_id]}
  - {name: customer_known, kind: completeness, severity: error, column: customer, max_null_share: 0.0}
"""
# A log line of the task: "<time> [info     ] <message> [<logger>] loc=..."; the job's own lines are JSON.
JOB_LOG_LINE = re.compile(r"\] (\{.*\}) \[airflow\.task\.hooks\.[\w.]*SparkSubmitHook\]")


@pytest.fixture(scope="session")
def jar_spec():
    """What the real jar says its jobs accept: `bin/kindling spec --json`, once per session."""
    completed = subprocess.run([str(KINDLING), "spec", "--json"], capture_output=True,
                               text=True, timeout=300, check=True, cwd=ROOT)
    return json.loads(completed.stdout)


@pytest.fixture(scope="session")
def shipped_dags():
    """The DAGs of airflow-dags/ as Airflow's DAG processor parses a DAG bundle folder."""
    from airflow.dag_processing.dagbag import BundleDagBag
    return BundleDagBag(dag_folder=DAGS_FOLDER, bundle_path=DAGS_FOLDER, bundle_name="dags-folder")


class DagRun:
    """One `airflow dags test` run: its exit code, its output (the task logs) and each task's final state
    (`tasks`: task id -> (state, try number)); state and try_number are those of `task`."""

    def __init__(self, completed: subprocess.CompletedProcess, run_id, tasks: dict, task: str):
        self.code = completed.returncode
        self.log = completed.stdout + completed.stderr
        self.run_id = run_id
        self.tasks = tasks
        self.state, self.try_number = tasks.get(task, (None, None))

    def job_log(self) -> list[dict]:
        """The JSON lines the Kindling job wrote, as they appear in the task log."""
        return [json.loads(match.group(1)) for match in JOB_LOG_LINE.finditer(self.log)]


def shipped_without_deadlines(folder: pathlib.Path) -> pathlib.Path:
    """jobs.yaml as shipped, with every DAG's deadline off, for `airflow dags test`: in Airflow 3.3.2 it
    exits 1 after a run that succeeded when the DAG has deadline alerts (apache/airflow#73428: its
    in-memory DAG holds the alerts, not their ids). The scheduler, which runs DAGs in production, is
    not affected; the deadline alerts are tested under a real scheduler and triggerer (test_alerts.py)."""
    import yaml  # Airflow's own dependency

    spec = yaml.safe_load((ROOT / "airflow-dags" / "jobs.yaml").read_text())
    for entry in [spec["defaults"], *spec["dags"].values()]:
        if "deadline" in entry.get("alerts", {}):
            entry["alerts"]["deadline"] = None
    path = folder / "jobs-without-deadlines.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory):
    return tmp_path_factory.mktemp("airflow-home")


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory):
    """KINDLING_WORK_DIR of the runs: the embedded Derby metastore and the warehouse live here."""
    return tmp_path_factory.mktemp("kindling-work")


@pytest.fixture(scope="module")
def landing_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("landing")


@pytest.fixture(scope="module")
def checks_dir(tmp_path_factory):
    """The check files of the DAGs (checks_dir of the variable): orders.yaml for the orders pipeline."""
    folder = tmp_path_factory.mktemp("checks")
    (folder / "orders.yaml").write_text(ORDERS_CHECKS)
    return folder


@pytest.fixture(scope="module")
def run_dag(airflow_home, work_dir, landing_dir, checks_dir):
    """Runs `bin/airflow dags test <dag_id> <date>`: real Airflow, real spark-submit, local Spark.

    The connection and the variable come in as AIRFLOW_CONN_* / AIRFLOW_VAR_*, as a deployment
    may give them. `spec` replaces jobs.yaml (KINDLING_DAGS_SPEC) for DAGs made up by a test.
    A run has 5 minutes: a task retried where it should not be waits out the shipped retry delay.
    """
    def run(dag_id, logical_date, spec=None, env=None, timeout=300, task=None, variable=None):
        completed = airflow("dags", "test", dag_id, logical_date, spec=spec or shipped_without_deadlines(airflow_home),
                            env=env, timeout=timeout, variable=variable)
        run_id, tasks = last_run(airflow_home, dag_id)
        return DagRun(completed, run_id, tasks, task or next(iter(tasks), None))

    def environment(spec=None, env=None, variable=None):
        """The environment of the runs: AIRFLOW_CONN_* / AIRFLOW_VAR_* (`variable`: more keys of the
        kindling variable)."""
        environment = {
            **os.environ,
            "AIRFLOW_HOME": str(airflow_home),
            "KINDLING_WORK_DIR": str(work_dir),
            "AIRFLOW_CONN_SPARK_DEFAULT": json.dumps(LOCAL_CONNECTION),
            "AIRFLOW_VAR_KINDLING": json.dumps({"jar": str(JAR), "env": "local", "landing_dir": str(landing_dir),
                                                "checks_dir": str(checks_dir), **(variable or {})}),
            **(env or {}),
        }
        if spec is not None:
            environment["KINDLING_DAGS_SPEC"] = str(spec)
        return environment

    def airflow(*args, spec=None, env=None, timeout=300, variable=None):
        """Any `bin/airflow` command with the environment of the runs."""
        return subprocess.run([str(ROOT / "bin" / "airflow"), *args], capture_output=True, text=True,
                              env=environment(spec, env, variable), timeout=timeout, cwd=ROOT)

    def start(*args, log, spec=None, env=None):
        """A long-running `bin/airflow` command (a scheduler, a triggerer) in its own process group,
        its output into the file `log`; the caller stops it."""
        with open(log, "w") as output:
            return subprocess.Popen([str(ROOT / "bin" / "airflow"), *args], stdout=output, stderr=subprocess.STDOUT,
                                    env=environment(spec, env), cwd=ROOT, start_new_session=True)

    run.airflow = airflow
    run.start = start
    return run


def last_run(airflow_home, dag_id):
    """The run id of the DAG's latest run and {task id: (state, try number)} of its tasks, from Airflow's metadata DB."""
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        latest = db.execute("SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)).fetchone()
        if latest is None:
            return None, {}
        rows = db.execute("SELECT task_id, state, try_number FROM task_instance WHERE dag_id = ? AND run_id = ?"
                          " ORDER BY start_date IS NULL, start_date", (dag_id, latest[0])).fetchall()
    return latest[0], {task_id: (state, try_number) for task_id, state, try_number in rows}


def rendered_fields(airflow_home, dag_id) -> str:
    """Every rendered template field Airflow stored for the DAG's task instances (what its UI shows)."""
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        rows = db.execute("SELECT rendered_fields FROM rendered_task_instance_fields WHERE dag_id = ?",
                          (dag_id,)).fetchall()
    return "\n".join(row[0] for row in rows)


@pytest.fixture(scope="module")
def read_partition(work_dir):
    """Reads a Hive partition back in a separate process (Derby admits one JVM at a time)."""
    def read(table, column, value):
        return kindling_it.read_partition(table, column, value, work_dir=work_dir)
    return read
