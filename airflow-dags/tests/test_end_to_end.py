"""Real Airflow (`airflow dags test`) running the DAGs, whose SparkSubmitOperator calls the real
spark-submit of .venv's pyspark on the shaded jar in local mode, on data generated here."""
import csv
import json
import pathlib
import sys
import threading
from datetime import datetime, timedelta

import pytest
import yaml

from conftest import DAGS_FOLDER, rendered_fields
from kindling_airflow.operator import NOT_RETRIED

DAG = "kindling_orders"  # the orders pipeline: snapshot, then verify
GOOD_DAY, BAD_DAY, MISSING_DAY, TIMEOUT_DAY = "2024-02-02", "2024-02-03", "2024-02-04", "2031-03-03"
HEADER = ["order_id", "customer", "category", "amount", "ordered_at"]
SECRET = "pa55-w0rd-never-logged"


def orders(day, count, malformed=0):
    """`count` orders of `day`; the first `malformed` have an amount that is not a number."""
    return [[1000 + i, f"customer {i}", ("Sports", "Books", "Garden")[i % 3],
             "lots" if i < malformed else f"{10 + i % 1000}.50",
             (datetime.fromisoformat(day) + timedelta(hours=8, seconds=i % 36_000)).isoformat(" ")] for i in range(count)]


def land(landing_dir, day, rows):
    path = pathlib.Path(landing_dir) / "orders" / f"{day}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        csv.writer(file).writerows([HEADER, *rows])


@pytest.fixture(scope="module")
def first_run(run_dag, landing_dir, read_partition):
    land(landing_dir, GOOD_DAY, orders(GOOD_DAY, 20))
    run = run_dag(DAG, GOOD_DAY, task="snapshot")
    return run, read_partition("sales.orders", "ds", GOOD_DAY)


def test_a_run_writes_the_logical_dates_partition_and_verifies_it(first_run):
    run, partition = first_run
    assert (run.code, run.tasks) == (0, {"snapshot": ("success", 1), "verify": ("success", 1)}), run.log[-3000:]
    expected = [{"order_id": row[0], "customer": row[1], "category": row[2], "amount": row[3],
                 "ordered_at": row[4], "ds": GOOD_DAY} for row in orders(GOOD_DAY, 20)]
    assert sorted(partition["rows"], key=lambda row: row["order_id"]) == expected


def test_the_task_logs_have_the_jobs_json_lines_naming_the_airflow_run(first_run):
    run, _ = first_run
    lines = run.job_log()
    for task in ("snapshot", "verify"):
        task_lines = [line for line in lines if line["task_id"] == task]
        kindling_lines = [line for line in task_lines if line["logger"] == "dev.kindling.run"]
        assert kindling_lines, task
        for line in task_lines:
            assert (line["dag_id"], line["try_number"], line["job"]) == (DAG, "1", task)
            assert line["dag_run_id"] == line["run_id"] == run.run_id
            assert (line["logical_date"], line["env"]) == (GOOD_DAY, "local")
        assert f"{task} finished: exit code 0" in kindling_lines[-1]["message"]
    assert {line["task_id"] for line in lines} == {"snapshot", "verify"}


def test_a_second_run_of_the_same_date_leaves_identical_content(first_run, run_dag, read_partition):
    _, first_partition = first_run
    again = run_dag(DAG, GOOD_DAY, task="snapshot")
    assert (again.code, again.state, again.tasks["verify"][0]) == (0, "success", "success"), again.log[-3000:]
    assert again.run_id != first_run[0].run_id
    second_partition = read_partition("sales.orders", "ds", GOOD_DAY)
    assert second_partition["rows"] == first_partition["rows"]
    assert second_partition["snapshot"] != first_partition["snapshot"]  # a new snapshot was published


def test_bad_data_fails_the_task_with_exit_3_and_no_retry(run_dag, landing_dir):
    land(landing_dir, BAD_DAY, orders(BAD_DAY, 10, malformed=5))
    run = run_dag(DAG, BAD_DAY, task="snapshot")
    assert run.code != 0
    assert run.tasks == {"snapshot": ("failed", 1), "verify": ("upstream_failed", 0)}, run.log[-3000:]
    assert f"kindling snapshot exited with code 3: {NOT_RETRIED[3]}; not retrying" in run.log
    assert f"KINDLING ALERT dag={DAG} task=snapshot run={run.run_id} logical_date={BAD_DAY} try=1/4" in run.log
    assert any(line["message"].startswith("snapshot ended with exit code 3") for line in run.job_log())


def test_a_missing_input_fails_the_task_with_exit_2_and_no_retry(run_dag):
    run = run_dag(DAG, MISSING_DAY, task="snapshot")
    assert (run.state, run.try_number) == ("failed", 1), run.log[-3000:]
    assert f"kindling snapshot exited with code 2: {NOT_RETRIED[2]}; not retrying" in run.log


