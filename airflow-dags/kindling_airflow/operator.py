"""SparkSubmitOperator that knows Kindling's exit codes and hands secrets to the job out of sight."""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from kindling_airflow import jar_spec

# Exit codes that a retry cannot fix, as the jar declares them ("retried": false in its spec). Any
# other non-zero code (1: I/O, cluster, a bug; 143: killed) stays an ordinary failure, which Airflow retries.
NOT_RETRIED = jar_spec.not_retried(jar_spec.load())


class KindlingSubmitOperator(SparkSubmitOperator):
    """Runs one Kindling job through spark-submit.

    secret_env maps an environment variable of the job to a field of an Airflow connection
    (e.g. KINDLING_JDBC_PASSWORD -> ("kindling_jdbc", "password")). The values are read when the
    task runs and go only into the spark-submit process environment: never into a templated field,
    so they are neither rendered, stored with the task instance, nor part of the command line.
    """

    def __init__(self, *, job: str, secret_env: Mapping[str, tuple[str, str]] | None = None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(job, str) or not job.strip():
            raise ValueError(f"job: {job!r} is not allowed; expected the name of a Kindling job, e.g. 'snapshot'")
        self.job = job
        self.secret_env = MappingProxyType(dict(secret_env or {}))

    def execute(self, context):
        try:
            super().execute(context)
        except AirflowException as failure:
            code = self._exit_code()
            if code is None:  # spark-submit never ran (e.g. a missing connection): Airflow decides
                raise
            if code in NOT_RETRIED:
                message = f"kindling {self.job} exited with code {code}: {NOT_RETRIED[code]}; not retrying"
                self.log.error(message)
                raise AirflowFailException(message) from failure
            self.log.error("kindling %s exited with code %s; Airflow retries it while retries are left",
                           self.job, code)
            raise

    def _exit_code(self) -> int | None:
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
