"""spark-submit in a standalone cluster's deploy mode, waited for: bin/kindling's cluster mode.

spark-submit returns as soon as the master accepts the driver, and the master later reports only
FINISHED or FAILED, never the driver's exit code. This submits with spark.kindling.outcomeFile (the job
writes its exit code there), polls the master's REST status until the driver ends, copies the driver's
log to stderr, and exits with the job's own code: 2 stays 2, so whoever runs bin/kindling can tell a
retry from none.

    cluster_submit.py OUTCOME_DIR spark-submit ARGS...
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import time
import urllib.request
import uuid

TERMINAL = {"FINISHED", "FAILED", "ERROR", "KILLED", "UNKNOWN"}
DRIVER_ID = re.compile(r"driver-\d{14}-\d{4,}")


def spark_defaults(conf_dir: pathlib.Path) -> dict:
    settings = {}
    for line in (conf_dir / "spark-defaults.conf").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.strip().partition(" ")
            settings[key] = value.strip()
    return settings


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def driver_state(rest: str, driver: str) -> dict:
    return get_json(f"{rest}/v1/submissions/status/{driver}")


def driver_log(master_ui: str, status: dict, driver: str) -> tuple[str, str]:
    """The driver's stderr as its worker serves it, and the page an engineer opens to read it."""
    workers = {worker["id"]: worker["webuiaddress"] for worker in get_json(f"{master_ui}/json/").get("workers", [])}
    worker_ui = workers.get(status.get("workerId"))
    if worker_ui is None:
        return "", "(the driver's worker is gone)"
    page = f"{worker_ui}/logPage/?driverId={driver}&logType=stderr"
    with urllib.request.urlopen(f"{worker_ui}/log?driverId={driver}&logType=stderr&offset=0&byteLength=100000000",
                                timeout=30) as response:
        return response.read().decode("utf-8", errors="replace"), page


def main() -> int:
    outcome_dir, submit = pathlib.Path(sys.argv[1]), sys.argv[2:]
    conf_dir = pathlib.Path(os.environ["SPARK_CONF_DIR"])
    defaults = spark_defaults(conf_dir)
    host = defaults["spark.master"].removeprefix("spark://").rsplit(":", 1)[0]
    rest = f"http://{host}:{defaults.get('spark.master.rest.port', '6066')}"
    master_ui = f"http://{host}:{defaults.get('spark.master.ui.port', '8080')}"
    outcome = outcome_dir / f"{uuid.uuid4()}.json"
    jar_at = next(i for i, arg in enumerate(submit) if arg.endswith(".jar"))
    command = [*submit[:jar_at], "--conf", f"spark.kindling.outcomeFile={outcome}", *submit[jar_at:]]

    submitted = subprocess.run(command, capture_output=True, text=True)
    found = DRIVER_ID.search(submitted.stdout + submitted.stderr)
    if submitted.returncode != 0 or found is None:
        sys.stderr.write(submitted.stderr)
        print(f"kindling: spark-submit did not start a driver (exit code {submitted.returncode})", file=sys.stderr)
        return submitted.returncode or 1
    driver = found.group(0)
    print(f"kindling: driver {driver} submitted to {defaults['spark.master']}; waiting for it to end", file=sys.stderr)

    status = driver_state(rest, driver)
    while status.get("driverState") not in TERMINAL:
        time.sleep(1)
        status = driver_state(rest, driver)
    log, page = driver_log(master_ui, status, driver)
    sys.stderr.write(log)
    state = status.get("driverState")
    print(f"kindling: driver {driver} ended {state}; its log: {page}", file=sys.stderr)
    try:
        return json.loads(outcome.read_text())["exit_code"]
    except (OSError, ValueError, KeyError):
        # No outcome: the driver never ran Kindling's main to its end (killed, or it could not start).
        print(f"kindling: driver {driver} left no outcome at {outcome}: exit code unknown, reported as 1", file=sys.stderr)
        return 1
    finally:
        outcome.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
