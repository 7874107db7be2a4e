"""The shipped DAGs as Airflow parses them: no import errors, and each one wired as jobs.yaml says."""
from datetime import timedelta

import pytest
from airflow.sdk import AssetAll, AsyncCallback, CronDataIntervalTimetable, DeadlineReference, PartitionedAssetTimetable

from conftest import DAGS_FOLDER, SAMPLE_VARIABLE
from kindling_airflow import alerts, spec
from kindling_airflow.factory import LOGICAL_DATE, MAIN_CLASS, SPARK_CONNECTION
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
    assert dag.task_ids == [task.task_id for task in entry.tasks]
    assert dag.catchup is entry.catchup
    assert dag.max_active_runs == entry.max_active_runs
    assert dag.start_date.date() == entry.start_date
    if entry.schedule is not None:
        # Data intervals: ds is the day that ended, the partition the run writes.
        assert isinstance(dag.timetable, CronDataIntervalTimetable)
        assert (dag.timetable.expression, str(dag.timetable.timezone)) == (entry.schedule, "UTC")
    else:
        # A run per date (partition key) once every asset has been published for it.
        assert isinstance(dag.timetable, PartitionedAssetTimetable)
        assert isinstance(dag.timetable.asset_condition, AssetAll)
        assert sorted(asset.uri for asset in dag.timetable.asset_condition.objects) == sorted(entry.assets)

    # A run not succeeded `deadline` after it was queued: one alert a channel, sent by the triggerer.
    assert [(deadline.reference, deadline.interval, type(deadline.callback)) for deadline in dag.deadline] == \
        [(DeadlineReference.DAGRUN_QUEUED_AT, entry.alerts.deadline, AsyncCallback)] * 2
    assert [deadline.callback.path.rsplit(".", 1)[1] for deadline in dag.deadline] == ["SmtpNotifier", "HttpNotifier"]
    for spec_task in entry.tasks:
        task = dag.get_task(spec_task.task_id)
        assert isinstance(task, KindlingSubmitOperator)
        assert task.upstream_task_ids == set(spec_task.after)
        assert [outlet.uri for outlet in task.outlets] == list(spec_task.outlets)
        assert task.retries == spec_task.retries
        assert task.retry_exponential_backoff == spec_task.retry_exponential_backoff > 0
        assert task.retry_delay == spec_task.retry_delay
        assert task.max_retry_delay == spec_task.max_retry_delay
        assert task.execution_timeout == spec_task.execution_timeout
        (alert,) = task.on_failure_callback
        assert isinstance(alert, alerts.TaskFailed) and alert.alerts == entry.alerts
        assert task._conn_id == SPARK_CONNECTION
        assert task._java_class == MAIN_CLASS
        assert task._driver_memory == spec_task.driver_memory and task._executor_memory == spec_task.executor_memory
        assert task.conf == dict(spec_task.spark_conf)
        # The jar is never hard-coded: one Variable rolls it out (and back) for every DAG.
        assert task.application == "{{ var.json.kindling.jar }}"
        for field in ("application", "application_args", "env_vars", "name", "conf"):
            assert field in task.template_fields
        args = task.application_args
        assert args[0] == spec_task.job
        assert args[args.index("--logical-date") + 1] == LOGICAL_DATE
        assert args[args.index("--run-id") + 1] == "{{ run_id }}"
        assert args[args.index("--env") + 1] == "{{ var.json.kindling.env }}"


def test_every_job_a_dag_runs_publishes_what_it_writes_as_an_asset():
    for entry in ENTRIES:
        for task in entry.tasks:
            if task.job == spec.MAINTAIN_JOB:  # it tidies tables others wrote: nothing for a DAG to wait on
                assert task.outlets == (), f"{entry.dag_id}.{task.task_id}"
                continue
            assert task.outlets, f"{entry.dag_id}.{task.task_id}"
            assert all(outlet.startswith("kindling://") for outlet in task.outlets)
    # the export waits for the day's orders published (snapshot) and verified (verify) by the orders pipeline
    by_id = {entry.dag_id: entry for entry in ENTRIES}
    assert set(by_id["kindling_export_orders"].assets) == set(by_id["kindling_orders"].outlets)


def test_shipped_defaults_are_deliberate():
    """What a data engineer gets without asking: a bounded, retried, timed-out, catching-up schedule."""
    for entry in ENTRIES:
        if "snapshot" in entry.jobs:
            assert entry.catchup is True  # every day's partition gets written, missed days too
        assert 1 <= entry.max_active_runs <= 4
        assert entry.alerts.email and entry.alerts.webhook_conn_id  # someone is told of a failure
        assert timedelta(0) < entry.alerts.deadline <= timedelta(hours=24)  # and of a run that hangs
        for task in entry.tasks:
            assert task.retries >= 1 and task.retry_exponential_backoff >= 2
            assert task.retry_delay <= task.max_retry_delay
            assert timedelta(0) < task.execution_timeout <= timedelta(hours=12)


def test_templates_render_from_the_context_and_the_variable(shipped_dags):
    dag = shipped_dags.dags["kindling_orders"]
    task = dag.get_task("snapshot")
    context = {"ds": "2024-02-02", "partition_key": None, "run_id": "scheduled__2024-02-02T02:00:00+00:00",
               "var": {"json": {"kindling": SAMPLE_VARIABLE}}, "dag": dag, "task": task,
               "ti": {"try_number": 2}}
    env = dag.get_template_env()
    assert task.render_template(task.application, context, env) == SAMPLE_VARIABLE["jar"]
    assert task.render_template(task.name, context, env) == "kindling_orders.snapshot.2024-02-02"
    args = task.render_template(task.application_args, context, env)
    assert args[:7] == ["snapshot", "--env", "prod", "--logical-date", "2024-02-02",
                        "--run-id", "scheduled__2024-02-02T02:00:00+00:00"]
    assert args[args.index("--source") + 1] == "hdfs:///landing/orders/2024-02-02.csv"
    assert task.render_template(task.env_vars, context, env) == {
        "AIRFLOW_CTX_DAG_ID": "kindling_orders", "AIRFLOW_CTX_TASK_ID": "snapshot",
        "AIRFLOW_CTX_TRY_NUMBER": "2", "AIRFLOW_CTX_DAG_RUN_ID": "scheduled__2024-02-02T02:00:00+00:00"}


def test_the_operator_refuses_a_missing_job_name():
    with pytest.raises(ValueError, match="job: '' is not allowed; expected the name of a Kindling job"):
        KindlingSubmitOperator(task_id="snapshot", job="")


def test_a_run_on_assets_is_for_the_date_its_assets_were_published_for(shipped_dags):
    # An asset-triggered run has no logical date of Airflow's own (no ds): its partition key is the date.
    dag = shipped_dags.dags["kindling_export_orders"]
    task = dag.get_task("export")
    context = {"partition_key": "2024-02-02", "run_id": "asset_triggered__2024-02-03T04:00:00+00:00_x",
               "var": {"json": {"kindling": SAMPLE_VARIABLE}}, "dag": dag, "task": task}
    args = task.render_template(task.application_args, context, dag.get_template_env())
    assert args[:5] == ["export", "--env", "prod", "--logical-date", "2024-02-02"]
    assert task.render_template(task.name, context, dag.get_template_env()) == "kindling_export_orders.export.2024-02-02"
    # a run started by hand for a date (or `airflow dags test`) has no partition key: its ds is the date
    by_hand = {**context, "partition_key": None, "ds": "2024-02-05"}
    assert task.render_template(task.application_args, by_hand, dag.get_template_env())[4] == "2024-02-05"
