"""OpenLineage from bin/kindling runs, collected by a receiver of the test's own: which run wrote a table,
from what, and who started that run. Lineage is best-effort: a receiver that is down or hangs never
changes a run's exit code or output."""
import uuid

from kindling_it import free_port
from lineage_receiver import LineageReceiver, kindling_events
from test_cli import SCHEMA, write_csv

# what Airflow's OpenLineage provider (or the operator) passes to spark-submit: the task's run and the DAG run's
AIRFLOW_TASK_RUN, AIRFLOW_DAG_RUN = str(uuid.uuid4()), str(uuid.uuid4())
AIRFLOW_PARENT = ("--conf", "spark.openlineage.parentJobNamespace=airflow", "--conf", "spark.openlineage.parentJobName=kindling_snapshot.snapshot",
                  "--conf", f"spark.openlineage.parentRunId={AIRFLOW_TASK_RUN}",
                  "--conf", "spark.openlineage.rootParentJobNamespace=airflow", "--conf", "spark.openlineage.rootParentJobName=kindling_snapshot",
                  "--conf", f"spark.openlineage.rootParentRunId={AIRFLOW_DAG_RUN}")
SECRET = "lineage-secret-8c1f"


def snapshot(kindling, source, target, day, *conf, env=None):
    return kindling("snapshot", "--source", str(source), "--format", "csv", "--schema", SCHEMA, "--target", target,
                    "--logical-date", day, "--max-bad-ratio", "0.05", *conf, env=env)


def parent_of(event) -> tuple[str, str, str]:
    parent = event["run"]["facets"]["parent"]
    return parent["job"]["namespace"], parent["job"]["name"], parent["run"]["runId"]


def root_of(event) -> str:
    return event["run"]["facets"]["parent"]["root"]["run"]["runId"]


