"""The DAG spec (jobs.yaml): one entry per DAG, each a single Kindling job or a pipeline of them.

An entry is either one task (`job`, `options`, ... at the entry's level; the task is named after the
job) or a pipeline (`tasks`: task name -> job, options, `after`: the tasks it waits for). Keys an
entry or a task leaves out come from the pipeline's own keys, then from `defaults`, so each says only
what is particular to it. A DAG runs on a cron schedule, or on assets: `schedule: {assets: [...]}`
starts it for a logical date once every listed asset has been published for that date.

Each task's outlets are the assets its job writes: the jar's spec marks the option that names what a
run writes ("writes": its kind), and the asset is kindling://<kind>/<the option's value>. The job and
its option names are checked against the jar's own spec (kindling-spec.json) when the DAG is parsed;
values, which may be templates, are checked by the jar itself (`kindling check-args`, see drift.py).

A task of the job `maintain` gets, as its `--table`, every Iceberg table that the file's DAGs write,
derived from their outlets (see iceberg_tables), plus any table the entry itself lists: so a table
that a new entry writes is kept trim without anyone adding it by hand. The names of tables that the
jobs take from the env's settings (the mailing database, the quality history) come from the file's
`settings`, by default the jar's own defaults.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

import pendulum
import yaml

from kindling_airflow import jar_spec

# Keys of one task; at a pipeline's level (but job, options, secret_env, after) they apply to all its tasks.
TASK_KEYS = frozenset({
    "job", "after", "retries", "retry_delay", "retry_exponential_backoff", "max_retry_delay", "execution_timeout",
    "driver_memory", "executor_memory", "spark_conf", "options", "secret_env",
})
ONLY_IN_A_TASK = frozenset({"job", "after", "options", "secret_env"})
DAG_KEYS = frozenset({"description", "schedule", "start_date", "catchup", "max_active_runs", "tags", "alerts", "tasks"}) | TASK_KEYS
# Who is told when a task fails for good or a run misses its deadline; an entry's keys override the defaults' one by one.
ALERT_KEYS = frozenset({"email", "smtp_conn_id", "webhook_conn_id", "deadline"})
# Options the factory sets from Airflow's context; an entry that sets them would fight the schedule.
OPTIONS_SET_BY_FACTORY = frozenset({"--logical-date", "--run-id", "--env"})
CONNECTION_FIELDS = frozenset({"login", "password", "host", "schema", "port"})
NAME = re.compile(r"[a-z][a-z0-9_]*")
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
MEMORY = re.compile(r"[1-9][0-9]*[kmgt]", re.IGNORECASE)
EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")
ASSET_SCHEME = "kindling"
ASSET = re.compile(ASSET_SCHEME + r"://([a-z]+)/([A-Za-z0-9_.-]+)")
# The job that keeps Iceberg tables trim; its --table is completed from what the file's DAGs write.
MAINTAIN_JOB = "maintain"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*")
# Settings of the env that name tables the jobs write, each with the form its value must have.
TABLE_SETTINGS = MappingProxyType({"mailing.database": IDENTIFIER, "quality.history.table": TABLE})
# Kinds of asset that are not Iceberg tables: a PostgreSQL table (export), a model's folder (train).
NOT_ICEBERG = frozenset({"postgres", "model"})
# Every kind of asset this file knows the tables of (tests/test_maintain.py checks the jar declares no other).
KNOWN_KINDS = frozenset({"hive", "mailing", "verified"}) | NOT_ICEBERG
# The kinds whose asset names a table (Hive and Iceberg names are case-insensitive).
TABLE_KINDS = KNOWN_KINDS - NOT_ICEBERG


class SpecError(ValueError):
    """A jobs.yaml entry that cannot become a DAG; the message names the entry, key and value."""


def asset_uri(kind: str, value: str) -> str:
    """The asset of what a run writes: kindling://hive/sales.orders, kindling://verified/sales.orders, ...
    A table's name is lower-cased, as the jobs write it: SALES.orders and sales.orders are one table, one asset."""
    return f"{ASSET_SCHEME}://{kind}/{value.lower() if kind in TABLE_KINDS else value}"


