#!/usr/bin/env python3
"""Writes Grafana's file provisioning for Kindling: the Graphite datasource, one dashboard per
scheduled job, its alert rules, and who they notify. The jobs are those airflow-dags/jobs.yaml schedules,
each checked against the jar's own spec (airflow-dags/kindling-spec.json), and "did not succeed in time"
follows each job's schedule. A job's rules notify the people the `alerts` of its DAGs in jobs.yaml name
(the same as Airflow's alerts): a contact point per job with their e-mail addresses and chat webhooks,
and a notification policy routing the job's rules to it. The files under provisioning/ are generated: edit jobs.yaml or this script, run
it, commit the output (a test fails when they differ).

    docker/grafana/generate_provisioning.py            # rewrites docker/grafana/provisioning/
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
PROVISIONING = HERE / "provisioning"
DAGS = HERE.parents[1] / "airflow-dags"
DATASOURCE_UID = "kindling-graphite"
# A late run still counts: the schedule's period plus this much before "did not succeed in time" pages.
GRACE_SECONDS = 2 * 3600
# A chat webhook's URL holds a token, so it stays out of git: Grafana reads it from its environment,
# one variable per Airflow HTTP connection (kindling_chat -> KINDLING_CHAT_WEBHOOK_URL) holding the same URL.
WEBHOOK_URL_VARIABLE = "{}_WEBHOOK_URL"
CRON_PRESETS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
                "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *"}


def load_yaml(path):
    import yaml  # PyYAML: only needed to read jobs.yaml and write the YAML files
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def jar_spec():
    return json.loads((DAGS / "kindling-spec.json").read_text(encoding="utf-8"))


def metrics_prefix(spec, env="prod"):
    """The prod metric prefix, from the jar's declared default of metrics.prefix (kindling.${env})."""
    (prefix,) = [setting["default"] for setting in spec["settings"] if setting["key"] == "metrics.prefix"]
    return prefix.replace("${env}", env)


def period_seconds(schedule):
    """How often a cron schedule runs: hourly, daily, weekly or monthly (the forms jobs.yaml uses)."""
    fields = CRON_PRESETS.get(schedule, schedule).split()
    if len(fields) != 5:
        raise ValueError(f"schedule {schedule!r}: expected a five-field cron or one of {sorted(CRON_PRESETS)}")
    minute, hour, day_of_month, month, day_of_week = fields
    if month != "*" or not minute.isdigit():
        raise ValueError(f"schedule {schedule!r}: only hourly, daily, weekly and monthly schedules are supported")
    if day_of_month != "*":
        return 31 * 24 * 3600
    if day_of_week != "*":
        return 7 * 24 * 3600
    return 24 * 3600 if hour.isdigit() else 3600


def scheduled_jobs(jobs_yaml=None):
    """Every job jobs.yaml schedules -> how long after its last success "did not run" should page
    (expected_every_seconds), and whom its rules notify: the e-mail addresses and webhook connections of
    the `alerts` of every DAG running it.

    jobs.yaml is read by the DAG factory's own reader (airflow-dags/kindling_airflow/spec.py), which
    checks each job against the jar's spec. A DAG on assets runs as often as the slowest DAG writing
    them; a job scheduled by several DAGs reports under one metric path, so it gets the longest period."""
    sys.path.insert(0, str(DAGS))
    from kindling_airflow import spec as dag_spec

    dags = dag_spec.load(jobs_yaml or DAGS / "jobs.yaml").dags
    writers = {outlet: dag for dag in dags for outlet in dag.outlets}

    def period(dag, seen=()):
        if dag.schedule is not None:
            return period_seconds(dag.schedule)
        if dag.name in seen:
            raise ValueError(f"jobs.yaml dags.{dag.name}: its assets wait on each other in a circle ({' -> '.join(seen)})")
        return max(period(writers[asset], (*seen, dag.name)) for asset in dag.assets)

    jobs = {}
    for dag in dags:
        every = period(dag) + GRACE_SECONDS
        for job in dag.jobs:
            known = jobs.get(job, {"expected_every_seconds": 0, "email": [], "webhooks": []})
            jobs[job] = {"expected_every_seconds": max(every, known["expected_every_seconds"]),
                         "email": sorted({*known["email"], *dag.alerts.email}),
                         "webhooks": sorted({*known["webhooks"], *filter(None, [dag.alerts.webhook_conn_id])})}
    for job, spec in jobs.items():
        if not spec["email"] and not spec["webhooks"]:
            raise ValueError(f"jobs.yaml: no DAG running {job} names an alert recipient (alerts.email or "
                             "alerts.webhook_conn_id); Grafana's rules for it would notify nobody")
    return dict(sorted(jobs.items()))


