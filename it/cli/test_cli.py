"""bin/kindling end to end through spark-submit, on the embedded default."""
import json
import os
import signal
import subprocess
import time

from kindling_it import KINDLING, ROOT

SCHEMA = "id INT, name STRING, amount INT"


def write_csv(path, rows, extra=()):
    with open(path, "w") as out:
        out.write("id,name,amount\n")
        for i in range(1, rows + 1):
            out.write(f"{i},name{i},{i * 3}\n")
        for line in extra:
            out.write(line + "\n")
    return path


def test_help_and_spec_through_spark_submit(kindling):
    help_run = kindling("--help")
    assert help_run.code == 0
    assert "snapshot" in help_run.out and "Exit codes:" in help_run.out

    spec_run = kindling("spec", "--json")
    assert spec_run.code == 0
    spec = json.loads(spec_run.out)
    options = {o["name"]: o for o in spec["jobs"][0]["options"]}
    assert options["--logical-date"]["required"] is True
    assert options["--format"]["choices"] == ["csv", "json", "parquet", "hive", "jdbc"]


def test_bad_input_is_one_line_and_exit_2(kindling, tmp_path):
    run = kindling("snapshot", "--source", str(tmp_path / "missing.csv"), "--format", "csv",
                   "--target", "cli.orders", "--logical-date", "2024-02-01")
    assert run.code == 2
    assert run.err_lines == [f"kindling snapshot: error: --source '{tmp_path / 'missing.csv'}' does not exist"]


def test_a_hive_source_table_that_does_not_exist_is_exit_2_before_spark_starts(kindling, read_partition, tmp_path):
    source = write_csv(tmp_path / "orders.csv", 5)
    assert kindling("snapshot", "--source", str(source), "--format", "csv", "--schema", SCHEMA,
                    "--target", "cli.hive_source", "--logical-date", "2024-02-05").code == 0

    started = time.monotonic()
    missing = kindling("snapshot", "--source", "cli.no_such_table", "--format", "hive",
                       "--target", "cli.hive_copy", "--logical-date", "2024-02-05")
    print(f"a missing hive source table found in {time.monotonic() - started:.1f} s")
    assert missing.code == 2
    # one line and nothing else: found in the work dir's Derby metastore before logging and Spark start
    assert missing.err_lines == ["kindling snapshot: error: --source table 'cli.no_such_table' does not exist"]

    # the look leaves the database closed for Spark's own Hive client: a table that exists is read
    copy = kindling("snapshot", "--source", "CLI.Hive_Source", "--format", "hive", "--partition-column", "load_date",
                    "--target", "cli.hive_copy", "--logical-date", "2024-02-05")
    assert copy.code == 0, copy.err_lines[-20:]
    rows = read_partition("cli.hive_copy", "load_date", "2024-02-05")["rows"]
    assert sorted(row["id"] for row in rows) == [1, 2, 3, 4, 5]


def test_snapshot_logs_json_and_a_rerun_gives_identical_content(kindling, read_partition, tmp_path):
    source = write_csv(tmp_path / "orders.csv", 50, extra=["oops,bad,row"])
    args = ("snapshot", "--source", str(source), "--format", "csv", "--schema", SCHEMA,
            "--target", "cli.orders", "--logical-date", "2024-02-02", "--run-id", "cli-1", "--max-bad-ratio", "0.05")
    airflow = {"AIRFLOW_CTX_DAG_ID": "kindling_snapshot", "AIRFLOW_CTX_TASK_ID": "snapshot", "AIRFLOW_CTX_TRY_NUMBER": "1",
               # a value from outside is written as given, never looked up by log4j
               "AIRFLOW_CTX_DAG_RUN_ID": "${env:KINDLING_JDBC_PASSWORD}", "KINDLING_JDBC_PASSWORD": "not-in-any-log"}

    first = kindling(*args, env=airflow)
    assert first.code == 0, first.err_lines
    logs = first.json_lines()
    assert logs and len(logs) == len(first.err_lines), "every log line on stderr is JSON"
    assert all(line["job"] == "snapshot" and line["run_id"] == "cli-1" and line["dag_id"] == "kindling_snapshot"
               and line["try_number"] == "1" and line["dag_run_id"] == "${env:KINDLING_JDBC_PASSWORD}" for line in logs)
    assert "not-in-any-log" not in "\n".join(first.err_lines) + first.out
    summary = [line["message"] for line in logs if "finished: exit code 0" in line["message"]]
    assert summary and "rows_read=51" in summary[0] and "rows_written=50" in summary[0] and "rows_quarantined=1" in summary[0]
    before = read_partition("cli.orders", "ds", "2024-02-02")

    second = kindling(*args)
    assert second.code == 0, second.err_lines
    after = read_partition("cli.orders", "ds", "2024-02-02")
    assert len(after["rows"]) == 50
    assert after["rows"] == before["rows"]
    assert after["snapshot"] != before["snapshot"], "the rerun published a new snapshot"


def test_a_killed_run_leaves_the_previous_partition_intact(kindling, read_partition, work_dir, tmp_path):
    small = write_csv(tmp_path / "small.csv", 10)
    assert kindling("snapshot", "--source", str(small), "--format", "csv", "--schema", SCHEMA,
                    "--target", "cli.killed", "--logical-date", "2024-02-03").code == 0
    before = read_partition("cli.killed", "ds", "2024-02-03")

    big = write_csv(tmp_path / "big.csv", 3_000_000)
    metrics_dir = tmp_path / "metrics"
    process = subprocess.Popen([str(KINDLING), "snapshot", "--source", str(big), "--format", "csv", "--schema", SCHEMA,
                                "--target", "cli.killed", "--logical-date", "2024-02-03", "--run-id", "to-be-killed",
                                "--conf", "spark.sql.files.maxPartitionBytes=4m", "--conf", f"metrics.csv.dir={metrics_dir}"],
                               env=dict(os.environ, KINDLING_WORK_DIR=str(work_dir)), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr = []
    deadline = time.time() + 240
    for line in process.stderr:
        stderr.append(line)
        if "to staging" in line:
            time.sleep(1)
            process.send_signal(signal.SIGTERM)
            break
        assert time.time() < deadline, "the run never reached its write"
    out, rest = process.communicate(timeout=120)
    stderr.append(rest)
    assert process.returncode == 143, "".join(stderr)
    logs = [json.loads(line) for line in "".join(stderr).splitlines() if line.startswith("{")]
    assert not [line for line in logs if line["message"].startswith("published ")]

    # one outcome, told the same everywhere: Kindling's last log line, the exit_code metric and the exit status
    # (Spark's executor threads, torn down by its own shutdown hook, may still log after it: "Aborting task")
    kindling_logs = [line for line in logs if line["logger"].startswith("dev.kindling")]
    assert kindling_logs[-1]["message"].startswith("snapshot finished: exit code 143 (interrupted by SIGTERM)"), kindling_logs[-1]
    assert not [line for line in logs if "exit code 1" in line["message"] and "exit code 143" not in line["message"]]
    assert "exit_code=143" in kindling_logs[-1]["message"]
    exit_code_csv = (metrics_dir / "snapshot" / "exit_code.csv").read_text().splitlines()
    assert exit_code_csv[-1].split(",")[-1] == "143", exit_code_csv

    after = read_partition("cli.killed", "ds", "2024-02-03")
    assert after == before
