#!/usr/bin/env python3
"""Starts or stops a real Graphite for tests: carbon-cache and graphite-web (Debian's graphite-carbon and
graphite-web packages) on free ports of 127.0.0.1, with all state under one directory.

    graphite_server.py start DIR   # prints {"line_port":..., "web_port":..., ...} and writes DIR/ports.json
    graphite_server.py stop DIR
    graphite_server.py restart-carbon DIR   # same ports, same data: for fault tests

Retention is one point a second for six hours, so tests can read back every value a run sent.
"""
import json
import os
import pathlib
import subprocess
import sys
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from processes import free_ports, stop_pid, wait_for_port  # noqa: E402 (found through the path above)

DEBIAN_PYTHON = "/usr/bin/python3"  # graphite-web is a Django app of Debian's Python, not of a venv


def write_carbon_conf(root: pathlib.Path, ports: dict) -> None:
    conf = root / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    for folder in ("storage/whisper", "storage/lists", "log", "run"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (conf / "carbon.conf").write_text(f"""[cache]
STORAGE_DIR = {root}/storage
LOCAL_DATA_DIR = {root}/storage/whisper
WHITELISTS_DIR = {root}/storage/lists
CONF_DIR = {conf}
LOG_DIR = {root}/log
PID_DIR = {root}/run
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 1000
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = {ports['line_port']}
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = {ports['pickle_port']}
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = {ports['cache_query_port']}
LOG_LISTENER_CONNECTIONS = False
""")
    (conf / "storage-schemas.conf").write_text("[everything]\npattern = .*\nretentions = 1s:6h,1m:7d\n")
    (conf / "storage-aggregation.conf").write_text("[default]\npattern = .*\nxFilesFactor = 0\naggregationMethod = last\n")


def write_web_settings(root: pathlib.Path, ports: dict) -> None:
    web = root / "webapp"
    web.mkdir(parents=True, exist_ok=True)
    (web / "kindling_graphite_settings.py").write_text(f"""from graphite.settings import *  # noqa: F401,F403 (Debian's defaults)

SECRET_KEY = "kindling-tests-only"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
STORAGE_DIR = "{root}/storage"
WHISPER_DIR = "{root}/storage/whisper"
STANDARD_DIRS = [WHISPER_DIR]
CARBONLINK_HOSTS = ["127.0.0.1:{ports['cache_query_port']}"]
LOG_DIR = "{root}/log"
INDEX_FILE = "{root}/storage/index"
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": "{root}/graphite.db"}}}}
""")


def start_carbon(root: pathlib.Path, ports: dict) -> None:
    subprocess.run(["carbon-cache", f"--config={root}/conf/carbon.conf", f"--pidfile={root}/run/carbon.pid",
                    f"--logdir={root}/log", "start"], check=True, capture_output=True)
    wait_for_port(ports["line_port"], "carbon-cache")


def stop_carbon(root: pathlib.Path) -> None:
    pid_file = root / "run" / "carbon.pid"
    if pid_file.exists():
        stop_pid(int(pid_file.read_text().strip()))
        pid_file.unlink(missing_ok=True)


PORTS = ("line_port", "pickle_port", "cache_query_port", "web_port")


def start(root: pathlib.Path, ports: dict | None = None) -> dict:
    """Starts both servers, on the given ports (the PORTS keys) or on free ones."""
    root.mkdir(parents=True, exist_ok=True)
    ports = dict(ports) if ports else dict(zip(PORTS, free_ports(len(PORTS))))
    write_carbon_conf(root, ports)
    write_web_settings(root, ports)
    start_carbon(root, ports)

    env = dict(os.environ, PYTHONPATH=str(root / "webapp"), DJANGO_SETTINGS_MODULE="kindling_graphite_settings")
    subprocess.run([DEBIAN_PYTHON, "-m", "django", "migrate", "--run-syncdb", "-v", "0"], check=True, env=env,
                   capture_output=True, cwd=root)
    with open(root / "log" / "webapp.log", "ab") as log:
        web = subprocess.Popen([DEBIAN_PYTHON, "-m", "django", "runserver", f"127.0.0.1:{ports['web_port']}", "--noreload"],
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True)
    (root / "run" / "webapp.pid").write_text(str(web.pid))
    wait_for_port(ports["web_port"], "graphite-web", process=web)
    urllib.request.urlopen(f"http://127.0.0.1:{ports['web_port']}/render?target=nothing&format=json", timeout=30).read()
    ports["dir"] = str(root)
    (root / "ports.json").write_text(json.dumps(ports))
    return ports


def stop(root: pathlib.Path) -> None:
    stop_carbon(root)
    web_pid = root / "run" / "webapp.pid"
    if web_pid.exists():
        stop_pid(int(web_pid.read_text().strip()))
        web_pid.unlink(missing_ok=True)


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop", "restart-carbon", "stop-carbon", "start-carbon"):
        raise SystemExit(__doc__)
    command, root = sys.argv[1], pathlib.Path(sys.argv[2]).resolve()
    if command == "start":
        print(json.dumps(start(root)))
    elif command == "stop":
        stop(root)
    else:
        ports = json.loads((root / "ports.json").read_text())
        if command in ("restart-carbon", "stop-carbon"):
            stop_carbon(root)
        if command in ("restart-carbon", "start-carbon"):
            start_carbon(root, ports)


if __name__ == "__main__":
    main()