def test_a_table_leads_to_the_run_that_wrote_it_its_source_and_the_airflow_task(kindling, read_partition, work_dir, tmp_path):
    source = write_csv(tmp_path / "orders.csv", 50, extra=["oops,bad,row"])
    airflow_env = {"AIRFLOW_CTX_DAG_ID": "kindling_snapshot", "AIRFLOW_CTX_TASK_ID": "snapshot", "AIRFLOW_CTX_TRY_NUMBER": "2",
                   "AIRFLOW_CTX_DAG_RUN_ID": "scheduled__2024-02-02", "KINDLING_JDBC_PASSWORD": SECRET}
    with LineageReceiver() as receiver:
        run = snapshot(kindling, source, "lin.orders", "2024-02-02", "--run-id", "lineage-1", "--conf", f"lineage.url={receiver.url}",
                       *AIRFLOW_PARENT, env=airflow_env)
        assert run.code == 0, run.err_lines[-10:]
        # the application's COMPLETE is the listener's last event; Kindling's own comes just before it
        events = receiver.wait_for(lambda got: kindling_events(got, "snapshot")
                                   and any(e["job"]["name"] == "kindling_snapshot" and e["eventType"] == "COMPLETE" for e in got))
        bodies = list(receiver.bodies)

    # Kindling's run: its facts, and the Airflow task (with the DAG run as root) that started it
    [own] = kindling_events(events, "snapshot")
    assert own["eventType"] == "COMPLETE" and own["job"]["namespace"] == "kindling-local"
    assert own["run"]["facets"]["kindling"] | {"_producer": None, "_schemaURL": None} == {
        "_producer": None, "_schemaURL": None, "job": "snapshot", "run_id": "lineage-1", "logical_date": "2024-02-02", "env": "local",
        "dag_id": "kindling_snapshot", "task_id": "snapshot", "try_number": "2", "dag_run_id": "scheduled__2024-02-02",
        "rows_read": 51, "rows_written": 50, "rows_quarantined": 1, "exit_code": 0,
        "published_snapshots": own["run"]["facets"]["kindling"]["published_snapshots"]}
    assert parent_of(own) == ("airflow", "kindling_snapshot.snapshot", AIRFLOW_TASK_RUN)
    assert root_of(own) == AIRFLOW_DAG_RUN
    # what it published, named as the Airflow task's asset is named
    assert [(o["namespace"], o["name"]) for o in own["outputs"]] == [("kindling://hive", "lin.orders")]
    kindling_run = own["run"]["runId"]

    # the Spark application is a child of Kindling's run, under the same root
    application = [e for e in events if e["job"]["name"] == "kindling_snapshot"]
    assert {e["eventType"] for e in application} == {"START", "COMPLETE"}
    assert {parent_of(e) for e in application} == {("kindling-local", "snapshot", kindling_run)}
    assert {root_of(e) for e in application} == {AIRFLOW_DAG_RUN}
    application_run = application[0]["run"]["runId"]

    # the table lin.orders: its partition was published by a query of that application ...
    publishing = [e for e in events if e["eventType"] == "COMPLETE" and any(
        (identifier["name"], identifier["type"]) == ("lin.orders", "TABLE")
        for output in e.get("outputs", []) for identifier in output.get("facets", {}).get("symlinks", {}).get("identifiers", []))]
    assert publishing, [e["job"]["name"] for e in events]
    assert {e["run"]["facets"]["parent"]["run"]["runId"] for e in publishing} == {application_run}
    # ... and the rows came from the CSV file, staged into the Iceberg tables lin.orders and lin.orders_quarantine:
    # one job name for each write, the same in every run (no WAP id or staging path in it)
    writes = [e for e in events if e["eventType"] == "COMPLETE" and e["job"]["name"].endswith(".overwrite_partitions_dynamic")]
    assert len(writes) == 2, sorted({(e["job"]["name"], e["eventType"]) for e in events})
    assert {e["run"]["facets"]["parent"]["run"]["runId"] for e in writes} == {application_run}
    assert all([(i["namespace"], i["name"]) for i in e["inputs"]] == [("file", str(source))] for e in writes)
    assert sorted(o["name"] for e in writes for o in e["outputs"]) == [
        str(work_dir / "warehouse" / "lin" / "orders"), str(work_dir / "warehouse" / "lin" / "orders_quarantine")]

    assert not [body for body in bodies if SECRET in body], "a secret reached a lineage event"
    published = read_partition("lin.orders", "ds", "2024-02-02")
    assert sorted(row["id"] for row in published["rows"]) == list(range(1, 51))
    # the table's current snapshot leads back to this run: the output's version, and the kindling facet
    assert own["outputs"][0]["facets"]["version"]["datasetVersion"] == str(published["snapshot"])
    assert own["run"]["facets"]["kindling"]["published_snapshots"]["lin.orders"] == published["snapshot"]


def test_a_receiver_that_is_down_or_hangs_changes_neither_the_exit_code_nor_the_output(kindling, read_partition, tmp_path):
    source = write_csv(tmp_path / "orders.csv", 20)
    # a token in the receiver's URL (user info and query) is masked in every line the run prints
    down = snapshot(kindling, source, "lin.down", "2024-02-03", "--conf", f"lineage.url=http://lineage:pl4nted@127.0.0.1:{free_port()}/?api_key=pl4nted")
    assert down.code == 0, down.err_lines[-10:]
    assert "pl4nted" not in down.out + "".join(down.err_lines)
    assert any("lineage:***@127.0.0.1" in line["message"] and "api_key=***" in line["message"] for line in down.warnings())
    with LineageReceiver(hang=True) as hanging:
        hung = snapshot(kindling, source, "lin.hung", "2024-02-03", "--conf", f"lineage.url={hanging.url}")
    assert hung.code == 0, hung.err_lines[-10:]
    print(f"receiver down: {down.seconds:.1f} s, receiver hanging: {hung.seconds:.1f} s")
    for run in (down, hung):
        assert any("lineage: could not send the run's event" in line["message"] or "did not take the run's event" in line["message"]
                   for line in run.warnings())
        assert [line for line in run.json_lines() if "snapshot finished: exit code 0" in line["message"]]
    for table in ("lin.down", "lin.hung"):
        assert sorted(row["id"] for row in read_partition(table, "ds", "2024-02-03")["rows"]) == list(range(1, 21))
