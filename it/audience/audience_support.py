"""Shared by the analysts' tools tests (a module of its own: pytest loads every conftest.py of it/
under the same name, so tests must not import from conftest)."""
import contextlib
import os
import pathlib
import re
import subprocess
import typing

ROOT = pathlib.Path(__file__).resolve().parents[2]

EXAMPLE = ('users().withPermissionToMailing().soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20"))'
           '.livingNear("87-100", 10)')
# wide enough to find someone in a tiny marketplace
NEAR_TORUN = 'users().withPermissionToMailing().livingNear("87-100", 20)'


class MailingReport(typing.NamedTuple):
    """A mailing list's export report, as the shell prints it and the audience job logs it."""
    users: int  # written
    suppressed: int  # audience users left out: on the suppression list
    added: int  # since the previous list of the name (all of them for a first list)
    removed: int
    first: bool
    csv: str

    @property
    def audience(self):
        return self.users + self.suppressed


def mailing_report(text, name):
    """The report of mailing list mailings.<name> in a shell's or the job's output."""
    found = re.search(rf"mailing list mailings\.{name}: (\d+) users? \((\d+) suppressed\); "
                      rf"(?:first list: \+(\d+)|since the last list: \+(\d+) -(\d+)); CSV in ([^\s\";]+)", text)
    assert found, f"no report of mailings.{name} in: {text[-3000:]}"
    users, suppressed, first_added, added, removed, csv = found.groups()
    if first_added is not None:
        return MailingReport(int(users), int(suppressed), int(first_added), 0, True, csv)
    return MailingReport(int(users), int(suppressed), int(added), int(removed), False, csv)


def run_mailing_job(work_dir, definition, name):
    """The report of the audience job for a definition (its own log line says it)."""
    path = work_dir / f"{name}.audience"
    path.write_text(definition)
    completed = subprocess.run(
        [str(ROOT / "bin" / "kindling"), "audience", "--logical-date", "2017-02-01", "--definition", str(path),
         "--name", name, "--conf", "log.format=plain"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=dict(os.environ, KINDLING_WORK_DIR=str(work_dir)))
    assert completed.returncode == 0, completed.stderr[-3000:]
    return mailing_report(completed.stderr, name)


def connect_server(work_dir, command, warm_up_seconds=0):
    return subprocess.run([str(ROOT / "bin" / "connect-server"), command], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env=dict(os.environ, KINDLING_WORK_DIR=str(work_dir),
                                             KINDLING_CONNECT_WARMUP_SECONDS=str(warm_up_seconds)))


@contextlib.contextmanager
def shared_server(demo_work_dir, warm_up_seconds=0):
    """bin/connect-server on the work dir, stopped at the end whatever happens; without its warm-up unless asked
    (on 2 cores, a warm-up beside every test's server would slow the suite down)."""
    started = connect_server(demo_work_dir, "start", warm_up_seconds)
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        url = started.stdout.strip()
        assert re.fullmatch(r"sc://127\.0\.0\.1:\d+", url)
        assert connect_server(demo_work_dir, "url").stdout.strip() == url
        yield url
    finally:
        stopped = connect_server(demo_work_dir, "stop")
        assert stopped.returncode == 0, stopped.stderr
    assert connect_server(demo_work_dir, "url").returncode == 1, "the server is gone"
