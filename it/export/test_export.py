"""The export job end to end (bin/kindling export through spark-submit) against a real PostgreSQL: a
throwaway server of this module (bin/lib/postgres.py), Hive source tables written by the snapshot job
on the embedded default."""
import os
import signal
import subprocess
import threading

import pytest

from kindling_it import KINDLING, ROOT, Run, run_kindling
from lineage_receiver import LineageReceiver, kindling_events
import postgres  # noqa: E402 (bin/lib, on the path through kindling_it)

TYPES = ("id INT, small SMALLINT, big BIGINT, ratio DOUBLE, score FLOAT, amount DECIMAL(12,3), name STRING,"
         " flag BOOLEAN, day DATE, at TIMESTAMP, local_at TIMESTAMP_NTZ")
HEADER = "id,small,big,ratio,score,amount,name,flag,day,at,local_at"
DAY1, DAY2 = "2024-01-15", "2024-01-16"
# the table the export makes of TYPES (with the source's partition column), for targets a test makes itself
TYPES_TABLE = ("id integer, small integer, big bigint, ratio double precision, score real, amount numeric(12,3), name text,"
               " flag boolean, day date, at timestamp with time zone, local_at timestamp without time zone, ds text")


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    if not postgres.installed() and not os.environ.get("CI"):
        pytest.skip("no PostgreSQL server binaries: `sudo bin/install-services` installs them (CI does)")
    with postgres.Throwaway(tmp_path_factory.mktemp("export-pg")) as server:
        yield server


