"""A real Graphite for the metrics tests: Debian's carbon-cache and graphite-web started by
graphite_server.py on 127.0.0.1, or, where a Docker engine runs, the graphiteapp/graphite-statsd
image through testcontainers. Each backend skips cleanly where it cannot run (but CI must have the
local one)."""
import json
import os
import pathlib
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from kindling_it import run_kindling

HERE = pathlib.Path(__file__).resolve().parent
GRAPHITE_SERVER = HERE.parents[1] / "bin" / "lib" / "graphite_server.py"


class Graphite:
    """Where to send points and how to read them back through graphite-web's render API."""

    def __init__(self, line_port, web_url, server_dir=None):
        self.line_port = line_port
        self.web_url = web_url
        self.server_dir = server_dir

    def render(self, target, since="-15min"):
        query = urllib.parse.urlencode({"target": target, "format": "json", "from": since})
        with urllib.request.urlopen(f"{self.web_url}/render?{query}", timeout=30) as response:
            return json.load(response)

    def points(self, target, since="-15min"):
        """The non-null [value, timestamp] points of one series (empty if none)."""
        series = self.render(target, since)
        return [p for s in series for p in s["datapoints"] if p[0] is not None]

    def last(self, target, wait_seconds=30, expect=None):
        """The latest value of a series, waiting for carbon to take it in. With `expect`, wait until the
        latest value is that one: a series that already has points from an earlier run is otherwise read
        before the new point arrives."""
        deadline = time.time() + wait_seconds
        while True:
            points = self.points(target)
            arrived = points and (expect is None or points[-1][0] == expect)
            if arrived or time.time() > deadline:
                break
            time.sleep(0.5)
        assert points, f"no points for {target}"
        return points[-1][0]

    def server(self, command):
        if self.server_dir is None:
            pytest.skip("stopping carbon is scripted for the local Graphite only")
        subprocess.run([str(GRAPHITE_SERVER), command, str(self.server_dir)], check=True)


def local_graphite_available():
    return shutil.which("carbon-cache") is not None and pathlib.Path("/usr/lib/python3/dist-packages/graphite").is_dir()


@pytest.fixture(scope="session", params=["local", "docker"])
def graphite(request, tmp_path_factory):
    if request.param == "local":
        if not local_graphite_available():
            if os.environ.get("CI"):
                pytest.fail("CI needs graphite-carbon and graphite-web (bin/install-services)")
            pytest.skip("no local Graphite: run bin/install-services (Debian's graphite-carbon, graphite-web)")
        server_dir = tmp_path_factory.mktemp("graphite")
        try:  # stop also what a start that failed half-way left running (carbon up, graphite-web not)
            started = subprocess.run([str(GRAPHITE_SERVER), "start", str(server_dir)],
                                     check=True, capture_output=True, text=True)
            ports = json.loads(started.stdout)
            yield Graphite(ports["line_port"], f"http://127.0.0.1:{ports['web_port']}", server_dir)
        finally:
            subprocess.run([str(GRAPHITE_SERVER), "stop", str(server_dir)], check=True)
    else:
        testcontainers = pytest.importorskip("testcontainers.core.container")
        try:
            import docker
            docker.from_env().ping()
        except Exception as no_engine:  # the docker client is here, an engine is not
            pytest.skip(f"no Docker engine for the testcontainers Graphite: {no_engine.__class__.__name__}")
        container = testcontainers.DockerContainer("graphiteapp/graphite-statsd:1.1.10-5").with_exposed_ports(2003, 80)
        with container:
            host = container.get_container_host_ip()
            web = f"http://{host}:{container.get_exposed_port(80)}"
            deadline = time.time() + 120
            while time.time() < deadline:
                try:
                    urllib.request.urlopen(f"{web}/render?target=x&format=json", timeout=5).read()
                    break
                except OSError:
                    time.sleep(1)
            yield Graphite(int(container.get_exposed_port(2003)), web)


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("kindling-metrics-work")


@pytest.fixture(scope="session")
def kindling(work_dir):
    """Runs bin/kindling; with on_line, calls it with each stderr line as it comes and the process
    (to act mid-run)."""
    def run(*args, on_line=None, timeout=600):
        return run_kindling(*args, work_dir=work_dir, on_line=on_line, timeout=timeout)
    return run


@pytest.fixture(scope="session")
def orders_csv(tmp_path_factory):
    """20 good orders, one malformed, one repeated: the numbers the tests expect."""
    path = tmp_path_factory.mktemp("orders") / "orders.csv"
    rows = [f"{i},customer{i},{i * 5}" for i in range(1, 21)]
    path.write_text("id,name,amount\n" + "\n".join(rows + ["oops,bad,row", "7,customer7,35"]) + "\n")
    return path


@pytest.fixture(scope="session")
def big_csv(tmp_path_factory):
    """Enough rows for a run of several seconds, so that Graphite can go down and up during it."""
    path = tmp_path_factory.mktemp("big") / "orders.csv"
    with open(path, "w") as out:
        out.write("id,name,amount\n")
        for i in range(2_000_000):
            out.write(f"{i},customer{i % 1000},{i % 97}\n")
    return path
