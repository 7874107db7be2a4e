"""The maintain DAG: one daily task whose --table is every Iceberg table the DAGs of jobs.yaml write,
found from their assets, so a table a new entry writes is maintained without being listed anywhere."""
import copy

import pytest
import yaml
from airflow.sdk import CronDataIntervalTimetable

from conftest import DAGS_FOLDER, SAMPLE_VARIABLE
from kindling_airflow import jar_spec, spec
from kindling_airflow.factory import build_dag

SHIPPED = yaml.safe_load((DAGS_FOLDER / "jobs.yaml").read_text())
RUN_ID = "scheduled__2024-02-02T04:30:00+00:00"
# What the shipped DAGs write, sorted as the task lists them.
SHIPPED_TABLES = [
    "mailings.mailing_history", "mailings.sports_near_torun", "mailings.sports_near_torun_holdout",  # audience
    "quality.check_results",  # the orders pipeline's verify
    "recommendations.top_categories", "recommendations.top_categories_quarantine",  # categories_model's score
    "sales.orders", "sales.orders_quarantine",  # the orders pipeline's snapshot
]


def rendered_args(dag):
    """The maintain task's command line as Airflow renders it for the scheduled run of 2024-02-02."""
    task = dag.get_task("maintain")
    context = {"ds": "2024-02-02", "partition_key": None, "run_id": RUN_ID,
               "var": {"json": {"kindling": SAMPLE_VARIABLE}}, "dag": dag, "task": task}
    return task.render_template(task.application_args, context, dag.get_template_env())


def tables_in(args):
    return [value for option, value in zip(args, args[1:]) if option == "--table"]


def load(tmp_path, dags, settings=None):
    """spec.load of a jobs.yaml with the shipped defaults, these entries and these settings."""
    path = tmp_path / "jobs.yaml"
    path.write_text(yaml.safe_dump({"defaults": SHIPPED["defaults"], "dags": dags, "settings": settings}, sort_keys=False))
    return spec.load(path)


def maintain_entry(loaded):
    (entry,) = [dag for dag in loaded.dags if dag.dag_id == "kindling_maintain"]
    return entry


def test_the_shipped_maintain_dag_is_given_every_table_the_shipped_dags_write(shipped_dags):
    dag = shipped_dags.dags["kindling_maintain"]
    assert dag.task_ids == ["maintain"]
    args = rendered_args(dag)
    assert args[:7] == ["maintain", "--env", "prod", "--logical-date", "2024-02-02", "--run-id", RUN_ID]
    assert args[7:] == [item for table in SHIPPED_TABLES for item in ("--table", table)]
    task = dag.get_task("maintain")
    assert task.outlets == []  # it starts no DAG
    # retries and alerts are the defaults', as for every other task
    assert task.retries == SHIPPED["defaults"]["retries"] == 3
    (alert,) = task.on_failure_callback
    assert list(alert.alerts.email) == SHIPPED["defaults"]["alerts"]["email"]
    assert alert.alerts.webhook_conn_id == SHIPPED["defaults"]["alerts"]["webhook_conn_id"]
    assert isinstance(dag.timetable, CronDataIntervalTimetable) and dag.timetable.expression == "30 4 * * *"
    assert (dag.catchup, dag.max_active_runs) == (False, 1)


def test_without_mailing_lists_and_checks_the_mailing_and_quality_tables_are_left_out(tmp_path):
    dags = copy.deepcopy(SHIPPED["dags"])
    del dags["audience_sports_near_torun"], dags["export_orders"], dags["orders"]["tasks"]["verify"]
    entry = maintain_entry(load(tmp_path, dags))
    assert [task.job for task in entry.tasks] == ["maintain"]
    assert dict(entry.tasks[0].options) == {"--table": (
        "recommendations.top_categories", "recommendations.top_categories_quarantine",
        "sales.orders", "sales.orders_quarantine")}
    assert tables_in(rendered_args(build_dag(entry))) == [
        "recommendations.top_categories", "recommendations.top_categories_quarantine",
        "sales.orders", "sales.orders_quarantine"]


