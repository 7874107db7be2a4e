"""Grafana's provisioning files: well-formed, up to date with their generator, and every alert rule
evaluated against the real Graphite after real runs of the job (the rule fires when it should and
stays silent when it should not)."""
import json
import pathlib
import uuid

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "docker" / "grafana"
PROVISIONING = GRAFANA / "provisioning"
SCHEMA = "id INT, name STRING, amount INT"


def load_generator():
    import importlib.util
    spec = importlib.util.spec_from_file_location("generate_provisioning", GRAFANA / "generate_provisioning.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = load_generator()
RULES = yaml.safe_load((PROVISIONING / "alerting" / "kindling-rules.yaml").read_text())


def all_rules():
    return [rule for group in RULES["groups"] for rule in group["rules"]]


def test_committed_files_are_what_the_generator_writes():
    for relative, content in generator.files().items():
        assert (PROVISIONING / relative).read_text() == content, f"{relative} is stale: run {GRAFANA / 'generate_provisioning.py'}"


def test_every_job_jobs_yaml_schedules_gets_a_dashboard_and_rules_from_the_spec():
    dags = yaml.safe_load((ROOT / "airflow-dags" / "jobs.yaml").read_text())["dags"]
    assert set(generator.JOBS) == {task["job"] for entry in dags.values()
                                   for task in ([entry] if "job" in entry else entry["tasks"].values())}
    assert {f"kindling-{job}-{kind}" for job in generator.JOBS for kind in ("failed", "not-run", "rows-dropped", "quarantined")} \
        == {rule["uid"] for rule in all_rules()}
    assert {path.stem for path in (PROVISIONING / "dashboards" / "kindling").glob("*.json")} == set(generator.JOBS)
    assert generator.PREFIX == "kindling.prod", "from the jar's declared metrics.prefix default, kindling.${env}"


@pytest.mark.parametrize("schedule, hours", [
    ("0 2 * * *", 24), ("@daily", 24), ("15 * * * *", 1), ("0 6 * * 1", 7 * 24), ("0 0 1 * *", 31 * 24)])
def test_did_not_run_follows_the_schedule(schedule, hours):
    assert generator.period_seconds(schedule) == hours * 3600


def test_a_scheduled_job_the_jar_does_not_have_is_refused(tmp_path):
    jobs_yaml = tmp_path / "jobs.yaml"
    defaults = yaml.safe_load((GRAFANA.parents[1] / "airflow-dags" / "jobs.yaml").read_text())["defaults"]
    entry = {"description": "d", "start_date": "2024-01-01", "options": {"--source": "/x", "--target": "a.b"}}
    jobs_yaml.write_text(yaml.safe_dump({"defaults": defaults, "dags": {"orders": {**entry, "job": "resnapshot"}}}))
    with pytest.raises(ValueError, match="dags.orders.job: 'resnapshot' is not allowed; expected one of"):
        generator.scheduled_jobs(jobs_yaml)
    jobs_yaml.write_text(yaml.safe_dump({"defaults": defaults, "dags": {"orders": {**entry, "job": "snapshot", "schedule": "*/5 * * * *"}}}))
    with pytest.raises(ValueError, match="only hourly, daily, weekly and monthly"):
        generator.scheduled_jobs(jobs_yaml)


def test_a_dag_on_assets_is_expected_as_often_as_the_slowest_dag_writing_them():
    jobs = generator.scheduled_jobs()
    grace = generator.GRACE_SECONDS
    # export_orders waits for the orders pipeline's daily snapshot and verify
    assert jobs["export"]["expected_every_seconds"] == jobs["snapshot"]["expected_every_seconds"] == 24 * 3600 + grace
    assert jobs["audience"]["expected_every_seconds"] == 7 * 24 * 3600 + grace


def test_provisioning_structure():
    datasources = yaml.safe_load((PROVISIONING / "datasources" / "graphite.yaml").read_text())
    assert datasources["apiVersion"] == 1
    (graphite,) = datasources["datasources"]
    assert graphite["type"] == "graphite" and graphite["uid"] == generator.DATASOURCE_UID

    providers = yaml.safe_load((PROVISIONING / "dashboards" / "kindling.yaml").read_text())["providers"]
    assert providers[0]["type"] == "file"
    for job in generator.JOBS:
        board = json.loads((PROVISIONING / "dashboards" / "kindling" / f"{job}.json").read_text())
        assert board["uid"] == f"kindling-{job}"
        titles = [p["title"] for p in board["panels"]]
        assert titles == ["Runs", "Duration", "Rows", "Quarantined", "Duplicates", "Data quality"]
        assert all(p["datasource"]["uid"] == generator.DATASOURCE_UID for p in board["panels"])

    assert RULES["apiVersion"] == 1
    uids = [rule["uid"] for rule in all_rules()]
    assert len(uids) == len(set(uids)) == 4 * len(generator.JOBS)
    for rule in all_rules():
        refs = [query["refId"] for query in rule["data"]]
        assert rule["condition"] in refs
        assert rule["data"][0]["datasourceUid"] == generator.DATASOURCE_UID
        assert all(query["datasourceUid"] == "__expr__" for query in rule["data"][1:])
        assert rule["noDataState"] in ("OK", "Alerting", "NoData")
        assert rule["labels"]["job"] in generator.JOBS


def alerts_of_each_job(document):
    """jobs.yaml as written, read apart from the generator: job -> (the e-mail addresses, the webhook
    connections) of the `alerts` of the DAGs running it (an entry's keys over the defaults')."""
    found = {}
    for entry in document["dags"].values():
        alerts = {**document["defaults"]["alerts"], **(entry.get("alerts") or {})}
        for task in [entry] if "job" in entry else entry["tasks"].values():
            email, webhooks = found.setdefault(task["job"], (set(), set()))
            email.update(alerts["email"])
            webhooks.update([alerts["webhook_conn_id"]] if alerts["webhook_conn_id"] else [])
    return found


def test_grafana_notifies_whom_the_airflow_alerts_notify():
    contact_points = {point["name"]: point["receivers"] for point in
                      yaml.safe_load((PROVISIONING / "alerting" / "kindling-contact-points.yaml").read_text())["contactPoints"]}
    (policy,) = yaml.safe_load((PROVISIONING / "alerting" / "kindling-policies.yaml").read_text())["policies"]
    routed = {tuple(route["object_matchers"][0]): route["receiver"] for route in policy["routes"]}
    assert policy["receiver"] in contact_points
    expected = alerts_of_each_job(yaml.safe_load((ROOT / "airflow-dags" / "jobs.yaml").read_text()))
    assert {rule["labels"]["job"] for rule in all_rules()} == set(expected)
    for job, (email, webhooks) in expected.items():
        receivers = contact_points[routed[("job", "=", job)]]
        addresses = [r["settings"]["addresses"] for r in receivers if r["type"] == "email"]
        assert set(";".join(addresses).split(";")) - {""} == email
        assert {r["settings"]["url"] for r in receivers if r["type"] == "webhook"} == \
            {"${%s_WEBHOOK_URL}" % webhook.upper() for webhook in webhooks}  # the URL comes from Grafana's environment
    assert all(uid for receivers in contact_points.values() for uid in receivers)


def test_a_job_notifies_the_recipients_of_every_dag_running_it(tmp_path):
    shipped = yaml.safe_load((ROOT / "airflow-dags" / "jobs.yaml").read_text())
    entry = {"job": "snapshot", "description": "d", "start_date": "2024-01-01", "options": {"--source": "/x", "--target": "a.b"}}
    document = {"defaults": shipped["defaults"], "dags": {
        "orders": entry,
        "customers": {**entry, "options": {"--source": "/y", "--target": "a.c"},
                      "alerts": {"email": ["crm@kindling.example"], "webhook_conn_id": "crm_chat"}}}}
    jobs_yaml = tmp_path / "jobs.yaml"
    jobs_yaml.write_text(yaml.safe_dump(document))
    snapshot = generator.scheduled_jobs(jobs_yaml)["snapshot"]
    assert (snapshot["email"], snapshot["webhooks"]) == (
        sorted(["crm@kindling.example", *shipped["defaults"]["alerts"]["email"]]), ["crm_chat", "kindling_chat"])
    assert alerts_of_each_job(document)["snapshot"] == (set(snapshot["email"]), set(snapshot["webhooks"]))

    document["dags"] = {"orders": {**entry, "alerts": {"email": [], "webhook_conn_id": None}}}
    jobs_yaml.write_text(yaml.safe_dump(document))
    with pytest.raises(ValueError, match="no DAG running snapshot names an alert recipient"):
        generator.scheduled_jobs(jobs_yaml)


def evaluate(rule, graphite, prefix):
    """Grafana's evaluation of one rule (query, reduce with drop-non-numeric, threshold), with the
    test's metric prefix, and ranges and windows shrunk to the test Graphite's 1 s / 6 h retention."""
    query, reduction, condition = rule["data"]
    target = query["model"]["target"].replace(generator.PREFIX, prefix).replace(f"'{generator.MEDIAN_WINDOW}'", "'30min'")
    seconds = min(query["relativeTimeRange"]["from"], 3 * 3600)
    values = [v for series in graphite.render(target, since=f"-{seconds}s") for v, _ in series["datapoints"] if v is not None]
    if not values:
        return {"OK": "Normal", "Alerting": "Alerting", "NoData": "NoData"}[rule["noDataState"]]
    reduced = {"last": values[-1], "count": len(values), "max": max(values), "min": min(values)}[reduction["model"]["reducer"]]
    evaluator = condition["model"]["conditions"][0]["evaluator"]
    limit = evaluator["params"][0]
    fires = reduced > limit if evaluator["type"] == "gt" else reduced < limit
    return "Alerting" if fires else "Normal"


def rule(kind):
    return next(r for r in all_rules() if r["uid"] == f"kindling-snapshot-{kind}")


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grafana-data")

    def orders(name, rows, bad=0):
        lines = [f"{i},c{i},{i}" for i in range(1, rows + 1)] + ["x,broken,row"] * bad
        path = folder / name
        path.write_text("id,name,amount\n" + "\n".join(lines) + "\n")
        return path

    return {"twenty": orders("twenty.csv", 20), "five": orders("five.csv", 5), "dirty": orders("dirty.csv", 20, bad=2)}


def run(kindling, graphite, prefix, source, date):
    return kindling("snapshot", "--source", str(source), "--format", "csv", "--schema", SCHEMA,
                    "--target", "grafana.orders", "--logical-date", date,
                    "--conf", "graphite.host=127.0.0.1", "--conf", f"graphite.port={graphite.line_port}",
                    "--conf", f"metrics.prefix={prefix}")


def test_alert_rules_fire_for_bad_runs_and_stay_silent_for_good_ones(graphite, kindling, csv_files):
    good, bad = f"kindling.ok{uuid.uuid4().hex[:6]}", f"kindling.ko{uuid.uuid4().hex[:6]}"
    assert run(kindling, graphite, good, csv_files["twenty"], "2024-05-01").code == 0
    assert run(kindling, graphite, good, csv_files["twenty"], "2024-05-02").code == 0
    assert run(kindling, graphite, bad, csv_files["dirty"], "2024-05-01").code == 3
    graphite.last(f"{good}.snapshot.rows_written")
    graphite.last(f"{bad}.snapshot.failed")

    for each in (r for r in all_rules() if r["labels"]["job"] == "snapshot"):  # the runs above are snapshot's
        target = each["data"][0]["model"]["target"].replace(generator.PREFIX, good).replace("'7d'", "'30min'")
        assert graphite.points(target), f"rule {each['uid']}: its target returns no data after good runs"

    assert evaluate(rule("failed"), graphite, good) == "Normal"
    assert evaluate(rule("failed"), graphite, bad) == "Alerting"
    assert evaluate(rule("not-run"), graphite, good) == "Normal"
    assert evaluate(rule("not-run"), graphite, bad) == "Alerting", "no success at all is no data, and no data alerts"
    assert evaluate(rule("quarantined"), graphite, good) == "Normal"
    assert evaluate(rule("quarantined"), graphite, bad) == "Alerting"
    assert evaluate(rule("rows-dropped"), graphite, good) == "Normal"

    assert run(kindling, graphite, good, csv_files["five"], "2024-05-03").code == 0
    assert graphite.last(f"{good}.snapshot.rows_written", expect=5) == 5
    # once seen Normal in CI and never since: the message keeps the series the rule saw, for the next time
    assert evaluate(rule("rows-dropped"), graphite, good) == "Alerting", (
        "5 rows against a median of 20", graphite.points(f"{good}.snapshot.rows_written", since="-3h"),
        graphite.points(f"divideSeries({good}.snapshot.rows_written, movingMedian({good}.snapshot.rows_written, '30min', 0))", since="-3h"))
    assert evaluate(rule("failed"), graphite, good) == "Normal"