def normalized_asset(uri: str) -> str:
    """An asset URI as a DAG file may spell it, as asset_uri makes it."""
    match = ASSET.fullmatch(uri)
    return asset_uri(match.group(1), match.group(2)) if match else uri


@dataclass(frozen=True)
class TaskSpec:
    task_id: str
    job: str
    after: tuple[str, ...]  # the tasks of the same DAG that must succeed first
    retries: int
    retry_delay: timedelta
    retry_exponential_backoff: float
    max_retry_delay: timedelta
    execution_timeout: timedelta
    driver_memory: str
    executor_memory: str
    spark_conf: Mapping[str, str]
    options: tuple[tuple[str, tuple[str, ...]], ...]  # (option, values); a flag has no values
    secret_env: Mapping[str, tuple[str, str]]  # env var -> (connection id, connection field)
    outlets: tuple[str, ...]  # asset URIs of what a successful run has written


@dataclass(frozen=True)
class AlertSpec:
    email: tuple[str, ...]  # who gets a mail; none: no mail
    smtp_conn_id: str  # the SMTP connection: server, login, sender (extra from_email)
    webhook_conn_id: str | None  # an HTTP connection to a chat tool's incoming webhook; None: no webhook
    deadline: timedelta | None  # a run not succeeded this long after it was queued alerts; None: no deadline


@dataclass(frozen=True)
class DagSpec:
    name: str
    description: str
    schedule: str | None  # a cron in UTC, or None when the DAG runs on assets
    assets: tuple[str, ...]  # asset URIs that must all be published for a date before it runs
    start_date: date
    catchup: bool
    max_active_runs: int
    tags: tuple[str, ...]
    alerts: AlertSpec
    tasks: tuple[TaskSpec, ...]  # in the order jobs.yaml gives them; every `after` names an earlier one

    @property
    def dag_id(self) -> str:
        return f"kindling_{self.name}"

    @property
    def jobs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(task.job for task in self.tasks))

    @property
    def outlets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(outlet for task in self.tasks for outlet in task.outlets))


@dataclass(frozen=True)
class Spec:
    dags: tuple[DagSpec, ...]
    # Jobs of the jar that deliberately get no DAG, each with the reason (the drift test wants one or the other).
    unscheduled: Mapping[str, str]
    # The env's settings that name tables (TABLE_SETTINGS): the file's `settings` over the jar's defaults.
    settings: Mapping[str, str]


def load(path) -> Spec:
    with open(path, encoding="utf-8") as file:
        document = yaml.safe_load(file)
    if not isinstance(document, dict) or not isinstance(document.get("dags"), dict):
        raise SpecError(f"{path}: expected a mapping with a 'dags' mapping (and optional 'defaults', 'unscheduled', 'settings')")
    unknown = sorted(set(document) - {"defaults", "dags", "unscheduled", "settings"})
    if unknown:
        raise SpecError(f"{path}: unknown section(s) {unknown}; allowed: defaults, dags, unscheduled, settings")
    defaults = document.get("defaults") or {}
    _check_keys("defaults", defaults, DAG_KEYS - {"tasks"} - ONLY_IN_A_TASK)
    unscheduled = document.get("unscheduled") or {}
    if not isinstance(unscheduled, dict) or not all(isinstance(v, str) and v.strip() for v in unscheduled.values()):
        raise SpecError(f"{path}: unscheduled: {unscheduled!r} is not allowed; expected job: reason it has no DAG")
    settings = _table_settings(document.get("settings") or {})
    dags = tuple(parse(name, _merge(defaults, entry or {})) for name, entry in document["dags"].items())
    _check_asset_schedules(dags)
    return Spec(dags=_with_maintained_tables(dags, settings), unscheduled=MappingProxyType(dict(unscheduled)),
                settings=settings)