def test_the_mailing_database_and_quality_history_come_from_the_settings_section(tmp_path):
    loaded = load(tmp_path, SHIPPED["dags"], {"mailing.database": "CRM", "quality.history.table": "dq.results"})
    assert dict(loaded.settings) == {"mailing.database": "crm", "quality.history.table": "dq.results"}
    assert dict(maintain_entry(loaded).tasks[0].options)["--table"] == (
        "crm.mailing_history", "crm.sports_near_torun", "crm.sports_near_torun_holdout", "dq.results",
        "recommendations.top_categories", "recommendations.top_categories_quarantine",
        "sales.orders", "sales.orders_quarantine")
    # left out, each is the jar's own default
    assert dict(spec.load(DAGS_FOLDER / "jobs.yaml").settings) == {
        setting["key"]: setting["default"] for setting in jar_spec.load()["settings"]
        if setting["key"] in ("mailing.database", "quality.history.table")}


def test_tables_the_entry_lists_are_added_once_each(tmp_path):
    dags = copy.deepcopy(SHIPPED["dags"])
    dags["maintain"]["options"] = {"--table": ["Sales.Orders", "marketplace.users,marketplace.transactions"],
                                   "--no-compaction": True}
    options = dict(maintain_entry(load(tmp_path, dags)).tasks[0].options)
    assert options == {"--table": tuple(sorted([*SHIPPED_TABLES, "marketplace.users", "marketplace.transactions"])),
                       "--no-compaction": ()}


def test_a_file_without_a_maintain_entry_gets_no_maintain_dag(tmp_path):
    dags = {name: entry for name, entry in SHIPPED["dags"].items() if name != "maintain"}
    loaded = load(tmp_path, dags)
    assert [dag.name for dag in loaded.dags] == ["orders", "export_orders", "audience_sports_near_torun", "categories_model"]
    assert "maintain" not in {task.job for dag in loaded.dags for task in dag.tasks}


def bare_target(dags):
    dags["orders"]["tasks"]["snapshot"]["options"]["--target"] = "orders"
    dags["orders"]["tasks"]["verify"]["options"]["--table"] = "orders"
    del dags["export_orders"]


def only_a_model(dags):
    for name in ("orders", "export_orders", "audience_sports_near_torun"):
        del dags[name]
    del dags["categories_model"]["tasks"]["score"]


@pytest.mark.parametrize("change, settings, message", [
    (None, {"mailing.db": "crm"}, "settings: {'mailing.db': 'crm'} is not allowed; expected a mapping with some of"
                                  " ['mailing.database', 'quality.history.table']"),
    (None, {"quality.history.table": "results"},
     "settings.quality.history.table: 'results' is not allowed; expected database.table"),
    (None, {"mailing.database": "crm.lists"}, "settings.mailing.database: 'crm.lists' is not allowed; expected a database name"),
    (bare_target, None, "dags.orders: kindling://hive/orders names no database; maintain needs database.table,"
                        " so name the table as <database>.orders there"),
    (lambda dags: dags["maintain"].update(options={"--table": "{{ var.json.kindling.table }}"}), None,
     "dags.maintain.options.--table: '{{ var.json.kindling.table }}' is not allowed; expected database.table"),
    (only_a_model, None, "dags.maintain.options.--table: no table to maintain: no DAG of this file writes an Iceberg table"),
])
def test_a_bad_maintain_setup_is_refused_with_a_message_naming_it(tmp_path, change, settings, message):
    dags = copy.deepcopy(SHIPPED["dags"])
    if change:
        change(dags)
    with pytest.raises(spec.SpecError) as error:
        load(tmp_path, dags, settings)
    assert message in str(error.value)


def test_every_kind_of_asset_the_jar_declares_has_known_tables():
    declared = {option["writes"] for job in jar_spec.load()["jobs"] for option in job["options"] if "writes" in option}
    assert declared == spec.KNOWN_KINDS == {"hive", "mailing", "verified", "postgres", "model"}
    settings = {"mailing.database": "mailings", "quality.history.table": "quality.check_results"}
    assert spec.iceberg_tables("kindling://postgres/reporting.orders", settings) == ()
    assert spec.iceberg_tables("kindling://model/categories", settings) == ()
    with pytest.raises(spec.SpecError, match="does not know which tables an asset of kind 'kafka' is"):
        spec.iceberg_tables("kindling://kafka/orders", settings)
