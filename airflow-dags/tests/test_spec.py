"""jobs.yaml entries are validated where they are read; each error names the entry, key and value."""
from datetime import date, timedelta

import pytest
import yaml

from conftest import DAGS_FOLDER
from kindling_airflow import jar_spec, spec

SHIPPED_DEFAULTS = yaml.safe_load((DAGS_FOLDER / "jobs.yaml").read_text())["defaults"]
MINIMAL = {**SHIPPED_DEFAULTS, "job": "snapshot", "description": "d", "start_date": "2024-01-01",
           "options": {"--source": "/x", "--format": "csv", "--target": "a.b", "--key": ["id", "day"],
                       "--dry-run": True, "--max-bad-ratio": 0.05}}


def test_an_entry_takes_the_defaults_and_keeps_its_options_in_order():
    entry = spec.parse("orders", MINIMAL)
    assert entry.dag_id == "kindling_orders"
    assert entry.start_date == date(2024, 1, 1)
    (task,) = entry.tasks
    assert (task.task_id, task.job, task.after) == ("snapshot", "snapshot", ())
    assert task.retry_delay == timedelta(minutes=5) and task.execution_timeout == timedelta(hours=2)
    assert task.options == (("--source", ("/x",)), ("--format", ("csv",)), ("--target", ("a.b",)),
                            ("--key", ("id", "day")), ("--dry-run", ()), ("--max-bad-ratio", ("0.05",)))
    assert task.spark_conf["spark.ui.showConsoleProgress"] == "false"
    assert task.outlets == ("kindling://hive/a.b",)


def test_numbers_reach_the_command_line_as_plain_decimals():
    entry = spec.parse("orders", {**MINIMAL, "options": {**MINIMAL["options"], "--max-bad-ratio": 0.00001}})
    assert dict(entry.tasks[0].options)["--max-bad-ratio"] == ("0.00001",)


def test_secret_env_names_a_connection_field():
    entry = spec.parse("orders", {**MINIMAL, "secret_env": {"KINDLING_JDBC_PASSWORD": "warehouse_db.password"}})
    assert dict(entry.tasks[0].secret_env) == {"KINDLING_JDBC_PASSWORD": ("warehouse_db", "password")}


def test_alerts_override_the_defaults_key_by_key(tmp_path):
    path = tmp_path / "jobs.yaml"
    entry = {key: MINIMAL[key] for key in ("job", "description", "start_date", "options")}
    path.write_text(yaml.safe_dump({"defaults": SHIPPED_DEFAULTS, "dags": {
        "orders": entry, "quiet": {**entry, "alerts": {"email": ["owner@kindling.example"], "webhook_conn_id": None,
                                                       "deadline": "PT30M"}}}}))
    shipped, quiet = (dag.alerts for dag in spec.load(path).dags)
    assert shipped == spec.AlertSpec(email=tuple(SHIPPED_DEFAULTS["alerts"]["email"]), smtp_conn_id="smtp_default",
                                     webhook_conn_id="kindling_chat", deadline=timedelta(hours=6))
    assert quiet == spec.AlertSpec(email=("owner@kindling.example",), smtp_conn_id="smtp_default",
                                   webhook_conn_id=None, deadline=timedelta(minutes=30))


def test_the_spec_is_immutable():
    entry = spec.parse("orders", MINIMAL)
    with pytest.raises(AttributeError):
        entry.tasks[0].retries = 9
    with pytest.raises(TypeError):
        entry.tasks[0].spark_conf["spark.executor.memory"] = "1g"


