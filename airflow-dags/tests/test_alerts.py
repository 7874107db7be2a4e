"""Alerts under real Airflow reach a person: an SMTP server and a chat webhook, both run here on
127.0.0.1, receive exactly one message per incident. A task that fails for good (exit 3 at once; exit 1
after its last retry, and nothing for the try that is retried) is told by `airflow dags test`; a run
that misses its deadline by Airflow's scheduler (which notices) and triggerer (which sends). The
spark-submit is a stand-in that exits as told: the alerts do not need Spark.
"""
import email
import email.policy
import http.server
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from datetime import datetime, timezone

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from conftest import DAGS_FOLDER
from kindling_airflow.operator import MEANINGS
from test_end_to_end import fake_spark_home  # noqa: F401 (a fixture: spark-submit exits as told)

SECRET = "al3rt-pa55-never-sent"  # the SMTP and webhook logins' password, and the job's JDBC password
WEBHOOK_TOKEN = "pl4nted-w3bh00k-t0ken"  # a chat tool's secret, in its webhook's path
RECIPIENTS = ["oncall@kindling.test", "lead@kindling.test"]
DAY = "2024-03-05"


class Inbox:
    """Messages one channel received, awaited by condition."""

    def __init__(self):
        self.messages = []
        self.changed = threading.Condition()

    def add(self, message):
        with self.changed:
            self.messages.append(message)
            self.changed.notify_all()

    def wait_for(self, count, timeout=60):
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.messages) >= count, timeout), \
                f"{len(self.messages)} of {count} messages after {timeout} s: {self.messages}"
        return list(self.messages)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def mail():
    """An SMTP server that wants the login's password (so the secret is used) and keeps what it gets:
    (recipients, the raw message, its decoded text)."""
    inbox = Inbox()

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            raw = envelope.original_content.decode("utf-8", "replace")
            parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            text = "\n".join([parsed["Subject"] or ""] + [part.get_content() for part in parsed.walk()
                                                          if part.get_content_maintype() == "text"])
            inbox.add((sorted(envelope.rcpt_tos), raw, text))
            return "250 kept"

    def authenticate(server, session, envelope, mechanism, data):
        return AuthResult(success=isinstance(data, LoginPassword) and data.password.decode() == SECRET)

    server = Controller(Keep(), hostname="127.0.0.1", port=free_port(), authenticator=authenticate,
                        auth_require_tls=False)
    server.start()
    try:
        yield server.port, inbox
    finally:
        server.stop()


