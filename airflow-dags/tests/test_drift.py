"""The DAGs and the jobs cannot drift apart: every DAG's rendered command line is checked against the
real jar's `kindling spec --json`, and the check itself is shown to catch each kind of drift."""
import pytest

from conftest import DAGS_FOLDER, SAMPLE_VARIABLE
from kindling_airflow import drift, spec
from kindling_airflow.operator import NOT_RETRIED

GOOD = ["snapshot", "--env", "prod", "--logical-date", "2024-02-02", "--run-id", "r1",
        "--source", "/landing/orders.csv", "--format", "csv", "--target", "sales.orders"]


def rendered_args(dag):
    """The task's application_args as Airflow renders them for a scheduled run of 2024-02-02."""
    (task,) = dag.tasks
    context = {"ds": "2024-02-02", "run_id": "scheduled__2024-02-02T02:00:00+00:00",
               "var": {"json": {"kindling": SAMPLE_VARIABLE}}, "dag": dag, "task": task}
    return task.render_template(task.application_args, context, dag.get_template_env())


def test_every_shipped_dag_passes_only_what_its_job_accepts(shipped_dags, jar_spec):
    assert shipped_dags.dags, "no DAG was parsed"
    for dag_id, dag in shipped_dags.dags.items():
        assert drift.problems(jar_spec, rendered_args(dag)) == [], dag_id


def test_every_job_of_the_jar_has_a_dag_or_a_reason_not_to(shipped_dags, jar_spec):
    scheduled = {dag.tasks[0].job for dag in shipped_dags.dags.values()}
    unscheduled = set(spec.load(DAGS_FOLDER / "jobs.yaml").unscheduled)
    assert not scheduled & unscheduled
    assert scheduled | unscheduled == {job["name"] for job in jar_spec["jobs"]}


def test_the_exit_codes_not_retried_are_the_jars(jar_spec):
    assert set(NOT_RETRIED) == {2, 3}
    assert {"0", "1", "2", "3"} <= set(jar_spec["exit_codes"])
    assert "retry" in jar_spec["exit_codes"]["1"]


def test_a_well_formed_command_line_has_no_problems(jar_spec):
    assert drift.problems(jar_spec, GOOD + ["--key", "a", "--key", "b", "--dry-run",
                                            "--max-bad-ratio=0.5", "--on-duplicate", "drop"]) == []


@pytest.mark.parametrize("args, problem", [
    (GOOD + ["--no-such-option", "x"], "snapshot: '--no-such-option' is not an option of the job"),
    ([a if a != "2024-02-02" else "02/02/2024" for a in GOOD],
     "snapshot: --logical-date '02/02/2024': expected a date YYYY-MM-DD"),
    ([a if a != "2024-02-02" else "2024-02-30" for a in GOOD],
     "snapshot: --logical-date '2024-02-30': expected a date YYYY-MM-DD"),
    (GOOD + ["--max-bad-ratio", "lots"], "snapshot: --max-bad-ratio 'lots': expected a number"),
    (GOOD + ["--on-duplicate", "ignore"],
     "snapshot: --on-duplicate 'ignore': expected one of ['keep', 'drop', 'fail']"),
    (GOOD[:-2], "snapshot: required option --target is missing"),
    (GOOD + ["--format", "json"], "snapshot: --format is given 2 times but is not repeatable"),
    (GOOD + ["--dry-run=yes"], "snapshot: --dry-run is a flag and takes no value, got 'yes'"),
    (GOOD + ["--schema"], "snapshot: --schema needs a value (DDL)"),
])
def test_each_kind_of_drift_is_reported(jar_spec, args, problem):
    assert problem in drift.problems(jar_spec, args)


def test_a_job_the_jar_does_not_have_is_reported(jar_spec):
    names = sorted(job["name"] for job in jar_spec["jobs"])
    assert drift.problems(jar_spec, ["resnapshot"] + GOOD[1:]) == [
        f"job 'resnapshot' is not in the jar; it has {names}"]