PREFIX = metrics_prefix(jar_spec())
JOBS = scheduled_jobs()

# The thresholds of the "suspicious numbers" rules. Runs report once, so their series are mostly empty:
# movingMedian gets xFilesFactor 0, or Graphite's default (0.5) would blank the median.
ROWS_DROP_BELOW = 0.5  # rows written below half of the recent median
MEDIAN_WINDOW = "7d"
QUARANTINED_RATIO_ABOVE = 0.01


def graphite_query(ref, target, seconds):
    return {"refId": ref, "relativeTimeRange": {"from": seconds, "to": 0}, "datasourceUid": DATASOURCE_UID,
            "model": {"refId": ref, "target": target, "intervalMs": 1000, "maxDataPoints": 43200}}


def reduce(ref, source, reducer):
    return {"refId": ref, "datasourceUid": "__expr__",
            "model": {"refId": ref, "type": "reduce", "expression": source, "reducer": reducer,
                      "settings": {"mode": "dropNN"}}}


def threshold(ref, source, comparison, value):
    return {"refId": ref, "datasourceUid": "__expr__",
            "model": {"refId": ref, "type": "threshold", "expression": source,
                      "conditions": [{"evaluator": {"type": comparison, "params": [value]}}]}}


def rule(uid, title, target, seconds, reducer, comparison, value, no_data, summary, job):
    return {
        "uid": uid, "title": title, "condition": "C",
        "data": [graphite_query("A", target, seconds), reduce("B", "A", reducer), threshold("C", "B", comparison, value)],
        "noDataState": no_data, "execErrState": "Error", "for": "0s",
        "annotations": {"summary": summary},
        "labels": {"team": "data-platform", "job": job, "severity": "page"},
    }


def rules_for(job, spec):
    path = f"{PREFIX}.{job}"
    day = 24 * 3600
    return [
        rule(f"kindling-{job}-failed", f"{job} failed", f"{path}.failed", day, "last", "gt", 0, "OK",
             f"The last run of {job} failed (exit code in {path}.exit_code).", job),
        rule(f"kindling-{job}-not-run", f"{job} did not succeed in time", f"{path}.last_success_timestamp",
             spec["expected_every_seconds"], "count", "lt", 1, "Alerting",
             f"No successful run of {job} within {spec['expected_every_seconds'] // 3600} hours.", job),
        rule(f"kindling-{job}-rows-dropped", f"{job} wrote far fewer rows",
             f"divideSeries({path}.rows_written, movingMedian({path}.rows_written, '{MEDIAN_WINDOW}', 0))",
             8 * day, "last", "lt", ROWS_DROP_BELOW, "OK",
             f"{job} wrote less than half of its recent median number of rows.", job),
        rule(f"kindling-{job}-quarantined", f"{job} quarantined too many rows",
             f"divideSeries({path}.rows_quarantined, {path}.rows_read)", day, "last", "gt", QUARANTINED_RATIO_ABOVE, "OK",
             f"{job} quarantined more than {QUARANTINED_RATIO_ABOVE:.0%} of the rows it read.", job),
    ]


def contact_point(job, spec):
    """The job's recipients: one e-mail to all its addresses, a post to each of its chat webhooks."""
    receivers = [{"uid": f"kindling-{job}-email", "type": "email",
                  "settings": {"addresses": ";".join(spec["email"]), "singleEmail": True}}] if spec["email"] else []
    receivers += [{"uid": f"kindling-{job}-{conn_id}", "type": "webhook",
                   "settings": {"url": "${" + WEBHOOK_URL_VARIABLE.format(conn_id.upper()) + "}", "httpMethod": "POST"}}
                  for conn_id in spec["webhooks"]]
    return {"orgId": 1, "name": f"kindling-{job}", "receivers": receivers}