@pytest.fixture(scope="module")
def probe_spec(tmp_path_factory):
    """DAGs made up for the tests: short retry delay and timeout, a JDBC secret from a connection."""
    shipped = yaml.safe_load((DAGS_FOLDER / "jobs.yaml").read_text())
    entry = {"job": "snapshot", "description": "test probe", "start_date": "2024-01-01"}
    options = {"--format": "csv", "--target": "probe.orders",
               "--source": "{{ var.json.kindling.landing_dir }}/orders/{{ ds }}.csv"}
    document = {"defaults": shipped["defaults"], "dags": {
        "retry_probe": {**entry, "retries": 1, "retry_delay": "PT1S", "options": options,
                        "secret_env": {"KINDLING_JDBC_USER": "warehouse_db.login",
                                       "KINDLING_JDBC_PASSWORD": "warehouse_db.password"}},
        # 1 KiB input splits: the 200k-row input becomes thousands of tasks, far more than any machine
        # runs within the timeout, so the timeout always strikes mid-job, whatever the machine's speed.
        # (Files are split only when read line by line: by default each CSV file is read whole.)
        "timeout_probe": {**entry, "retries": 0, "execution_timeout": "PT20S",
                          "options": {**options, "--no-quoted-newlines": True,
                                      "--conf": ["spark.sql.files.maxPartitionBytes=1024"]}},
    }}
    path = tmp_path_factory.mktemp("spec") / "jobs.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture(scope="module")
def fake_spark_home(tmp_path_factory):
    """A SPARK_HOME whose spark-submit records its arguments and environment, then exits as told."""
    home = tmp_path_factory.mktemp("fake-spark")
    script = home / "bin" / "spark-submit"
    script.parent.mkdir()
    script.write_text(f"""#!{sys.executable}
import json, os, sys
seen = {{name: value for name, value in os.environ.items() if name.startswith(("KINDLING_", "AIRFLOW_CTX_"))}}
with open(os.environ["FAKE_SPARK_RECORD"], "a") as record:
    record.write(json.dumps({{"argv": sys.argv[1:], "env": seen}}) + "\\n")
sys.exit(int(os.environ["FAKE_SPARK_EXIT"]))
""")
    script.chmod(0o755)
    return home


def test_exit_1_is_retried_and_secrets_reach_only_the_jobs_environment(run_dag, probe_spec, fake_spark_home,
                                                                        airflow_home, tmp_path):
    record = tmp_path / "spark-submit.jsonl"
    connection = {"conn_type": "generic", "login": "etl_reader", "password": SECRET}
    run = run_dag("kindling_retry_probe", GOOD_DAY, spec=probe_spec, env={
        "SPARK_HOME": str(fake_spark_home), "FAKE_SPARK_RECORD": str(record), "FAKE_SPARK_EXIT": "1",
        "AIRFLOW_CONN_WAREHOUSE_DB": json.dumps(connection)})
    assert (run.state, run.try_number) == ("failed", 2), run.log[-3000:]
    assert "kindling snapshot exited with code 1; Airflow retries it while retries are left" in run.log
    # One alert, for the try that failed for good; the first try only went up for retry.
    assert run.log.count("KINDLING ALERT") == 1
    assert "KINDLING ALERT dag=kindling_retry_probe task=snapshot" in run.log and "try=2/2" in run.log
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    assert [call["env"]["AIRFLOW_CTX_TRY_NUMBER"] for call in calls] == ["1", "2"]
    for call in calls:
        assert call["env"]["KINDLING_JDBC_USER"] == "etl_reader"
        assert call["env"]["KINDLING_JDBC_PASSWORD"] == SECRET
        assert SECRET not in " ".join(call["argv"])
        assert call["argv"][call["argv"].index("--logical-date") + 1] == GOOD_DAY
    stored = rendered_fields(airflow_home, "kindling_retry_probe")
    assert "--logical-date" in stored and "AIRFLOW_CTX_DAG_ID" in stored
    assert SECRET not in stored and "KINDLING_JDBC_PASSWORD" not in stored
    assert SECRET not in run.log


def kindling_jvms(marker):
    """{pid: command line} of the JVMs whose command line has `marker` in it."""
    found = {}
    for proc in pathlib.Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "java" in command and marker in command:
            found[int(proc.name)] = command
    return found


def test_execution_timeout_kills_the_spark_driver(run_dag, probe_spec, landing_dir):
    # The probe's 20 s timeout strikes mid-job: the driver logs its first line ~5 s after
    # spark-submit starts, and the probe's tiny input splits keep the write busy far longer.
    land(landing_dir, TIMEOUT_DAY, orders(TIMEOUT_DAY, 200_000))
    marker = f"kindling_timeout_probe.snapshot.{TIMEOUT_DAY}"  # the Spark application name
    seen, done = {}, threading.Event()

    def watch():
        while not done.is_set():
            seen.update(kindling_jvms(marker))
            done.wait(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        run = run_dag("kindling_timeout_probe", TIMEOUT_DAY, spec=probe_spec)
    finally:
        done.set()
        watcher.join()
    assert (run.state, run.try_number) == ("failed", 1), run.log[-3000:]
    assert "AirflowTaskTimeout" in run.log
    assert "snapshot finished" not in run.log  # killed mid-run, not finished and then timed out
    drivers = [pid for pid, command in seen.items() if "org.apache.spark.launcher.Main" not in command]
    assert drivers, f"the driver JVM was never seen running; seen: {seen}"
    assert run.job_log(), "the driver was killed before the job started"
    assert kindling_jvms(marker) == {}
    assert not [pid for pid in seen if pathlib.Path(f"/proc/{pid}").exists()]
