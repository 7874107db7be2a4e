"""The shipped DAGs as Airflow parses them: no import errors, and each one wired as jobs.yaml says."""
from datetime import timedelta

import pytest
from airflow.sdk import CronDataIntervalTimetable

from conftest import DAGS_FOLDER, SAMPLE_VARIABLE
from kindling_airflow import spec
from kindling_airflow.factory import MAIN_CLASS, SPARK_CONNECTION
from kindling_airflow.operator import KindlingSubmitOperator

ENTRIES = spec.load(DAGS_FOLDER / "jobs.yaml").dags


def test_every_dag_file_imports_without_errors(shipped_dags):
    assert shipped_dags.import_errors == {}
    assert sorted(shipped_dags.dag_ids) == sorted(entry.dag_id for entry in ENTRIES)


def test_only_the_dag_file_is_parsed(shipped_dags):
    # The library and the tests are in .airflowignore: Airflow must not import them as DAG files
    # (tests/conftest.py mentions both "airflow" and "dag", so Airflow would otherwise try it).
    assert [stat.file for stat in shipped_dags.dagbag_stats] == ["kindling_dags.py"]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.dag_id)
def test_dag_structure(shipped_dags, entry):
    dag = shipped_dags.dags[entry.dag_id]
    assert dag.task_ids == [entry.job]
    assert dag.catchup is entry.catchup
    assert dag.max_active_runs == entry.max_active_runs
    # Data intervals: ds is the day that ended, the partition the run writes.
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert (dag.timetable.expression, str(dag.timetable.timezone)) == (entry.schedule, "UTC")
    assert dag.start_date.date() == entry.start_date

    task = dag.get_task(entry.job)
    assert isinstance(task, KindlingSubmitOperator)
    assert task.retries == entry.retries
    assert task.retry_exponential_backoff == entry.retry_exponential_backoff > 0
    assert task.retry_delay == entry.retry_delay
    assert task.max_retry_delay == entry.max_retry_delay
    assert task.execution_timeout == entry.execution_timeout
    assert task.on_failure_callback
    assert task._conn_id == SPARK_CONNECTION
    assert task._java_class == MAIN_CLASS
    assert task._driver_memory == entry.driver_memory and task._executor_memory == entry.executor_memory
    assert task.conf == dict(entry.spark_conf)
    # The jar is never hard-coded: one Variable rolls it out (and back) for every DAG.
    assert task.application == "{{ var.json.kindling.jar }}"
    for field in ("application", "application_args", "env_vars", "name", "conf"):
        assert field in task.template_fields
    args = task.application_args
    assert args[0] == entry.job
    assert args[args.index("--logical-date") + 1] == "{{ ds }}"
    assert args[args.index("--run-id") + 1] == "{{ run_id }}"
    assert args[args.index("--env") + 1] == "{{ var.json.kindling.env }}"


def test_shipped_defaults_are_deliberate():
    """What a data engineer gets without asking: a bounded, retried, timed-out, catching-up schedule."""
    for entry in ENTRIES:
        if entry.job == "snapshot":
            assert entry.catchup is True  # every day's partition gets written, missed days too
        assert 1 <= entry.max_active_runs <= 4
        assert entry.retries >= 1 and entry.retry_exponential_backoff >= 2
        assert entry.retry_delay <= entry.max_retry_delay
        assert timedelta(0) < entry.execution_timeout <= timedelta(hours=12)


def test_templates_render_from_the_context_and_the_variable(shipped_dags):
    dag = shipped_dags.dags["kindling_snapshot_orders"]
    task = dag.get_task("snapshot")
    context = {"ds": "2024-02-02", "run_id": "scheduled__2024-02-02T02:00:00+00:00",
               "var": {"json": {"kindling": SAMPLE_VARIABLE}}, "dag": dag, "task": task,
               "ti": {"try_number": 2}}
    env = dag.get_template_env()
    assert task.render_template(task.application, context, env) == SAMPLE_VARIABLE["jar"]
    assert task.render_template(task.name, context, env) == "kindling_snapshot_orders.snapshot.2024-02-02"
    args = task.render_template(task.application_args, context, env)
    assert args[:7] == ["snapshot", "--env", "prod", "--logical-date", "2024-02-02",
                        "--run-id", "scheduled__2024-02-02T02:00:00+00:00"]
    assert args[args.index("--source") + 1] == "hdfs:///landing/orders/2024-02-02.csv"
    assert task.render_template(task.env_vars, context, env) == {
        "AIRFLOW_CTX_DAG_ID": "kindling_snapshot_orders", "AIRFLOW_CTX_TASK_ID": "snapshot",
        "AIRFLOW_CTX_TRY_NUMBER": "2", "AIRFLOW_CTX_DAG_RUN_ID": "scheduled__2024-02-02T02:00:00+00:00"}


def test_the_operator_refuses_a_missing_job_name():
    with pytest.raises(ValueError, match="job: '' is not allowed; expected the name of a Kindling job"):
        KindlingSubmitOperator(task_id="snapshot", job="")
