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

A chat tool keeps its webhook's secret in the URL's path or query (Slack's /services/T.../B.../...): a
failure-alert post that fails is logged in one line with scheme://host only, never that path or query.
"""
from __future__ import annotations

import html
import logging
import re
from functools import cached_property

import requests

from airflow.providers.http.hooks.http import HttpHook
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
            except Exception as failure:  # one channel down must not silence the other
                LOG.error("could not send the alert through %s: %s", type(notifier).__name__, without_url_paths(failure))


# a URL's path and query, where chat tools keep their tokens; and requests' "with url: /path"
URL_PATH = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s'\"?#]+)[^\s'\"]*", re.IGNORECASE)
REQUEST_PATH = re.compile(r"(\burl: )\S+")


def without_url_paths(failure: BaseException) -> str:
    """The failure in one line, masked, with every URL cut to scheme://host."""
    text = redact(" ".join(f"{type(failure).__name__}: {failure}".split()))
    return REQUEST_PATH.sub(r"\1...", URL_PATH.sub(r"\1/...", text))


class QuietUrlHttpHook(HttpHook):
    """HttpHook whose failure to connect says where to by scheme://host only: the provider's hook logs, and
    requests' exception carries, the whole URL, whose path is the webhook's secret."""

    def run_and_check(self, session, prepped_request, extra_options):
        environment = session.merge_environment_settings(prepped_request.url, proxies=session.proxies, stream=session.stream,
                                                         verify=session.verify, cert=session.cert)
        try:
            response = session.send(prepped_request, timeout=extra_options.get("timeout"),
                                    allow_redirects=extra_options.get("allow_redirects", True), **environment)
        except requests.exceptions.ConnectionError as failure:
            target = URL_PATH.match(prepped_request.url)
            raise ConnectionError(f"could not connect to {target.group(1) if target else 'the webhook'}: {type(failure).__name__}") from None
        if extra_options.get("check_response", True):
            self.check_response(response)
        return response


class WebhookNotifier(HttpNotifier):
    """HttpNotifier whose failure to connect names scheme://host only (QuietUrlHttpHook). The failure alert
    uses it; a deadline alert is sent by the triggerer, which imports only installed packages, so it posts
    through the provider's HttpNotifier."""

    @cached_property
    def hook(self) -> HttpHook:
        return QuietUrlHttpHook(method=self.method, http_conn_id=self.http_conn_id)


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
        chosen.append(WebhookNotifier(http_conn_id=alerts.webhook_conn_id, json={"text": text},
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

