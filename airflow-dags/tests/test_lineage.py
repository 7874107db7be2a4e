"""OpenLineage under real Airflow (`airflow dags test`): the OpenLineage provider reports the task and
passes its run to the job, so the table a task wrote leads back to the DAG run and the try."""
import json

import pytest

from lineage_receiver import LineageReceiver, kindling_events
from test_end_to_end import DAG, GOOD_DAY, SECRET, land, orders

NAMESPACE = "airflow-lineage-test"


@pytest.fixture(scope="module")
def lineage_run(run_dag, landing_dir):
    land(landing_dir, GOOD_DAY, orders(GOOD_DAY, 20))
    with LineageReceiver() as receiver:
        run = run_dag(DAG, GOOD_DAY, task="snapshot", env={
            "KINDLING_LINEAGE_URL": receiver.url,
            "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps({"type": "http", "url": receiver.url, "endpoint": "api/v1/lineage"}),
            "AIRFLOW__OPENLINEAGE__NAMESPACE": NAMESPACE,
            # a secret in the job's environment, as the export job gets its password, must reach no event
            "KINDLING_JDBC_PASSWORD": SECRET})
        events = receiver.wait_for(lambda got: len(kindling_events(got, "verify")) == 1 and len(kindling_events(got, "snapshot")) == 1)
        return run, events, list(receiver.bodies)


def test_the_jobs_run_names_the_airflow_task_try_and_dag_run_as_its_parent(lineage_run):
    run, events, _ = lineage_run
    assert (run.code, run.tasks) == (0, {"snapshot": ("success", 1), "verify": ("success", 1)}), run.log[-3000:]
    [own] = kindling_events(events, "snapshot")
    facts = own["run"]["facets"]["kindling"]
    assert (facts["dag_id"], facts["task_id"], facts["try_number"], facts["dag_run_id"]) == (DAG, "snapshot", "1", run.run_id)
    assert (facts["logical_date"], facts["rows_read"], facts["rows_written"], facts["rows_quarantined"], facts["exit_code"]) == (GOOD_DAY, 20, 20, 0, 0)

    assert "parent" in own["run"]["facets"], "the task passed no parent run to the job"
    parent = own["run"]["facets"]["parent"]
    assert (parent["job"]["namespace"], parent["job"]["name"]) == (NAMESPACE, f"{DAG}.snapshot")
    assert (parent["root"]["job"]["namespace"], parent["root"]["job"]["name"]) == (NAMESPACE, DAG)
    # the provider's own events for that task try and that DAG run carry the same run ids
    task_events = [e for e in events if e["job"]["name"] == f"{DAG}.snapshot" and e["run"]["runId"] == parent["run"]["runId"]]
    assert {e["eventType"] for e in task_events} >= {"START", "COMPLETE"}, [(e["eventType"], e["job"]["name"]) for e in events]
    airflow_facet = next(e for e in task_events if e["eventType"] == "START")["run"]["facets"]["airflow"]
    assert (airflow_facet["dagRun"]["run_id"], airflow_facet["taskInstance"]["try_number"]) == (run.run_id, 1)
    assert any(e["job"]["name"] == DAG and e["run"]["runId"] == parent["root"]["run"]["runId"] for e in events)

    # Spark's runs hang under the Kindling run; the partition it published is of sales.orders
    spark_runs = [e for e in events if e["run"]["facets"].get("parent", {}).get("run", {}).get("runId") == own["run"]["runId"]]
    assert spark_runs and {e["job"]["name"] for e in spark_runs} == {"kindling_snapshot"}
    application_run = spark_runs[0]["run"]["runId"]
    published = [e for e in events if e["run"]["facets"].get("parent", {}).get("run", {}).get("runId") == application_run
                 and any(identifier["name"] == "sales.orders" for output in e.get("outputs", [])
                         for identifier in output["facets"].get("symlinks", {}).get("identifiers", []))]
    assert published


def test_no_event_carries_a_secret(lineage_run):
    _, _, bodies = lineage_run
    assert bodies and not [body for body in bodies if SECRET in body]