@pytest.mark.parametrize("change, message", [
    ({"options": {"--key": ["id", {"nested": 1}]}},
     "dags.orders.options.--key: {'nested': 1} is not allowed; expected a string or a number"),
    ({"retries": -1}, "dags.orders.retries: -1 is not allowed; expected an integer >= 0"),
    ({"execution_timeout": "2 hours"},
     "dags.orders.execution_timeout: '2 hours' is not allowed; expected a positive ISO 8601 duration"),
    ({"start_date": "01/01/2024"}, "dags.orders.start_date: '01/01/2024' is not allowed; expected a date YYYY-MM-DD"),
    ({"catchup": "yes"}, "dags.orders.catchup: 'yes' is not allowed; expected true or false"),
    ({"driver_memory": "lots"}, "dags.orders.driver_memory: 'lots' is not allowed; expected a Spark memory size"),
    ({"spark_conf": {"executor.memory": "1g"}}, "dags.orders.spark_conf: {'executor.memory': '1g'} is not allowed"),
    ({"options": {"--logical-date": "2024-01-01"}}, "dags.orders.options.--logical-date: '2024-01-01' is not allowed"),
    ({"options": {"source": "/x"}}, "dags.orders.options: 'source' is not allowed; expected option names starting with --"),
    ({"options": {"--source": None}}, "dags.orders.options.--source: None is not allowed"),
    ({"secret_env": {"KINDLING_JDBC_PASSWORD": "warehouse_db.secret"}},
     "dags.orders.secret_env.KINDLING_JDBC_PASSWORD: 'warehouse_db.secret' is not allowed"),
    ({"retires": 3}, "dags.orders: unknown key(s) ['retires']"),
    ({"alerts": {**SHIPPED_DEFAULTS["alerts"], "emails": ["a@b.c"]}}, "dags.orders.alerts: unknown key(s) ['emails']"),
    ({"alerts": {**SHIPPED_DEFAULTS["alerts"], "email": "oncall@kindling.example"}},
     "dags.orders.alerts.email: 'oncall@kindling.example' is not allowed; expected a list of e-mail addresses"),
    ({"alerts": {**SHIPPED_DEFAULTS["alerts"], "email": ["oncall"]}}, "dags.orders.alerts.email: ['oncall'] is not allowed"),
    ({"alerts": {**SHIPPED_DEFAULTS["alerts"], "deadline": "6h"}},
     "dags.orders.alerts.deadline: '6h' is not allowed; expected a positive ISO 8601 duration"),
    ({"alerts": {**SHIPPED_DEFAULTS["alerts"], "smtp_conn_id": ""}}, "dags.orders.alerts.smtp_conn_id: '' is not allowed"),
    ({"options": {**MINIMAL["options"], "--target": "{{ var.json.kindling.table }}"}},
     "dags.orders.options.--target: '{{ var.json.kindling.table }}' is not allowed; expected a plain name"),
    ({"schedule": {"cron": "0 2 * * *"}}, "dags.orders.schedule: {'cron': '0 2 * * *'} is not allowed; expected a cron in UTC"),
    ({"schedule": {"assets": ["hive://sales.orders"]}},
     "dags.orders.schedule.assets: ['hive://sales.orders'] is not allowed; expected a non-empty list of assets"),
    ({"job": "resnapshot"},
     f"dags.orders.job: 'resnapshot' is not allowed; expected one of {sorted(jar_spec.jobs(jar_spec.load()))}"),
    ({"options": {"--colour": "red"}},
     "dags.orders.options: '--colour' is not allowed; expected an option of the job snapshot (bin/kindling snapshot --help)"),
])
def test_a_bad_entry_is_refused_with_a_message_naming_it(change, message):
    with pytest.raises(spec.SpecError) as error:
        spec.parse("orders", {**MINIMAL, **change})
    assert message in str(error.value)


def test_a_missing_key_says_where_to_set_it():
    entry = dict(MINIMAL)
    del entry["schedule"]
    with pytest.raises(spec.SpecError, match=r"dags.orders.schedule: missing \(set it in the entry or in defaults\)"):
        spec.parse("orders", entry)


def test_an_entry_name_must_make_a_dag_id():
    with pytest.raises(spec.SpecError, match="entry name 'Orders!' must be lower_snake_case"):
        spec.parse("Orders!", MINIMAL)


def test_the_file_gives_dags_over_defaults_and_unscheduled_jobs(tmp_path):
    path = tmp_path / "jobs.yaml"
    defaults = {**SHIPPED_DEFAULTS, "spark_conf": {"spark.executor.cores": 2, "spark.sql.shuffle.partitions": 64}}
    path.write_text(yaml.safe_dump({"defaults": defaults, "dags": {"orders": {
        **{key: MINIMAL[key] for key in ("job", "description", "start_date", "options")},
        "spark_conf": {"spark.sql.shuffle.partitions": 8, "spark.executor.instances": 4}}},
        "unscheduled": {"demo-data": "demo only"}}))
    loaded = spec.load(path)
    assert [entry.dag_id for entry in loaded.dags] == ["kindling_orders"]
    # An entry's Spark settings add to the defaults' and override the same keys.
    assert dict(loaded.dags[0].tasks[0].spark_conf) == {"spark.executor.cores": "2", "spark.sql.shuffle.partitions": "8",
                                               "spark.executor.instances": "4"}
    assert dict(loaded.unscheduled) == {"demo-data": "demo only"}


@pytest.mark.parametrize("document, message", [
    ({"dags": {}, "schedules": {}}, "unknown section(s) ['schedules']; allowed: defaults, dags, unscheduled"),
    ({"dags": {}, "unscheduled": {"demo-data": ""}}, "unscheduled: {'demo-data': ''} is not allowed"),
    ({"defaults": {}}, "expected a mapping with a 'dags' mapping"),
])
def test_a_bad_file_is_refused_with_a_message_naming_it(tmp_path, document, message):
    path = tmp_path / "jobs.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(spec.SpecError) as error:
        spec.load(path)
    assert message in str(error.value)


