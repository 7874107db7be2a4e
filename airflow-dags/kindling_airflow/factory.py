"""Builds one Airflow DAG per jobs.yaml entry (one task per Kindling job of the entry): the only place
where a Kindling DAG is put together.

Deployment settings come from two places, so rolling a new jar out (or back) is one change:
- the Airflow Variable `kindling` (JSON): "jar" (the application path) and "env" (the job's --env),
  "outcome_dir" in standalone cluster deploy mode (see KindlingSubmitOperator), plus any keys that
  job options refer to as {{ var.json.kindling.<key> }};
- the Spark connection `spark_default`: master, deploy mode, queue, namespace.
"""
from __future__ import annotations

from datetime import datetime, timezone

from airflow.sdk import DAG, Asset, AssetAll, CronDataIntervalTimetable, PartitionedAssetTimetable

from kindling_airflow import alerts
from kindling_airflow.operator import KindlingSubmitOperator
from kindling_airflow.spec import AlertSpec, DagSpec, TaskSpec

VARIABLE = "kindling"
SPARK_CONNECTION = "spark_default"
MAIN_CLASS = "dev.kindling.Kindling"


# The date a run is for: the data interval's day on a cron schedule (ds); on assets, the date whose
# assets were all published (the run's partition key: each task publishes its outlets under its date).
LOGICAL_DATE = "{{ partition_key or ds }}"


def build_dag(spec: DagSpec) -> DAG:
    dag = DAG(
        dag_id=spec.dag_id,
        description=spec.description,
        schedule=schedule(spec),
        start_date=datetime.combine(spec.start_date, datetime.min.time(), tzinfo=timezone.utc),
        catchup=spec.catchup,
        max_active_runs=spec.max_active_runs,
        tags=["kindling", *spec.jobs, *spec.tags],
        default_args={"owner": "kindling"},
        deadline=alerts.deadline_alerts(spec.alerts, spec.jobs),
    )
    tasks = {task.task_id: build_task(dag, task, spec.alerts) for task in spec.tasks}
    for task in spec.tasks:
        for upstream in task.after:
            tasks[upstream] >> tasks[task.task_id]
    return dag


def schedule(spec: DagSpec):
    if spec.schedule is not None:
        # Data intervals: the run that starts after a day ends has ds = that day, the partition it writes.
        return CronDataIntervalTimetable(spec.schedule, timezone="UTC")
    # One run per date once every asset has an event for that date (the identity of partition keys).
    return PartitionedAssetTimetable(assets=AssetAll(*(Asset(uri=uri) for uri in spec.assets)))


def build_task(dag: DAG, task: TaskSpec, alert_spec: AlertSpec) -> KindlingSubmitOperator:
    return KindlingSubmitOperator(
        dag=dag,
        task_id=task.task_id,
        job=task.job,
        conn_id=SPARK_CONNECTION,
        application=f"{{{{ var.json.{VARIABLE}.jar }}}}",
        java_class=MAIN_CLASS,
        name=f"{dag.dag_id}.{task.task_id}.{LOGICAL_DATE}",
        application_args=application_args(task),
        conf=dict(task.spark_conf),
        driver_memory=task.driver_memory,
        executor_memory=task.executor_memory,
        # In client mode the task's AIRFLOW_CTX_* variables reach the driver anyway; on YARN and
        # Kubernetes the provider forwards env_vars to the driver, so the job's logs still name the run.
        env_vars={
            "AIRFLOW_CTX_DAG_ID": "{{ dag.dag_id }}",
            "AIRFLOW_CTX_TASK_ID": "{{ task.task_id }}",
            "AIRFLOW_CTX_TRY_NUMBER": "{{ ti.try_number }}",
            "AIRFLOW_CTX_DAG_RUN_ID": "{{ run_id }}",
        },
        secret_env=task.secret_env,
        # The OpenLineage provider passes the task's run (and the DAG run's, as root) to the job as
        # spark.openlineage.parent*/rootParent*: Kindling's run event then names this task try as its parent.
        openlineage_inject_parent_job_info=True,
        # Only read in standalone cluster deploy mode: where the job leaves its exit code for the task.
        outcome_dir=f"{{{{ var.json.{VARIABLE}.get('outcome_dir', '') }}}}",
        # What a successful run has published, for DAGs scheduled on it (see KindlingSubmitOperator).
        outlets=[Asset(uri=uri) for uri in task.outlets],
        retries=task.retries,
        retry_delay=task.retry_delay,
        retry_exponential_backoff=task.retry_exponential_backoff,
        max_retry_delay=task.max_retry_delay,
        execution_timeout=task.execution_timeout,
        on_failure_callback=alerts.TaskFailed(alert_spec),  # only when no retry is left
        # A retry submits a fresh run: safe, as every job is idempotent per logical date, and it works
        # in every deploy mode (durable tracking needs the YARN REST API in YARN cluster mode).
        durable=False,
    )


def application_args(task: TaskSpec) -> list[str]:
    """The job's command line: the job name, the options Airflow owns, then the task's options."""
    args = [
        task.job,
        "--env", f"{{{{ var.json.{VARIABLE}.env }}}}",
        "--logical-date", LOGICAL_DATE,
        "--run-id", "{{ run_id }}",
    ]
    for option, values in task.options:
        if not values:
            args.append(option)
        for value in values:
            args += [option, value]
    return args