@pytest.fixture(scope="module")
def chat():
    """A chat tool's incoming webhook: keeps (path, body) of every POST."""
    inbox = Inbox()

    class Webhook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            inbox.add((self.path, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server.server_address[1], inbox
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(scope="module")
def connections(mail, chat):
    """The connections the alerts block names, and the job's JDBC secret, as a deployment gives them."""
    smtp = {"conn_type": "smtp", "host": "127.0.0.1", "port": mail[0], "login": "kindling", "password": SECRET,
            "extra": {"from_email": "airflow@kindling.test", "disable_tls": True, "disable_ssl": True, "retry_limit": 0}}
    webhook = {"conn_type": "http", "host": f"http://127.0.0.1:{chat[0]}/hooks/kindling", "login": "kindling",
               "password": SECRET}
    warehouse = {"conn_type": "generic", "login": "etl", "password": SECRET}
    return {"AIRFLOW_CONN_ALERT_SMTP": json.dumps(smtp), "AIRFLOW_CONN_ALERT_CHAT": json.dumps(webhook),
            "AIRFLOW_CONN_WAREHOUSE_DB": json.dumps(warehouse)}


@pytest.fixture(scope="module")
def alert_spec(tmp_path_factory):
    """Probe DAGs with the test's recipients: one per incident."""
    shipped = yaml.safe_load((DAGS_FOLDER / "jobs.yaml").read_text())
    alerts = {"email": RECIPIENTS, "smtp_conn_id": "alert_smtp", "webhook_conn_id": "alert_chat", "deadline": None}
    entry = {"job": "snapshot", "description": "alert probe", "start_date": "2024-01-01", "retry_delay": "PT1S",
             "options": {"--source": "/landing/{{ ds }}.csv", "--format": "csv", "--target": "probe.orders"},
             "secret_env": {"KINDLING_JDBC_PASSWORD": "warehouse_db.password"}}
    document = {"defaults": {**shipped["defaults"], "alerts": alerts}, "dags": {
        "bad_data_probe": {**entry, "retries": 2},
        "flaky_probe": {**entry, "retries": 1},
        "late_probe": {**entry, "alerts": {"deadline": "PT2S"}},
    }}
    path = tmp_path_factory.mktemp("alert-spec") / "jobs.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def assert_one_alert_each(mail, chat, count, *expected, timeout=60):
    """The `count`-th message of each channel names everything expected; no secret in any of them."""
    mails, posts = mail[1].wait_for(count, timeout), chat[1].wait_for(count, timeout)
    assert (len(mails), len(posts)) == (count, count), (mails, posts)
    recipients, raw, text = mails[-1]
    path, body = posts[-1]
    assert recipients == sorted(RECIPIENTS) and path == "/hooks/kindling"
    posted = json.loads(body)["text"]
    for part in expected:
        assert part in text and part in posted, (part, text, posted)
    for message in (raw, text, body):
        assert SECRET not in message
    return text, posted


def failing(spark_home, code, tmp_path):
    return {"SPARK_HOME": str(spark_home), "FAKE_SPARK_EXIT": str(code), "FAKE_SPARK_RECORD": str(tmp_path / "calls")}


def test_a_task_that_fails_for_good_tells_each_channel_once(run_dag, alert_spec, fake_spark_home, connections, mail, chat,
                                                           tmp_path):
    run = run_dag("kindling_bad_data_probe", DAY, spec=alert_spec, env={**connections, **failing(fake_spark_home, 3, tmp_path)})
    assert (run.state, run.try_number) == ("failed", 1), run.log[-3000:]
    assert_one_alert_each(mail, chat, 1, "dag=kindling_bad_data_probe", "task=snapshot", "job=snapshot",
                          f"run={run.run_id}", f"logical_date={DAY}", "try=1/3",
                          f"kindling snapshot exited with code 3: {MEANINGS[3]}; not retrying")


def test_a_retried_task_tells_only_when_its_last_try_fails(run_dag, alert_spec, fake_spark_home, connections, mail, chat,
                                                          tmp_path):
    before = len(mail[1].messages)
    run = run_dag("kindling_flaky_probe", DAY, spec=alert_spec, env={**connections, **failing(fake_spark_home, 1, tmp_path)})
    assert (run.state, run.try_number) == ("failed", 2), run.log[-3000:]
    assert_one_alert_each(mail, chat, before + 1, "dag=kindling_flaky_probe", f"run={run.run_id}",
                          f"logical_date={DAY}", "try=2/2", f"kindling snapshot exited with code 1: {MEANINGS[1]}")


def deadlines(airflow_home):
    """(deadline time, missed) of every deadline Airflow has recorded, and the states of their callbacks."""
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        rows = db.execute("SELECT d.deadline_time, d.missed, c.state FROM deadline d"
                          " JOIN callback c ON c.id = d.callback_id").fetchall()
    return [(datetime.fromisoformat(when).replace(tzinfo=timezone.utc), missed, state) for when, missed, state in rows]


def await_condition(condition, timeout, what):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"{what}: not after {timeout} s"
        time.sleep(0.2)


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_run_late_for_its_deadline_tells_each_channel_once(run_dag, alert_spec, connections, mail, chat,
                                                             airflow_home, tmp_path):
    before = len(mail[1].messages)
    assert run_dag.airflow("dags", "reserialize", spec=alert_spec).returncode == 0
    # The DAG is paused (as new DAGs are): its run stays queued, never succeeds.
    triggerer = run_dag.start("triggerer", "--skip-serve-logs", log=tmp_path / "triggerer.log", spec=alert_spec,
                              env=connections)
    try:
        triggered = run_dag.airflow("dags", "trigger", "kindling_late_probe", "--logical-date", DAY, spec=alert_spec)
        assert triggered.returncode == 0, triggered.stderr[-3000:]
        # one deadline a channel, 2 s after the run was queued
        await_condition(lambda: len(deadlines(airflow_home)) == 2
                        and all(when < datetime.now(timezone.utc) for when, _, _ in deadlines(airflow_home)),
                        60, "the run's deadlines passed")
        # The scheduler notices the missed deadline and queues its callbacks for the triggerer; its executor has
        # nothing to run (the DAG is paused), so it needs no API server. It runs until both callbacks are done
        # (a `--num-runs 1` scheduler once sent the alert and then hung in its executor's shutdown for 300 s).
        scheduler = run_dag.start("scheduler", "--skip-serve-logs", log=tmp_path / "scheduler.log", spec=alert_spec,
                                  env=connections)
        try:
            run_id, _ = last_run_id(airflow_home, "kindling_late_probe")
            assert_one_alert_each(mail, chat, before + 1, "KINDLING DEADLINE dag=kindling_late_probe",
                                  f"run={run_id}", f"logical_date={DAY}", "jobs=snapshot",
                                  "not succeeded by", "after it was queued", "state queued", timeout=240)
            await_condition(lambda: [(missed, state) for _, missed, state in deadlines(airflow_home)]
                            == [(1, "success")] * 2, 120, "both callbacks done")
        finally:
            stop(scheduler)
    finally:
        stop(triggerer)
    assert (len(mail[1].messages), len(chat[1].messages)) == (before + 1, before + 1)


def last_run_id(airflow_home, dag_id):
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        return db.execute("SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)).fetchone()


def test_a_reason_from_an_exception_is_masked_like_the_task_log():
    from types import SimpleNamespace

    from airflow.sdk.log import mask_secret
    from kindling_airflow import alerts

    mask_secret(SECRET)  # as reading a connection's password does in a task
    ti = SimpleNamespace(dag_id="kindling_orders", task_id="snapshot", run_id="scheduled__2024-03-05", try_number=4,
                         max_tries=3)
    fields = alerts.failure_fields({"ti": ti, "ds": DAY, "exception": RuntimeError(f"could not log in\nwith {SECRET} {{{{ x }}}}")})
    assert fields["text"] == ("KINDLING ALERT dag=kindling_orders task=snapshot run=scheduled__2024-03-05 "
                              "logical_date=2024-03-05 try=4/4 job=snapshot: could not log in with *** {{ x }}")
    assert SECRET not in fields["html"] and "with *** {{ x }}" in fields["html"]


def test_a_webhook_that_cannot_be_reached_never_shows_its_token_and_the_mail_still_goes(run_dag, alert_spec, fake_spark_home, connections,
                                                                                     mail, tmp_path):
    before = len(mail[1].messages)
    down = {"conn_type": "http", "host": f"http://127.0.0.1:{free_port()}/hooks/{WEBHOOK_TOKEN}?token={WEBHOOK_TOKEN}"}
    run = run_dag("kindling_bad_data_probe", DAY, spec=alert_spec,
                  env={**connections, "AIRFLOW_CONN_ALERT_CHAT": json.dumps(down), **failing(fake_spark_home, 3, tmp_path)})
    assert run.state == "failed", run.log[-3000:]
    mail[1].wait_for(before + 1)
    assert "could not send the alert through WebhookNotifier: ConnectionError" in run.log, run.log[-3000:]
    assert WEBHOOK_TOKEN not in run.log