def _table_settings(given) -> Mapping[str, str]:
    """The settings that name tables: those the file gives (where the env overrides the jar), else the jar's defaults."""
    if not isinstance(given, Mapping) or set(given) - set(TABLE_SETTINGS):
        raise SpecError(f"settings: {given!r} is not allowed; expected a mapping with some of {sorted(TABLE_SETTINGS)}"
                        " (the env's values, where they differ from the jar's defaults)")
    declared = {setting["key"]: setting["default"] for setting in jar_spec.load()["settings"]}
    settings = {}
    for key, form in TABLE_SETTINGS.items():
        value = given.get(key, declared[key])
        if not isinstance(value, str) or not form.fullmatch(value):
            raise SpecError(f"settings.{key}: {value!r} is not allowed; expected "
                            + ("a database name" if form is IDENTIFIER else "database.table") + " of letters, digits and '_'")
        settings[key] = value.lower()
    return MappingProxyType(settings)


def iceberg_tables(outlet: str, settings: Mapping[str, str]) -> tuple[str, ...]:
    """The Iceberg tables behind an asset a task writes, as `maintain --table` names them (lower case,
    as Kindling creates them); settings: Spec.settings."""
    kind, name = ASSET.fullmatch(outlet).groups()
    name = name.lower()
    if kind == "hive":  # the table and its quarantine table (a job may write rejected rows there)
        return name, f"{name}_quarantine"
    if kind == "mailing":  # the list, its holdout and the history of every list, in the mailing database
        database = settings["mailing.database"]
        return f"{database}.{name}", f"{database}.{name}_holdout", f"{database}.mailing_history"
    if kind == "verified":  # a verify run's results go into the quality history
        return (settings["quality.history.table"],)
    if kind in NOT_ICEBERG:
        return ()
    raise SpecError(f"{outlet}: the DAG factory does not know which tables an asset of kind {kind!r} is;"
                    f" teach kindling_airflow/spec.py (iceberg_tables) before a maintain task can be given them")


def _with_maintained_tables(dags: tuple[DagSpec, ...], settings: Mapping[str, str]) -> tuple[DagSpec, ...]:
    """Each maintain task with --table: every Iceberg table the file's DAGs write and those its entry lists,
    sorted, each once."""
    if not any(task.job == MAINTAIN_JOB for dag in dags for task in dag.tasks):
        return dags
    written = set()
    for dag in dags:
        for outlet in dag.outlets:
            for table in iceberg_tables(outlet, settings):
                if not TABLE.fullmatch(table):
                    raise SpecError(f"dags.{dag.name}: {outlet} names no database; {MAINTAIN_JOB} needs database.table,"
                                    f" so name the table as <database>.{table} there")
                written.add(table)
    return tuple(replace(dag, tasks=tuple(_maintaining(dag, task, written) for task in dag.tasks)) for dag in dags)


def _maintaining(dag: DagSpec, task: TaskSpec, written: set[str]) -> TaskSpec:
    if task.job != MAINTAIN_JOB:
        return task
    options = dict(task.options)
    listed = [table.strip().lower() for value in options.get("--table", ()) for table in value.split(",")]
    where = f"dags.{dag.name}" + ("" if dag.tasks == (task,) else f".tasks.{task.task_id}") + ".options.--table"
    for table in listed:
        if not TABLE.fullmatch(table):
            raise SpecError(f"{where}: {table!r} is not allowed; expected database.table of letters, digits and '_'"
                            " (tables the DAGs of this file write are added without being listed)")
    tables = sorted(written | set(listed))
    if not tables:
        raise SpecError(f"{where}: no table to maintain: no DAG of this file writes an Iceberg table; list some here")
    options["--table"] = tuple(tables)
    return replace(task, options=tuple(options.items()))


