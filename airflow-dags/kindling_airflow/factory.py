"""Builds one Airflow DAG per jobs.yaml entry: the only place where a Kindling DAG is put together.

Deployment settings come from two places, so rolling a new jar out (or back) is one change:
- the Airflow Variable `kindling` (JSON): "jar" (the application path) and "env" (the job's --env),
  "outcome_dir" in standalone cluster deploy mode (see KindlingSubmitOperator), plus any keys that
  job options refer to as {{ var.json.kindling.<key> }};
- the Spark connection `spark_default`: master, deploy mode, queue, namespace.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from airflow.sdk import DAG, CronDataIntervalTimetable

from kindling_airflow.operator import KindlingSubmitOperator
from kindling_airflow.spec import DagSpec

VARIABLE = "kindling"
SPARK_CONNECTION = "spark_default"
MAIN_CLASS = "dev.kindling.Kindling"
ALERT_LOG = logging.getLogger("kindling.alert")


def build_dag(spec: DagSpec) -> DAG:
    dag = DAG(
        dag_id=spec.dag_id,
        description=spec.description,
        # Data intervals: the run that starts after a day ends has ds = that day, the partition it writes.
        schedule=CronDataIntervalTimetable(spec.schedule, timezone="UTC"),
        start_date=datetime.combine(spec.start_date, datetime.min.time(), tzinfo=timezone.utc),
        catchup=spec.catchup,
        max_active_runs=spec.max_active_runs,
        tags=["kindling", spec.job, *spec.tags],
        default_args={"owner": "kindling"},
    )
    KindlingSubmitOperator(
        dag=dag,
        task_id=spec.job,
        job=spec.job,
        conn_id=SPARK_CONNECTION,
        application=f"{{{{ var.json.{VARIABLE}.jar }}}}",
        java_class=MAIN_CLASS,
        name=f"{spec.dag_id}.{spec.job}.{{{{ ds }}}}",
        application_args=application_args(spec),
        conf=dict(spec.spark_conf),
        driver_memory=spec.driver_memory,
        executor_memory=spec.executor_memory,
        # In client mode the task's AIRFLOW_CTX_* variables reach the driver anyway; on YARN and
        # Kubernetes the provider forwards env_vars to the driver, so the job's logs still name the run.
        env_vars={
            "AIRFLOW_CTX_DAG_ID": "{{ dag.dag_id }}",
            "AIRFLOW_CTX_TASK_ID": "{{ task.task_id }}",
            "AIRFLOW_CTX_TRY_NUMBER": "{{ ti.try_number }}",
            "AIRFLOW_CTX_DAG_RUN_ID": "{{ run_id }}",
        },
        secret_env=spec.secret_env,
        # Only read in standalone cluster deploy mode: where the job leaves its exit code for the task.
        outcome_dir=f"{{{{ var.json.{VARIABLE}.get('outcome_dir', '') }}}}",
        retries=spec.retries,
        retry_delay=spec.retry_delay,
        retry_exponential_backoff=spec.retry_exponential_backoff,
        max_retry_delay=spec.max_retry_delay,
        execution_timeout=spec.execution_timeout,
        on_failure_callback=alert,
        # A retry submits a fresh run: safe, as every job is idempotent per logical date, and it works
        # in every deploy mode (durable tracking needs the YARN REST API in YARN cluster mode).
        durable=False,
    )
    return dag


def application_args(spec: DagSpec) -> list[str]:
    """The job's command line: the job name, the options Airflow owns, then the entry's options."""
    args = [
        spec.job,
        "--env", f"{{{{ var.json.{VARIABLE}.env }}}}",
        "--logical-date", "{{ ds }}",
        "--run-id", "{{ run_id }}",
    ]
    for option, values in spec.options:
        if not values:
            args.append(option)
        for value in values:
            args += [option, value]
    return args


def alert(context) -> None:
    """The task failed for good or for this try: one line to find it by. Slack or PagerDuty go here."""
    ti = context["ti"]
    ALERT_LOG.error(
        "KINDLING ALERT dag=%s task=%s run=%s logical_date=%s try=%s/%s: %s",
        ti.dag_id, ti.task_id, ti.run_id, context.get("ds"), ti.try_number, ti.max_tries + 1,
        " ".join(str(context.get("exception") or "failed").split())[:500],
    )
