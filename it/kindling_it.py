"""Helpers shared by every Python test suite (it/*, airflow-dags/tests): where the repository is,
running bin/kindling, and reading a run's JSON log lines. A module of its own, on the path through
pytest.ini, because pytest loads every conftest.py under the same name."""
import json
import os
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
KINDLING = ROOT / "bin" / "kindling"
# lines the JVM prints before Kindling's logging is configured
JVM_NOISE = ("WARNING: Using incubator modules",)

sys.path.insert(0, str(ROOT / "bin" / "lib"))
from processes import free_port, stop_pid, wait_for_port  # noqa: E402,F401 (re-exported for the tests)


class Run:
    """A finished bin/kindling run: its exit code, stdout, stderr lines without JVM noise, duration."""

    def __init__(self, code: int, stdout: str, stderr: str, seconds: float = 0.0):
        self.code = code
        self.out = stdout
        self.err_lines = [line for line in stderr.splitlines() if not line.startswith(JVM_NOISE)]
        self.seconds = seconds

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.err_lines if line.startswith("{")]

    def warnings(self) -> list[dict]:
        return [line for line in self.json_lines() if line["level"] == "WARN"]


# A marketplace small enough for the cluster tests (bin/kindling demo-data options), and an audience of it
# that is not empty: the same sentence on every path (the job, the DSL, the DAG) must give the same list.
SMALL_MARKETPLACE = ("--logical-date", "2017-01-01", "--users", "2000", "--transactions", "30000", "--seed", "5")
SPORTS_NEAR_TORUN = ('users().withPermissionToMailing().soldAtLeast(1, "Sports", between("2017-01-01", "2017-03-31"))'
                     '.livingNear("87-100", 30)')


def run_kindling(*args, work_dir, env=None, on_line=None, timeout=600) -> Run:
    """Runs bin/kindling with KINDLING_WORK_DIR=work_dir; with on_line, calls it with each stderr line as
    it comes and the process (to act mid-run)."""
    started = time.time()
    environment = dict(os.environ, KINDLING_WORK_DIR=str(work_dir), **(env or {}))
    process = subprocess.Popen([str(KINDLING), *args], cwd=ROOT, text=True, env=environment,
                               stdout=subprocess.PIPE if on_line is None else subprocess.DEVNULL, stderr=subprocess.PIPE)
    if on_line is None:
        stdout, stderr = process.communicate(timeout=timeout)
        return Run(process.returncode, stdout, stderr, time.time() - started)
    lines = []
    for line in process.stderr:
        lines.append(line)
        on_line(line, process)
    process.wait(timeout=timeout)
    return Run(process.returncode, "", "".join(lines), time.time() - started)


def read_partition(table: str, column: str, value: str, work_dir=None, spark_conf_dir=None, count_only=False) -> dict:
    """One partition read back in a separate process (it/read_table.py): from a work dir's embedded
    metastore, or with spark_conf_dir from the metastore its hive-site.xml names. Column and value "-":
    the whole table (one without partitions, as a mailing list)."""
    env = dict(os.environ, PYSPARK_SUBMIT_ARGS=(
        f"--driver-java-options \"-Dlog4j2.configurationFile={ROOT / 'conf' / 'log4j2-bootstrap.properties'}"
        f" -Dderby.stream.error.file={work_dir or '/tmp'}/derby-reader.log\" pyspark-shell"))
    if spark_conf_dir is not None:
        env["SPARK_CONF_DIR"] = str(spark_conf_dir)
    completed = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "it" / "read_table.py"),
                                str(work_dir or "-"), table, column, value, *(["count"] if count_only else [])],
                               capture_output=True, text=True, env=env, timeout=300)
    if completed.returncode != 0:
        raise AssertionError(f"reading {table} ({column}='{value}') failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def model_pointer(model_dir: pathlib.Path) -> dict:
    """A model's current pointer (train's highest pointer/<n>.properties, naming its current version), a Java
    properties file whose writer escapes ':' and '=' in values."""
    lines = max((model_dir / "pointer").glob("[0-9]*.properties")).read_text().splitlines()
    return {key: re.sub(r"\\(.)", r"\1", value) for key, value in
            (line.split("=", 1) for line in lines if line and not line.startswith("#"))}