def _check_asset_schedules(dags: tuple[DagSpec, ...]) -> None:
    """A DAG may wait only for assets that a DAG of the same file writes: a typo would wait forever."""
    written = {outlet for dag in dags for outlet in dag.outlets}
    for dag in dags:
        for asset in dag.assets:
            if asset not in written:
                raise SpecError(f"dags.{dag.name}.schedule: asset {asset!r} is not allowed; no DAG of this file writes it."
                                f" Written: {sorted(written)}")


def _merge(defaults: Mapping, entry: Mapping) -> dict:
    """The entry over the defaults; spark_conf and alerts key by key, so an entry adds to or overrides single keys."""
    merged = {**defaults, **entry}
    for key in ("spark_conf", "alerts"):
        if isinstance(defaults.get(key), Mapping) and isinstance(entry.get(key), Mapping):
            merged[key] = {**defaults[key], **entry[key]}
    return merged


def parse(name: str, entry: Mapping, jar: Mapping | None = None) -> DagSpec:
    """Builds one DagSpec from an entry already merged with the defaults; jar: the jar's spec."""
    where = f"dags.{name}"
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise SpecError(f"dags: entry name {name!r} must be lower_snake_case (it becomes the DAG id kindling_<name>)")
    _check_keys(where, entry, DAG_KEYS)
    field = _Fields(where, entry)
    jobs = jar_spec.jobs(jar or jar_spec.load())
    if "tasks" in entry:
        misplaced = sorted(ONLY_IN_A_TASK & set(entry))
        if misplaced:
            raise SpecError(f"{where}: {misplaced} belong in a task of its `tasks`, not in the pipeline")
        tasks_entry = entry["tasks"]
        if not isinstance(tasks_entry, Mapping) or not tasks_entry:
            field._fail("tasks", tasks_entry, "a mapping of task name: job, options, after, ...")
        shared = {key: value for key, value in entry.items() if key in TASK_KEYS}
        tasks = []
        for task_id, task_entry in tasks_entry.items():
            task_where = f"{where}.tasks.{task_id}"
            if not isinstance(task_id, str) or not NAME.fullmatch(task_id):
                raise SpecError(f"{where}.tasks: task name {task_id!r} must be lower_snake_case")
            _check_keys(task_where, task_entry, TASK_KEYS)
            tasks.append(_task(task_where, task_id, _merge(shared, task_entry), jobs, earlier=[t.task_id for t in tasks]))
    else:
        job = field.text("job")
        tasks = [_task(where, job, {key: value for key, value in entry.items() if key in TASK_KEYS}, jobs, earlier=[])]
    schedule, assets = field.schedule("schedule")
    return DagSpec(
        name=name,
        description=field.text("description"),
        schedule=schedule,
        assets=assets,
        start_date=field.date("start_date"),
        catchup=field.boolean("catchup"),
        max_active_runs=field.integer("max_active_runs", minimum=1),
        tags=tuple(field.optional_list("tags")),
        alerts=field.alerts("alerts"),
        tasks=tuple(tasks),
    )


def _task(where: str, task_id: str, entry: Mapping, jobs: Mapping[str, Mapping], earlier: list[str]) -> TaskSpec:
    field = _Fields(where, entry)
    job = field.choice("job", jobs)
    options = field.options("options", job, jar_spec.option_names(jobs[job]))
    return TaskSpec(
        task_id=task_id,
        job=job,
        after=tuple(field.task_names("after", earlier)),
        retries=field.integer("retries", minimum=0),
        retry_delay=field.duration("retry_delay"),
        retry_exponential_backoff=field.number("retry_exponential_backoff", minimum=0),
        max_retry_delay=field.duration("max_retry_delay"),
        execution_timeout=field.duration("execution_timeout"),
        driver_memory=field.memory("driver_memory"),
        executor_memory=field.memory("executor_memory"),
        spark_conf=field.spark_conf("spark_conf"),
        options=options,
        secret_env=field.secret_env("secret_env"),
        outlets=field.outlets("options", jobs[job], dict(options)),
    )


