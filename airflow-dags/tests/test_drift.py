"""The DAGs and the jobs cannot drift apart: every DAG's rendered command line and Spark settings are
checked by the real jar (`kindling check-args`), the spec committed beside the DAGs is the jar's own,
and the check is shown to catch each kind of drift."""
import json

import pytest

from conftest import DAGS_FOLDER, ROOT, SAMPLE_VARIABLE
from kindling_airflow import drift, spec
from kindling_airflow import jar_spec as jar_spec_module
from kindling_airflow.operator import NOT_RETRIED

KINDLING = [str(ROOT / "bin" / "kindling")]
GOOD = ["snapshot", "--env", "prod", "--logical-date", "2024-02-02", "--run-id", "r1",
        "--source", "/landing/orders.csv", "--format", "csv", "--target", "sales.orders"]


def rendered_args(dag, task):
    """The task's application_args as Airflow renders them for a scheduled run of 2024-02-02."""
    context = {"ds": "2024-02-02", "partition_key": None, "run_id": "scheduled__2024-02-02T02:00:00+00:00",
               "var": {"json": {"kindling": SAMPLE_VARIABLE}}, "dag": dag, "task": task}
    return task.render_template(task.application_args, context, dag.get_template_env())


def spark_settings(task):
    """What a jobs.yaml task hands spark-submit: its conf plus the memory sizes it passes as options."""
    return {**task.spark_conf, "spark.driver.memory": task.driver_memory, "spark.executor.memory": task.executor_memory}


def test_the_committed_spec_is_the_jars(jar_spec):
    committed = json.loads(jar_spec_module.SPEC_FILE.read_text(encoding="utf-8"))
    assert committed == jar_spec, ("airflow-dags/kindling-spec.json is stale: regenerate it with "
                                   "mvn -pl jobs -am test -Dtest=LauncherTest -DupdateSpec=true")


def test_every_shipped_dag_passes_only_what_its_job_accepts(shipped_dags):
    assert shipped_dags.dags, "no DAG was parsed"
    entries = {entry.dag_id: entry for entry in spec.load(DAGS_FOLDER / "jobs.yaml").dags}
    for dag_id, dag in shipped_dags.dags.items():
        for task in entries[dag_id].tasks:
            assert drift.check_args(KINDLING, rendered_args(dag, dag.get_task(task.task_id)), spark_settings(task)) is None, \
                f"{dag_id}.{task.task_id}"


def test_every_job_of_the_jar_has_a_dag_or_a_reason_not_to(shipped_dags, jar_spec):
    scheduled = {task.job for dag in shipped_dags.dags.values() for task in dag.tasks}
    unscheduled = set(spec.load(DAGS_FOLDER / "jobs.yaml").unscheduled)
    assert not scheduled & unscheduled
    assert scheduled | unscheduled == {job["name"] for job in jar_spec["jobs"]}


def test_the_operator_fails_at_once_on_the_codes_the_jar_says_are_not_retried(jar_spec):
    assert set(NOT_RETRIED) == {code["code"] for code in jar_spec["exit_codes"] if code["code"] and not code["retried"]}
    assert set(NOT_RETRIED) == {2, 3}


def test_a_well_formed_command_line_is_accepted():
    assert drift.check_args(KINDLING, GOOD + ["--key", "a", "--key", "b", "--dry-run", "--max-bad-ratio=0.5",
                                              "--on-duplicate", "drop"], {"spark.executor.cores": "2"}) is None


@pytest.mark.parametrize("args, spark_conf, problem", [
    (GOOD + ["--no-such-option", "x"], {}, "kindling snapshot: error: Unknown options: '--no-such-option', 'x'"),
    ([a if a != "2024-02-02" else "2024-02-30" for a in GOOD], {},
     "'2024-02-30' is not a date of the form YYYY-MM-DD"),
    (GOOD + ["--max-bad-ratio", "1e-2"], {}, "'1e-2' is not a plain decimal number"),
    (GOOD + ["--on-duplicate", "ignore"], {}, "expected one of [KEEP, DROP, FAIL] (case-insensitive) but was 'ignore'"),
    (GOOD[:-2], {}, "Missing required option: '--target=DB.TABLE'"),
    (GOOD, {"spark.executor.memory": "lots"}, "setting spark.executor.memory is 'lots' (from --conf)"),
    (["resnapshot"] + GOOD[1:], {}, "Unmatched arguments from index 0: 'resnapshot'"),
])
def test_each_kind_of_drift_is_reported_by_the_jar(args, spark_conf, problem):
    assert problem in drift.check_args(KINDLING, args, spark_conf)