class Exporter:
    """Runs jobs with the server's credentials in the environment only, and checks that no output of any
    run ever shows the password."""

    def __init__(self, pg, work_dir, csv_dir):
        self.pg, self.work_dir, self.csv_dir = pg, work_dir, csv_dir
        self.env = {"KINDLING_JDBC_USER": pg.user, "KINDLING_JDBC_PASSWORD": pg.password}

    def checked(self, run: Run) -> Run:
        for text in [run.out, *run.err_lines]:
            assert self.pg.password not in text, "the password reached the output"
        metrics = self.work_dir / "metrics"
        if metrics.exists():
            for csv in metrics.rglob("*.csv"):
                assert self.pg.password not in csv.read_text()
        return run

    def kindling(self, *args, env=None) -> Run:
        return self.checked(run_kindling(*args, work_dir=self.work_dir, env=dict(self.env, **(env or {}))))

    def source(self, table, day, lines, schema=TYPES, header=HEADER):
        csv = self.csv_dir / f"{table}-{day}-{len(lines)}.csv"
        csv.write_text(header + "\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
        run = self.kindling("snapshot", "--source", str(csv), "--format", "csv", "--schema", schema,
                            "--target", table, "--logical-date", day, "--max-bad-ratio", "0")
        assert run.code == 0, run.err_lines[-5:]

    def export(self, *args, day=DAY1, env=None) -> Run:
        return self.kindling("export", "--logical-date", day, "--target-url", self.pg.url, *args, env=env)

    def rows(self, sql) -> list[str]:
        return self.pg.sql(sql).splitlines()


@pytest.fixture(scope="module")
def ex(pg, tmp_path_factory):
    return Exporter(pg, tmp_path_factory.mktemp("export-work"), tmp_path_factory.mktemp("export-csv"))


def last_line(run: Run) -> str:
    return run.err_lines[-1] if run.err_lines else ""


def error_lines(run: Run) -> list[str]:
    """The one-line messages of a failed run (the JSON log lines aside)."""
    return [line for line in run.err_lines if line.startswith("kindling export:")]


def test_each_type_is_mapped_exactly(ex):
    ex.source("exp.types", DAY1, [
        '1,-32768,9223372036854775807,0.1,1.5,123456789.123,"Zażółć gęślą jaźń, ""quoted"" 日本 🎉",true,2024-02-29,'
        '2024-01-15T23:59:59.123456Z,2024-01-15T23:59:59.123456',
        '2,,,,,,,,,,',
        '3,7,-1,-2.5E10,0,-0.001,"",false,0001-01-01,1970-01-01T00:00:00Z,1999-12-31T12:00:00',
    ])
    run = ex.export("--source", "exp.types", "--target-table", "types_copy")
    assert run.code == 0, run.err_lines[-5:]
    assert '"rows_read=3' in last_line(run) or "rows_read=3," in last_line(run)
    assert "rows_written=3" in last_line(run)
    assert ex.rows("SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_name = 'types_copy' ORDER BY ordinal_position") == [
        # small: Iceberg stores SMALLINT as INT, so the snapshot's table has an INT column
        "id integer", "small integer", "big bigint", "ratio double precision", "score real", "amount numeric", "name text",
        "flag boolean", "day date", "at timestamp with time zone", "local_at timestamp without time zone", "ds text"]
    assert ex.rows("SELECT numeric_precision || ',' || numeric_scale FROM information_schema.columns WHERE table_name = 'types_copy' AND column_name = 'amount'") == ["12,3"]
    rows = ex.pg.sql("SET TIME ZONE 'UTC'; SELECT id, small, big, ratio, score, amount, name, flag, day, at, local_at, ds,"
                     " name IS NULL, length(name) FROM types_copy ORDER BY id").splitlines()[1:]
    assert rows == [
        '1|-32768|9223372036854775807|0.1|1.5|123456789.123|Zażółć gęślą jaźń, "quoted" 日本 🎉|t|2024-02-29|2024-01-15 23:59:59.123456+00|2024-01-15 23:59:59.123456|2024-01-15|f|32',
        "2|||||||||||2024-01-15|t|",
        # the quoted empty name is an empty string, not null, from the CSV through COPY into PostgreSQL
        "3|7|-1|-25000000000|0|-0.001||f|0001-01-01|1970-01-01 00:00:00+00|1999-12-31 12:00:00|2024-01-15|f|0",
    ]


def published(run: Run) -> str:
    """How the run's publish went, from its log line."""
    return next((line["message"] for line in run.json_lines() if line["message"].startswith("published ")), "")


def partitions(ex, table) -> list[str]:
    return ex.rows(f"SELECT c.relname || '|' || pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                   f" WHERE i.inhparent = '{table}'::regclass ORDER BY 1")


def count(ex, table, day):
    return int(ex.pg.sql(f"SELECT count(*) FROM {table} WHERE ds = '{day}'").strip())


def orders(n, first=1, name="old"):
    return [f"{i},1,1,1.0,1.0,1.000,{name}{i},true,2024-01-01,2024-01-01T00:00:00Z,2024-01-01T00:00:00" for i in range(first, first + n)]


def test_replace_date_replaces_only_that_date_atomically_and_a_rerun_is_identical(ex):
    ex.source("exp.orders", DAY1, orders(5))
    ex.source("exp.orders", DAY2, orders(3000))
    first = ex.export("--source", "exp.orders", "--target-table", "orders", day=DAY1)
    assert first.code == 0 and published(first) == "published 5 rows into public.orders: the staging table became the table"
    second = ex.export("--source", "exp.orders", "--target-table", "orders", day=DAY2)
    assert published(second) == "published 3000 rows into public.orders: the staging table replaced the date's partition"
    assert (count(ex, "orders", DAY1), count(ex, "orders", DAY2)) == (5, 3000)
    assert partitions(ex, "orders") == ["orders_20240115|FOR VALUES IN ('2024-01-15')", "orders_20240116|FOR VALUES IN ('2024-01-16')"]

    ex.source("exp.orders", DAY2, orders(1000, first=5000, name="new"))
    seen, stop = set(), threading.Event()

    def poll():  # a reader during the replace sees the old rows or the new, never none nor both
        while not stop.is_set():
            seen.add(count(ex, "orders", DAY2))

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        run = ex.export("--source", "exp.orders", "--target-table", "orders", day=DAY2)
    finally:
        stop.set()
        reader.join()
    assert run.code == 0, run.err_lines[-5:]
    assert published(run) == "published 1000 rows into public.orders: the staging table replaced the date's partition"
    assert seen <= {3000, 1000} and 3000 in seen and len(seen) >= 1
    assert count(ex, "orders", DAY1) == 5
    assert ex.rows(f"SELECT min(name), max(name) FROM orders WHERE ds = '{DAY2}'") == ["new5000|new5999"]

    before = ex.pg.sql("SELECT * FROM orders ORDER BY ds, id")
    assert ex.export("--source", "exp.orders", "--target-table", "orders", day=DAY2).code == 0
    assert ex.pg.sql("SELECT * FROM orders ORDER BY ds, id") == before
    assert ex.rows("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'kindling_stage%'") == ["0"]


def test_a_table_not_partitioned_by_the_date_gets_the_dates_rows_replaced_by_insert(ex):
    ex.source("exp.plain", DAY1, orders(4, name="new"))
    ex.pg.sql(f"CREATE TABLE plain ({TYPES_TABLE}); INSERT INTO plain (id, ds) VALUES (3, '2024-01-14'), (99, '2024-01-15')")
    # a dry run says what it would write, and writes nothing: no staging table, no new table, no row
    dry = ex.export("--source", "exp.plain", "--target-table", "plain", "--dry-run")
    assert dry.code == 0, dry.err_lines[-5:]
    assert (f"dry run: would export exp.plain (ds = {DAY1}) to PostgreSQL {ex.pg.url} table public.plain (replace-date;"
            " inserted from the staging table), columns: id integer, small integer") in dry.out, dry.out
    assert "Physical Plan" in dry.out
    assert ex.export("--source", "exp.plain", "--target-table", "plain_new", "--dry-run").code == 0
    assert ex.rows("SELECT string_agg(id::text, ',' ORDER BY id) FROM plain") == ["3,99"]
    assert ex.rows("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'kindling_stage%' OR tablename = 'plain_new'") == ["0"]
    run = ex.export("--source", "exp.plain", "--target-table", "plain")
    assert run.code == 0, run.err_lines[-5:]
    assert published(run) == "published 4 rows into public.plain: inserted from the staging table"
    assert ex.rows("SELECT ds || ' ' || string_agg(id::text, ',' ORDER BY id) FROM plain GROUP BY ds ORDER BY ds") == [
        "2024-01-14 3", "2024-01-15 1,2,3,4"]
    assert ex.rows("SELECT relkind FROM pg_class WHERE relname = 'plain'") == ["r"]


def test_a_partitioned_table_of_its_own_keeps_its_constraints_and_a_row_that_breaks_them_is_exit_3(ex):
    ex.pg.sql(f"CREATE TABLE owned ({TYPES_TABLE}, CONSTRAINT positive CHECK (id > 0), PRIMARY KEY (id, ds)) PARTITION BY LIST (ds);"
              " ALTER TABLE owned ALTER COLUMN name SET NOT NULL;"
              " CREATE TABLE owned_old PARTITION OF owned FOR VALUES IN ('2024-01-15');"
              " CREATE TABLE owned_other PARTITION OF owned FOR VALUES IN ('2024-01-16');"
              " INSERT INTO owned (id, name, ds) VALUES (1, 'old', '2024-01-15'), (2, 'other', '2024-01-16')")
    ex.source("exp.owned", DAY1, orders(3, name="new"))
    run = ex.export("--source", "exp.owned", "--target-table", "owned")
    assert run.code == 0, run.err_lines[-5:]
    assert published(run) == "published 3 rows into public.owned: the staging table replaced the date's partition"
    assert ex.rows("SELECT ds || ' ' || string_agg(name, ',' ORDER BY id) FROM owned GROUP BY ds ORDER BY ds") == [
        "2024-01-15 new1,new2,new3", "2024-01-16 other"]
    assert partitions(ex, "owned") == ["owned_20240115|FOR VALUES IN ('2024-01-15')", "owned_other|FOR VALUES IN ('2024-01-16')"]
    assert ex.rows("SELECT count(*) FROM pg_index WHERE indrelid = 'owned_20240115'::regclass AND indisprimary") == ["1"]

    before = ex.pg.sql("SELECT * FROM owned ORDER BY ds, id")
    no_name = [f"{i},1,1,1.0,1.0,1.000,,true,2024-01-01,2024-01-01T00:00:00Z,2024-01-01T00:00:00" for i in (1, 2)]
    for broken in (orders(2, first=-1, name="neg"), no_name):
        ex.source("exp.owned", DAY1, broken)  # id -1 breaks the CHECK; an empty name is a null, which NOT NULL refuses
        bad = ex.export("--source", "exp.owned", "--target-table", "owned")
        assert bad.code == 3, bad.err_lines[-5:]
        assert len(error_lines(bad)) == 1 and "PostgreSQL refused the rows for public.owned" in error_lines(bad)[0]
        assert ex.pg.sql("SELECT * FROM owned ORDER BY ds, id") == before
    assert ex.rows("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'kindling_stage%'") == ["0"]


def test_upsert_updates_existing_keys_and_inserts_new_ones(ex):
    ex.source("exp.customers", DAY1, orders(3, name="v1_"))
    assert ex.export("--source", "exp.customers", "--target-table", "customers", "--mode", "upsert", "--key", "id").code == 0
    ex.source("exp.customers", DAY1, orders(2, first=2, name="v2_"))
    run = ex.export("--source", "exp.customers", "--target-table", "customers", "--mode", "upsert", "--key", "id")
    assert run.code == 0, run.err_lines[-5:]
    assert published(run) == "published 2 rows into public.customers: inserted from the staging table"
    assert ex.rows("SELECT id || ' ' || name FROM customers ORDER BY id") == ["1 v1_1", "2 v2_2", "3 v2_3"]
    assert ex.rows("SELECT count(*) FROM pg_index WHERE indrelid = 'customers'::regclass AND indisprimary") == ["1"]

    # an existing table without a unique index on the key: exit 2, untouched
    ex.pg.sql("CREATE TABLE no_key AS SELECT * FROM customers")
    run = ex.export("--source", "exp.customers", "--target-table", "no_key", "--mode", "upsert", "--key", "id")
    assert run.code == 2
    assert len(error_lines(run)) == 1 and "has no primary key or unique index on exactly --key id" in error_lines(run)[0]
    assert ex.rows("SELECT count(*) FROM no_key") == ["3"]


def test_a_run_killed_while_writing_leaves_the_target_as_before_and_the_rerun_is_complete(ex):
    ex.source("exp.big", DAY1, orders(2, name="before"))
    assert ex.export("--source", "exp.big", "--target-table", "big").code == 0
    before = ex.pg.sql("SELECT * FROM big ORDER BY id")
    ex.source("exp.big", DAY1, orders(200_000, name="after"))

    env = dict(os.environ, KINDLING_WORK_DIR=str(ex.work_dir), **ex.env)
    process = subprocess.Popen([str(KINDLING), "export", "--logical-date", DAY1, "--target-url", ex.pg.url, "--source", "exp.big",
                                "--target-table", "big"], cwd=ROOT, env=env, text=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    lines = []
    try:
        for line in process.stderr:
            lines.append(line)
            if "into PostgreSQL staging table" in line:
                os.killpg(process.pid, signal.SIGKILL)
                break
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    assert any("into PostgreSQL staging table" in line for line in lines), lines[-5:]
    assert all(ex.pg.password not in line for line in lines)
    assert ex.pg.sql("SELECT * FROM big ORDER BY id") == before

    rerun = ex.export("--source", "exp.big", "--target-table", "big")
    assert rerun.code == 0, rerun.err_lines[-5:]
    assert ex.rows("SELECT count(*), count(DISTINCT id), min(name) FROM big") == ["200000|200000|after1"]
    assert any("staging tables of public.big left by earlier runs" in line for line in rerun.err_lines)
    assert ex.rows("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'kindling_stage%'") == ["0"]


def test_a_target_with_other_columns_is_exit_2_and_untouched(ex):
    ex.source("exp.narrow", DAY1, ["1,x"], schema="id INT, name STRING", header="id,name")
    ex.pg.sql("CREATE TABLE narrow (id bigint, ds text); INSERT INTO narrow VALUES (7, '2024-01-15')")
    run = ex.export("--source", "exp.narrow", "--target-table", "narrow")
    assert run.code == 2
    assert error_lines(run) == ["kindling export: error: --target-table 'public.narrow' has other columns than the source:"
                                " missing: name text; changed: id bigint -> integer; nothing was written"]
    assert ex.rows("SELECT id FROM narrow") == ["7"]


def test_bad_names_credentials_and_a_server_that_is_down_are_one_line_before_spark(ex):
    bad = ex.export("--source", "exp.orders", "--target-table", "Orders;drop")
    assert bad.code == 2
    assert bad.err_lines == ["kindling export: error: --target-table 'Orders;drop' is not a PostgreSQL table name: use table or schema.table"
                             " (lower-case letters, digits and '_', not starting with a digit, at most 63 characters each)"]

    wrong = ex.export("--source", "exp.orders", "--target-table", "orders", env={"KINDLING_JDBC_PASSWORD": "not-the-password"})
    assert wrong.code == 2
    assert len(wrong.err_lines) == 1 and "refused the credentials" in wrong.err_lines[0]
    assert ex.pg.user not in wrong.err_lines[0]

    down = run_kindling("export", "--logical-date", DAY1, "--source", "exp.orders", "--target-table", "orders",
                        "--target-url", f"jdbc:postgresql://127.0.0.1:{postgres.free_port()}/exports", work_dir=ex.work_dir, env=ex.env)
    ex.checked(down)
    assert down.code == 1
    assert len(down.err_lines) == 1 and down.err_lines[0].startswith("kindling export: failed: --target-url")
    assert "refused" in down.err_lines[0]


def test_lineage_has_the_exports_facts_and_source_table_and_never_the_password(ex):
    ex.source("exp.lineage", DAY1, orders(3))
    with LineageReceiver() as receiver:
        run = ex.export("--source", "exp.lineage", "--target-table", "lineage_copy", "--conf", f"lineage.url={receiver.url}")
        assert run.code == 0, run.err_lines[-5:]
        events = receiver.wait_for(lambda got: kindling_events(got, "export")
                                   and any(e["job"]["name"] == "kindling_export" and e["eventType"] == "COMPLETE" for e in got))
        bodies = list(receiver.bodies)
    [own] = kindling_events(events, "export")
    facts = own["run"]["facets"]["kindling"]
    assert (facts["logical_date"], facts["rows_read"], facts["rows_written"], facts["exit_code"]) == (DAY1, 3, 3, 0)
    # written outside Spark, so only Kindling's own event names the PostgreSQL table: as its Airflow asset is named
    assert [(d["namespace"], d["name"]) for d in own["outputs"]] == [("kindling://postgres", "lineage_copy")]
    read = [e for e in events if any(identifier["name"] == "exp.lineage" for source in e.get("inputs", [])
                                     for identifier in source["facets"].get("symlinks", {}).get("identifiers", []))]
    assert read, [e["job"]["name"] for e in events]
    assert not [body for body in bodies if ex.pg.password in body], "the password reached a lineage event"