def notification_policy():
    """Each job's rules (label job) to the job's contact point. Grafana keeps one policy tree per
    organisation: this one replaces it, so its root is the first job's contact point."""
    routes = [{"receiver": f"kindling-{job}", "object_matchers": [["job", "=", job]]} for job in JOBS]
    return {"orgId": 1, "receiver": routes[0]["receiver"], "group_by": ["grafana_folder", "alertname", "job"],
            "routes": routes}


def panel(panel_id, title, targets, unit, y):
    return {"id": panel_id, "type": "timeseries", "title": title, "datasource": {"type": "graphite", "uid": DATASOURCE_UID},
            "gridPos": {"h": 8, "w": 12, "x": 12 * ((panel_id - 1) % 2), "y": y},
            "fieldConfig": {"defaults": {"unit": unit, "custom": {"drawStyle": "points", "pointSize": 6}}, "overrides": []},
            "targets": [{"refId": chr(ord("A") + i), "target": f"alias({t}, '{name}')"} for i, (name, t) in enumerate(targets)]}


def dashboard(job):
    path = f"$prefix.{job}"
    rows = [
        ("Runs", [("succeeded", f"{path}.success"), ("failed", f"{path}.failed"), ("exit code", f"{path}.exit_code")], "none"),
        ("Duration", [("duration", f"{path}.duration_ms")], "ms"),
        ("Rows", [("read", f"{path}.rows_read"), ("written", f"{path}.rows_written")], "short"),
        ("Quarantined", [("quarantined", f"{path}.rows_quarantined"),
                         ("share of rows read", f"divideSeries({path}.rows_quarantined, {path}.rows_read)")], "short"),
        ("Duplicates", [("duplicates", f"{path}.duplicates"), ("dropped", f"{path}.duplicates_dropped")], "short"),
        ("Data quality", [("check failed", f"{path}.quality_check_failed"),
                          ("metric points dropped", f"{path}.metrics_points_dropped")], "none"),
    ]
    return {
        "uid": f"kindling-{job}", "title": f"Kindling: {job}", "tags": ["kindling"], "timezone": "utc",
        "schemaVersion": 39, "version": 1, "refresh": "1m", "time": {"from": "now-7d", "to": "now"},
        "templating": {"list": [{"name": "prefix", "type": "custom", "query": "kindling.prod,kindling.dev",
                                 "current": {"text": PREFIX, "value": PREFIX}}]},
        "panels": [panel(i + 1, title, targets, unit, 8 * (i // 2)) for i, (title, targets, unit) in enumerate(rows)],
    }


def files():
    """Every provisioning file: relative path -> content."""
    import yaml
    out = {
        "datasources/graphite.yaml": yaml.safe_dump({"apiVersion": 1, "datasources": [{
            "name": "Graphite", "type": "graphite", "uid": DATASOURCE_UID, "access": "proxy",
            "url": "http://graphite:80", "isDefault": True, "jsonData": {"graphiteVersion": "1.1"}}]}, sort_keys=False),
        "dashboards/kindling.yaml": yaml.safe_dump({"apiVersion": 1, "providers": [{
            "name": "kindling", "folder": "Kindling", "type": "file", "disableDeletion": True,
            "options": {"path": "/etc/grafana/provisioning/dashboards/kindling"}}]}, sort_keys=False),
        "alerting/kindling-rules.yaml": yaml.safe_dump({"apiVersion": 1, "groups": [
            {"orgId": 1, "name": f"kindling-{job}", "folder": "Kindling", "interval": "1m", "rules": rules_for(job, spec)}
            for job, spec in JOBS.items()]}, sort_keys=False),
        "alerting/kindling-contact-points.yaml": yaml.safe_dump({"apiVersion": 1, "contactPoints": [
            contact_point(job, spec) for job, spec in JOBS.items()]}, sort_keys=False),
        "alerting/kindling-policies.yaml": yaml.safe_dump({"apiVersion": 1, "policies": [notification_policy()]},
                                                          sort_keys=False),
    }
    for job in JOBS:
        out[f"dashboards/kindling/{job}.json"] = json.dumps(dashboard(job), indent=2) + "\n"
    return out


def main():
    for relative, content in files().items():
        target = PROVISIONING / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        print(target.relative_to(HERE.parents[1]))


if __name__ == "__main__":
    main()