def _check_keys(where: str, entry, allowed: frozenset[str]) -> None:
    if not isinstance(entry, Mapping):
        raise SpecError(f"{where}: expected a mapping of keys, got {entry!r}")
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


class _Fields:
    """Typed access to one entry's keys; every error names the entry, the key, the value and what is allowed."""

    def __init__(self, where: str, entry: Mapping):
        self.where = where
        self.entry = entry

    def _get(self, key: str):
        if key not in self.entry:
            raise SpecError(f"{self.where}.{key}: missing (set it in the entry or in defaults)")
        return self.entry[key]

    def _fail(self, key: str, value, allowed: str):
        raise SpecError(f"{self.where}.{key}: {value!r} is not allowed; expected {allowed}")

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            self._fail(key, value, "a non-empty string")
        return value

    def choice(self, key: str, allowed) -> str:
        value = self.text(key)
        if value not in allowed:
            self._fail(key, value, f"one of {sorted(allowed)}")
        return value

    def date(self, key: str) -> date:
        value = self._get(key)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                pass
        if not isinstance(value, date):
            self._fail(key, value, "a date YYYY-MM-DD")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            self._fail(key, value, "true or false")
        return value

    def integer(self, key: str, minimum: int) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self._fail(key, value, f"an integer >= {minimum}")
        return value

    def number(self, key: str, minimum: float) -> float:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            self._fail(key, value, f"a number >= {minimum}")
        return float(value)

    def duration(self, key: str) -> timedelta:
        value = self._get(key)
        try:
            parsed = pendulum.parse(value) if isinstance(value, str) else None
        except (ValueError, pendulum.parsing.exceptions.ParserError):
            parsed = None
        if not isinstance(parsed, timedelta) or parsed <= timedelta(0):
            self._fail(key, value, "a positive ISO 8601 duration such as PT30S, PT5M, PT2H")
        return timedelta(seconds=parsed.total_seconds())

    def alerts(self, key: str) -> AlertSpec:
        _check_keys(f"{self.where}.{key}", self._get(key), ALERT_KEYS)
        field = _Fields(f"{self.where}.{key}", self.entry[key])
        email = field.entry.get("email") or []
        if not isinstance(email, list) or not all(isinstance(a, str) and EMAIL.fullmatch(a) for a in email):
            field._fail("email", email, "a list of e-mail addresses (empty: no mail)")
        webhook = field.entry.get("webhook_conn_id")
        return AlertSpec(
            email=tuple(email),
            smtp_conn_id=field.text("smtp_conn_id"),
            webhook_conn_id=None if webhook is None else field.text("webhook_conn_id"),
            deadline=None if field.entry.get("deadline") is None else field.duration("deadline"),
        )

    def memory(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not MEMORY.fullmatch(value):
            self._fail(key, value, "a Spark memory size such as 512m or 4g")
        return value

    def spark_conf(self, key: str) -> Mapping[str, str]:
        value = self.entry.get(key) or {}
        if not isinstance(value, Mapping) or not all(isinstance(k, str) and k.startswith("spark.") for k in value):
            self._fail(key, value, "a mapping of spark.* keys to values")
        return MappingProxyType({k: self._scalar_text(f"{key}.{k}", v) for k, v in value.items()})

    def options(self, key: str, job: str, known: frozenset[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        value = self.entry.get(key) or {}
        if not isinstance(value, Mapping):
            self._fail(key, value, "a mapping of --option: value (a list for a repeatable option, true for a flag)")
        parsed = []
        for option, given in value.items():
            if not isinstance(option, str) or not option.startswith("--"):
                self._fail(key, option, "option names starting with --")
            if option not in known:
                self._fail(key, option, f"an option of the job {job} (bin/kindling {job} --help)")
            if option in OPTIONS_SET_BY_FACTORY:
                self._fail(f"{key}.{option}", given, f"no value: {sorted(OPTIONS_SET_BY_FACTORY)} come from Airflow")
            if given is True:
                parsed.append((option, ()))
            elif isinstance(given, list) and given:
                parsed.append((option, tuple(self._scalar_text(f"{key}.{option}", item) for item in given)))
            elif given is None or given is False or isinstance(given, (list, Mapping)):
                self._fail(f"{key}.{option}", given, "a value, a non-empty list of values, or true for a flag")
            else:
                parsed.append((option, (self._scalar_text(f"{key}.{option}", given),)))
        return tuple(parsed)

    def secret_env(self, key: str) -> Mapping[str, tuple[str, str]]:
        value = self.entry.get(key) or {}
        if not isinstance(value, Mapping):
            self._fail(key, value, "a mapping of ENV_NAME: <connection id>.<field>")
        parsed = {}
        for env_name, reference in value.items():
            conn_id, _, conn_field = str(reference).rpartition(".")
            if not ENV_NAME.fullmatch(str(env_name)) or not conn_id or conn_field not in CONNECTION_FIELDS:
                self._fail(f"{key}.{env_name}", reference,
                           f"ENV_NAME: <connection id>.<field> with field one of {sorted(CONNECTION_FIELDS)}")
            parsed[env_name] = (conn_id, conn_field)
        return MappingProxyType(parsed)

    def schedule(self, key: str) -> tuple[str | None, tuple[str, ...]]:
        """(cron, ()) for a cron schedule, (None, asset URIs) for `{assets: [...]}`."""
        value = self._get(key)
        if isinstance(value, str) and value.strip():
            return value, ()
        allowed = f"a cron in UTC, or {{assets: [{asset_uri('<kind>', '<name>')}, ...]}}"
        if not isinstance(value, Mapping) or set(value) != {"assets"}:
            self._fail(key, value, allowed)
        assets = value["assets"]
        if not isinstance(assets, list) or not assets or not all(isinstance(a, str) and ASSET.fullmatch(a) for a in assets):
            self._fail(f"{key}.assets", assets, f"a non-empty list of assets such as {asset_uri('hive', 'sales.orders')}")
        return None, tuple(dict.fromkeys(normalized_asset(a) for a in assets))

    def task_names(self, key: str, earlier: list[str]) -> list[str]:
        value = self.entry.get(key) or []
        if not isinstance(value, list) or not all(isinstance(name, str) and name in earlier for name in value):
            self._fail(key, value, f"a list of tasks given before this one in the pipeline: {earlier}")
        return value

    def outlets(self, key: str, job: Mapping, options: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
        """The assets the job writes, from the options the jar marks as naming them (or their defaults).
        Airflow needs them when it parses the DAG, so such an option must have a plain value, not a template."""
        outlets = []
        for option in job["options"]:
            if "writes" not in option:
                continue
            given = next((options[name] for name in option["names"] if name in options), None)
            values = given if given is not None else ((option["default"],) if option["default"] is not None else ())
            for value in values:
                if "{{" in value or not ASSET.fullmatch(asset_uri(option["writes"], value)):
                    self._fail(f"{key}.{option['name']}", value,
                               "a plain name (what the job writes becomes the task's asset when Airflow parses the DAG)")
                outlets.append(asset_uri(option["writes"], value))
        return tuple(outlets)

    def optional_list(self, key: str) -> list[str]:
        value = self.entry.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self._fail(key, value, "a list of strings")
        return value

    def _scalar_text(self, key: str, value) -> str:
        """A value as the command line gets it: YAML's true/false as Spark writes them, numbers as
        plain decimals (1e-05 would be refused by the jar)."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return format(Decimal(repr(value)), "f")
        if not isinstance(value, (str, int)):
            self._fail(key, value, "a string or a number")
        return str(value)
