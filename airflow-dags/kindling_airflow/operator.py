"""SparkSubmitOperator that knows Kindling's exit codes and hands secrets to the job out of sight."""
from __future__ import annotations

import json
import pathlib
import re
from collections.abc import Mapping
from types import MappingProxyType

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from kindling_airflow import jar_spec

# Exit codes that a retry cannot fix, as the jar declares them ("retried": false in its spec). Any
# other non-zero code (1: I/O, cluster, a bug; 143: killed) stays an ordinary failure, which Airflow retries.
NOT_RETRIED = jar_spec.not_retried(jar_spec.load())
# What a driver that a standalone worker starts needs from the submitter (see the jar's spec).
DRIVER_JAVA_OPTIONS = jar_spec.load()["driver_java_options"]
OUTCOME_FILE_SETTING = jar_spec.load()["outcome_file_setting"]
MEANINGS = {code["code"]: code["meaning"] for code in jar_spec.load()["exit_codes"]}


class KindlingSubmitOperator(SparkSubmitOperator):
    """Runs one Kindling job through spark-submit.

    secret_env maps an environment variable of the job to a field of an Airflow connection
    (e.g. KINDLING_JDBC_PASSWORD -> ("kindling_jdbc", "password")). The values are read when the
    task runs and go only into the spark-submit process environment: never into a templated field,
    so they are neither rendered, stored with the task instance, nor part of the command line.

    Its outlets are what the job writes (the factory takes them from the jar's spec). On success each
    gets an asset event whose partition key is the run's logical date, so a DAG scheduled on several
    assets runs for a date once all of them have been published for that date.

    On a standalone cluster in cluster deploy mode the master reports only that a driver FINISHED or
    FAILED. The job then writes its exit code to a file under outcome_dir (a path that the Spark
    workers and Airflow's workers both see), and this operator reads it once the driver has ended.
    """

    template_fields = (*SparkSubmitOperator.template_fields, "outcome_dir")

    def __init__(self, *, job: str, secret_env: Mapping[str, tuple[str, str]] | None = None,
                 outcome_dir: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(job, str) or not job.strip():
            raise ValueError(f"job: {job!r} is not allowed; expected the name of a Kindling job, e.g. 'snapshot'")
        self.job = job
        self.secret_env = MappingProxyType(dict(secret_env or {}))
        self.outcome_dir = outcome_dir
        self._outcome_file: pathlib.Path | None = None

    def execute(self, context):
        if self._get_hook()._should_track_driver_status:
            self._prepare_standalone_cluster_mode(context)
        self._hook = None  # built again by the provider, after it has added its own conf
        try:
            super().execute(context)
            self._publish_outlets(context)
        except (AirflowException, RuntimeError) as failure:  # RuntimeError: the provider's "driver FAILED"
            code = self._exit_code()
            if code is None:  # spark-submit never ran (e.g. a missing connection): Airflow decides
                raise
            if code in NOT_RETRIED:
                message = f"kindling {self.job} exited with code {code}: {NOT_RETRIED[code]}; not retrying"
                self.log.error(message)
                raise AirflowFailException(message) from failure
            self.log.error("kindling %s exited with code %s; Airflow retries it while retries are left",
                           self.job, code)
            # the reason an alert gives when this was the last try (the provider's text is a command line)
            meaning = MEANINGS.get(code, "not a code of the jar")
            raise AirflowException(f"kindling {self.job} exited with code {code}: {meaning}") from failure

    def _publish_outlets(self, context) -> None:
        """The job succeeded: each outlet (what it wrote) gets an event for the run's logical date, the
        partition key that DAGs scheduled on these assets wait for, with the run that published it."""
        args = list(self.application_args or [])
        logical_date = args[args.index("--logical-date") + 1]
        for outlet in self.outlets:
            event = context["outlet_events"][outlet]
            event.add_partitions(logical_date)
            event.extra = {"logical_date": logical_date, "job": self.job, "run_id": context["run_id"]}

    def _prepare_standalone_cluster_mode(self, context) -> None:
        """The driver runs on a worker: it reports its exit code in a file, gets Spark's module
        openings from its options, and cannot receive environment variables (the provider refuses them)."""
        if self.secret_env:
            raise AirflowFailException(
                f"secret_env {sorted(self.secret_env)} cannot reach a driver in standalone cluster mode: "
                "use client deploy mode for this job, or YARN or Kubernetes")
        if not self.outcome_dir:
            raise AirflowFailException(
                "standalone cluster mode needs outcome_dir (the 'outcome_dir' key of the kindling Variable): "
                "a directory that both the Spark workers and Airflow can read, where the job writes its exit code")
        ti = context["ti"]
        safe = [re.sub(r"[^A-Za-z0-9._-]", "_", str(part)) for part in (ti.dag_id, ti.task_id, ti.run_id)]
        self._outcome_file = pathlib.Path(self.outcome_dir, *safe, f"try-{ti.try_number}.json")
        conf = dict(self.conf or {})
        extra_java_options = " ".join(filter(None, [DRIVER_JAVA_OPTIONS, conf.get("spark.driver.extraJavaOptions")]))
        self.conf = {**conf, OUTCOME_FILE_SETTING: str(self._outcome_file), "spark.driver.extraJavaOptions": extra_java_options}
        self.env_vars = None

    def _exit_code(self) -> int | None:
        if self._outcome_file is not None:
            # cluster deploy mode: spark-submit ended long before the driver; the job's file tells
            try:
                return int(json.loads(self._outcome_file.read_text())["exit_code"])
            except (OSError, ValueError, KeyError):
                return None  # no outcome: unknown, so Airflow decides (a retry)
        # The provider keeps the spark-submit process on its hook; its exception carries only text.
        process = getattr(self._hook, "_submit_sp", None)
        return None if process is None else process.returncode

    def _get_hook(self):
        # The provider builds its hook from self.env_vars, a templated field that Airflow has
        # already rendered and stored by now; the secrets join it only for this call.
        rendered_env = self.env_vars
        self.env_vars = {**(rendered_env or {}), **self._secret_values()}
        try:
            return super()._get_hook()
        finally:
            self.env_vars = rendered_env

    def _secret_values(self) -> dict[str, str]:
        values = {}
        for env_name, (conn_id, field) in self.secret_env.items():
            value = getattr(BaseHook.get_connection(conn_id), field)
            if value is None:
                raise AirflowFailException(f"connection {conn_id!r} has no {field} for {env_name}")
            values[env_name] = str(value)
        return values
