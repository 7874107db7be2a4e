"""Telling people: a task that failed for good, and a DAG run that has not succeeded by its deadline.

Both go through Airflow's own notifiers, to the recipients of the DAG's `alerts` in jobs.yaml: an e-mail
(SmtpNotifier, the SMTP connection smtp_conn_id) to each address of `email`, and a JSON post
{"text": ...} (HttpNotifier) to the HTTP connection webhook_conn_id, the incoming webhook of a chat tool
(Slack, Mattermost, Rocket.Chat and Google Chat all read "text").

- Failure: the task's on_failure_callback, which Airflow calls only when no retry is left (or the
  exit code is not retried: the operator fails at once). It runs in the task's process, with the full
  context, so the message names the job, DAG, logical date, run, try and the operator's reason.
- Deadline: Airflow's deadline alerts (the successor of SLAs). The scheduler notices a run still not
  successful `deadline` after it was queued and hands the notifier to the triggerer, which awaits it
  with a small context (the run, the deadline); the message is a template over that context.

Messages carry no connection field but the ids, and the failure's reason goes through Airflow's
secrets masker first (it knows every connection password the task has read).
"""
from __future__ import annotations

import html
import logging

from airflow.providers.http.notifications.http import HttpNotifier
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference
from airflow.sdk._shared.secrets_masker import redact  # where the sdk's own logging takes it from

from kindling_airflow.spec import AlertSpec

LOG = logging.getLogger("kindling.alert")
REASON_LENGTH = 500
# What the notifiers render: the failure's fields are computed, so they reach the templates as one
# context value (a reason holding "{{" is then text, not a template).
SUBJECT = "{{ kindling_alert.subject }}"
HTML = "{{ kindling_alert.html }}"
TEXT = "{{ kindling_alert.text }}"
# A missed deadline knows only the run (Airflow's DAGRunResponse) and the deadline.
DEADLINE_DATE = "{{ (dag_run.partition_key or dag_run.logical_date or dag_run.run_after)[:10] }}"
DEADLINE_TEXT = ("KINDLING DEADLINE dag={{ dag_run.dag_id }} run={{ dag_run.dag_run_id }} "
                 "logical_date=" + DEADLINE_DATE + " jobs=%(jobs)s: not succeeded by {{ deadline.deadline_time }}, "
                 "%(deadline)s after it was queued at {{ dag_run.queued_at }} (state {{ dag_run.state }})")
DEADLINE_SUBJECT = "Kindling: {{ dag_run.dag_id }} for " + DEADLINE_DATE + " missed its deadline"


class TaskFailed:
    """on_failure_callback of every Kindling task: one log line, one mail, one webhook post."""

    def __init__(self, alerts: AlertSpec):
        self.alerts = alerts

    def __call__(self, context) -> None:
        fields = failure_fields(context)
        LOG.error("%s", fields["text"])
        for notifier in notifiers(self.alerts, SUBJECT, HTML, TEXT):
            try:
                # a notifier renders its fields in place, so each alert gets new ones
                notifier({**context, "kindling_alert": fields})
            except Exception:  # one channel down must not silence the other
                LOG.exception("could not send the alert through %s", type(notifier).__name__)


def failure_fields(context) -> dict[str, str]:
    ti = context["ti"]
    job = getattr(context.get("task"), "job", ti.task_id)
    # the date the job ran for: the factory's --logical-date (the partition key on assets)
    day = context.get("partition_key") or context.get("ds")
    reason = redact(" ".join(str(context.get("exception") or "failed").split()))[:REASON_LENGTH]
    text = (f"KINDLING ALERT dag={ti.dag_id} task={ti.task_id} run={ti.run_id} logical_date={day} "
            f"try={ti.try_number}/{ti.max_tries + 1} job={job}: {reason}")
    return {"text": text, "html": f"<p>{html.escape(text)}</p>",
            "subject": f"Kindling: {ti.dag_id}.{ti.task_id} failed for {day} (try {ti.try_number})"}


def notifiers(alerts: AlertSpec, subject: str, html_content: str, text: str) -> list:
    """The notifiers of the DAG's channels; the arguments are templates over the notifier's context."""
    chosen = []
    if alerts.email:
        chosen.append(SmtpNotifier(to=list(alerts.email), smtp_conn_id=alerts.smtp_conn_id,
                                   subject=subject, html_content=html_content))
    if alerts.webhook_conn_id:
        chosen.append(HttpNotifier(http_conn_id=alerts.webhook_conn_id, json={"text": text},
                                   headers={"Content-Type": "application/json"}))
    return chosen


def deadline_alerts(alerts: AlertSpec, jobs) -> list[DeadlineAlert]:
    """One deadline alert per channel, each awaited by the triggerer when a run misses the deadline."""
    if alerts.deadline is None:
        return []
    text = DEADLINE_TEXT % {"jobs": ",".join(jobs), "deadline": alerts.deadline}
    callbacks = []
    if alerts.email:
        callbacks.append(AsyncCallback(SmtpNotifier, kwargs={
            "to": list(alerts.email), "smtp_conn_id": alerts.smtp_conn_id, "subject": DEADLINE_SUBJECT,
            "html_content": f"<p>{html.escape(text)}</p>"}))
    if alerts.webhook_conn_id:
        callbacks.append(AsyncCallback(HttpNotifier, kwargs={
            "http_conn_id": alerts.webhook_conn_id, "json": {"text": text},
            "headers": {"Content-Type": "application/json"}}))
    return [DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=alerts.deadline, callback=callback)
            for callback in callbacks]