PIPELINE = {**SHIPPED_DEFAULTS, "description": "d", "start_date": "2024-01-01", "retries": 2, "tasks": {
    "load": {"job": "snapshot", "options": {"--source": "/x", "--target": "sales.orders"}},
    "check": {"job": "verify", "after": ["load"], "retries": 0, "options": {"--table": "sales.orders", "--checks": "/c.yaml"}},
    "scores": {"job": "score", "after": ["load", "check"]},
}}


def test_a_pipeline_gives_each_task_its_job_options_order_and_retry_rules():
    entry = spec.parse("orders", PIPELINE)
    assert [(task.task_id, task.job, task.after) for task in entry.tasks] == [
        ("load", "snapshot", ()), ("check", "verify", ("load",)), ("scores", "score", ("load", "check"))]
    # the pipeline's keys apply to its tasks; a task's own win
    assert [task.retries for task in entry.tasks] == [2, 0, 2]
    assert entry.jobs == ("snapshot", "verify", "score")
    # what each writes: from the option the jar marks, or that option's default (score --table)
    assert [task.outlets for task in entry.tasks] == [
        ("kindling://hive/sales.orders",), ("kindling://verified/sales.orders",), ("kindling://hive/recommendations.top_categories",)]


@pytest.mark.parametrize("change, message", [
    ({"options": {"--target": "a.b"}}, "dags.orders: ['options'] belong in a task of its `tasks`, not in the pipeline"),
    ({"tasks": {}}, "dags.orders.tasks: {} is not allowed; expected a mapping of task name"),
    ({"tasks": {"Load": {"job": "snapshot"}}}, "dags.orders.tasks: task name 'Load' must be lower_snake_case"),
    ({"tasks": {"load": {"job": "snapshot", "schedule": "@daily"}}}, "dags.orders.tasks.load: unknown key(s) ['schedule']"),
    ({"tasks": {"check": {"job": "verify", "after": ["load"]}, "load": {"job": "snapshot"}}},
     "dags.orders.tasks.check.after: ['load'] is not allowed; expected a list of tasks given before this one in the pipeline: []"),
])
def test_a_bad_pipeline_is_refused_with_a_message_naming_it(change, message):
    with pytest.raises(spec.SpecError) as error:
        spec.parse("orders", {**PIPELINE, **change})
    assert message in str(error.value)


def test_a_table_is_one_asset_however_the_file_spells_its_name(tmp_path):
    path = tmp_path / "jobs.yaml"
    load = {**MINIMAL, "options": {**MINIMAL["options"], "--target": "SALES.Orders"}}
    on_assets = {"job": "export", "description": "d", "start_date": "2024-01-01", "schedule": {"assets": ["kindling://hive/Sales.ORDERS"]},
                 "options": {"--source": "sales.orders", "--target-url": "jdbc:postgresql://h/db", "--target-table": "r.orders"}}
    path.write_text(yaml.safe_dump({"defaults": SHIPPED_DEFAULTS, "dags": {"orders": load, "export": on_assets}}, sort_keys=False))
    orders, export = spec.load(path).dags
    assert orders.tasks[0].outlets == ("kindling://hive/sales.orders",)
    assert export.assets == ("kindling://hive/sales.orders",)


def test_a_dag_on_assets_waits_only_for_assets_a_dag_of_the_file_writes(tmp_path):
    path = tmp_path / "jobs.yaml"
    on_assets = {"job": "export", "description": "d", "start_date": "2024-01-01",
                 "schedule": {"assets": ["kindling://hive/sales.orders", "kindling://verified/sales.orders"]},
                 "options": {"--source": "sales.orders", "--target-url": "jdbc:postgresql://h/db", "--target-table": "r.orders"}}
    path.write_text(yaml.safe_dump({"defaults": SHIPPED_DEFAULTS, "dags": {"orders": PIPELINE, "export": on_assets}}, sort_keys=False))
    export = spec.load(path).dags[1]
    assert (export.schedule, export.assets) == (None, ("kindling://hive/sales.orders", "kindling://verified/sales.orders"))

    on_assets["schedule"]["assets"].append("kindling://verified/sales.order")  # a typo would wait forever
    path.write_text(yaml.safe_dump({"defaults": SHIPPED_DEFAULTS, "dags": {"orders": PIPELINE, "export": on_assets}}, sort_keys=False))
    with pytest.raises(spec.SpecError, match=r"dags.export.schedule: asset 'kindling://verified/sales.order' is not allowed; "
                                             r"no DAG of this file writes it"):
        spec.load(path)
