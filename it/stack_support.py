"""The cluster stack (bin/stack) for tests: started in a temporary KINDLING_STACK_DIR on free ports,
stopped at the end whatever happened, leaving no process. Used by it/cluster and the Airflow tests."""
import contextlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

import kindling_it
import processes  # bin/lib, on the path through kindling_it
import stack  # bin/lib/stack.py
from kindling_it import ROOT, run_kindling

spark_home, jvm_module_options = stack.spark_home, stack.jvm_module_options  # the stack's own, for clients

PORT_SETTINGS = [name for name in stack.SETTINGS if name.endswith("_PORT")]  # each 0 in tests: any free port


class Stack:
    def __init__(self, directory: pathlib.Path, env: dict):
        self.dir = directory
        self.env = env
        self.ports = json.loads((directory / "run" / "stack.json").read_text())["ports"]
        self.spark_conf = directory / "conf" / "spark"

    def command(self, *args, check=True) -> subprocess.CompletedProcess:
        completed = subprocess.run([str(ROOT / "bin" / "stack"), *args], env=self.env, capture_output=True, text=True,
                                   timeout=900)
        if check and completed.returncode != 0:
            raise AssertionError(f"bin/stack {' '.join(args)} exited {completed.returncode}:\n{completed.stdout}{completed.stderr}")
        return completed

    def kindling(self, *args, work_dir, deploy_mode="client", timeout=600, on_line=None, env=None):
        env = dict(self.env, KINDLING_DEPLOY_MODE=deploy_mode, **(env or {}))
        return run_kindling(*args, "--env", "cluster", work_dir=work_dir, env=env, timeout=timeout, on_line=on_line)

    def kill(self, part: str) -> None:
        """SIGKILL to a part's process group (as a crash would), waiting until it is gone."""
        pid = int((self.dir / "run" / f"{part}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)
        deadline = time.time() + 30
        while time.time() < deadline:
            if not processes.running(pid):
                return
            time.sleep(0.1)
        raise AssertionError(f"{part} (pid {pid}) still runs 30 s after SIGKILL")

    def workers_running_tasks(self, driver_ui_port: int) -> list[str]:
        """The workers (as parts: worker-N) whose executors run tasks of the application whose driver UI listens
        on that port: registered with the driver and busy, not only launched by their worker."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{driver_ui_port}/api/v1/applications", timeout=10) as response:
                app = json.load(response)[0]["id"]
            with urllib.request.urlopen(f"http://127.0.0.1:{driver_ui_port}/api/v1/applications/{app}/executors", timeout=10) as response:
                executors = json.load(response)
        except (OSError, IndexError):
            return []  # the driver's UI is not up yet
        # a standalone executor's log links lead to its worker's UI
        busy_ui_ports = {urllib.parse.urlsplit(executor["executorLogs"]["stdout"]).port
                         for executor in executors if executor["id"] != "driver" and executor["activeTasks"] > 0}
        return [f"worker-{n + 1}" for n, port in enumerate(self.ports["workers"]) if port in busy_ui_ports]

    def restart_postgres(self) -> None:
        """Stops PostgreSQL as its service would (a fast shutdown: sessions cut) and starts it again."""
        parts = stack.Stack(self.dir)
        parts.stop_postgres()
        assert not parts.alive("postgres"), "PostgreSQL still runs after pg_ctl stop"
        self.command("up")

    def read_partition(self, table, column, value, count_only=False) -> dict:
        return kindling_it.read_partition(table, column, value, spark_conf_dir=self.spark_conf, count_only=count_only)

    def history(self) -> list[dict]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ports['history']}/api/v1/applications", timeout=10) as response:
            return json.load(response)


@contextlib.contextmanager
def running_stack(directory: pathlib.Path):
    if not list(pathlib.Path("/usr/lib/postgresql").glob("*/bin/initdb")) and not shutil.which("initdb") and not os.environ.get("CI"):
        pytest.skip("no PostgreSQL server binaries: `sudo bin/install-services` installs them (CI does)")
    env = dict(os.environ, KINDLING_STACK_DIR=str(directory), **{name: "0" for name in PORT_SETTINGS})
    up = subprocess.run([str(ROOT / "bin" / "stack"), "up"], env=env, capture_output=True, text=True, timeout=900)
    try:
        assert up.returncode == 0, f"bin/stack up exited {up.returncode}:\n{up.stdout}{up.stderr}"
        yield Stack(directory, env)
    finally:
        down = subprocess.run([str(ROOT / "bin" / "stack"), "down"], env=env, capture_output=True, text=True, timeout=300)
        data = (directory / "postgres").resolve()
        if data != directory / "postgres":  # the data lived outside the stack dir (see bin/lib/stack.py)
            shutil.rmtree(data, ignore_errors=True)
        assert down.returncode == 0, f"bin/stack down exited {down.returncode}:\n{down.stdout}{down.stderr}"
