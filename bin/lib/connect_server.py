"""bin/connect-server: a Spark Connect server on the embedded metastore of a Kindling work dir, started in
its own session, its pid, URL and log under <work dir>/connect-server/."""
import os
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from analyst_server import shared_server_conf  # noqa: E402
import local_hive  # noqa: E402
from connect_client_classpath import classpath as connect_client_classpath  # noqa: E402
from pom import jvm_module_options  # noqa: E402
from processes import free_port, running, stop_pid, wait_for_port  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# A fresh server's JVMs spend about half of 2 cores compiling for their first minutes; the warm-up asks
# representative audiences meanwhile, so analysts find it compiled (docs/benchmarks.md, "Audience DSL").
WARM_UP_SECONDS = 120
# every job of every session in one FAIR pool: a long query shares the cores instead of queueing the others
FAIR_POOLS = """<?xml version="1.0"?>
<allocations>
  <pool name="default"><schedulingMode>FAIR</schedulingMode><weight>1</weight><minShare>0</minShare></pool>
</allocations>
"""


def warm_up_seconds() -> str:
    seconds = os.environ.get("KINDLING_CONNECT_WARMUP_SECONDS", str(WARM_UP_SECONDS)).strip()
    if not seconds.isdigit() or int(seconds) > 999999:
        raise SystemExit(f"connect-server: KINDLING_CONNECT_WARMUP_SECONDS '{seconds}' is not a number of seconds from 0 to 999999")
    return seconds


def spark_home() -> str:
    import pyspark
    return os.path.dirname(pyspark.__file__)


class Server:
    def __init__(self, work: pathlib.Path):
        self.work = work
        self.dir = work / "connect-server"
        self.pid_file, self.url_file, self.log = self.dir / "pid", self.dir / "url", self.dir / "server.log"
        self.warm_up_pid, self.warm_up_log = self.dir / "warm-up.pid", self.dir / "warm-up.log"

    def url(self) -> str | None:
        """The running server's URL, or None (a pid file whose process is gone is cleared)."""
        if not self.pid_file.exists():
            return None
        if not running(int(self.pid_file.read_text())):
            self.pid_file.unlink(missing_ok=True)
            self.url_file.unlink(missing_ok=True)
            return None
        return self.url_file.read_text().strip()

    def start(self) -> str:
        already = self.url()
        if already:
            return already
        seconds = warm_up_seconds()  # a wrong setting stops here, before a server is started
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.work / "logs").mkdir(exist_ok=True)
        pools = self.dir / "fairscheduler.xml"
        pools.write_text(FAIR_POOLS)
        port = int(os.environ.get("KINDLING_CONNECT_PORT") or free_port())
        home = spark_home()
        # The analysts' tasks run in an executor JVM of their own (local-cluster: one worker in the server's
        # process, its executor beside it), so a task that still runs out of memory (one huge group, say)
        # loses that executor, not the server every analyst shares; a result too big is refused earlier.
        executor_mb = int(os.environ.get("KINDLING_CONNECT_EXECUTOR_MB", "2048"))
        master = os.environ.get("KINDLING_CONNECT_MASTER", f"local-cluster[1,{os.cpu_count() or 1},{executor_mb}]")
        command = [
            f"{home}/bin/spark-submit", "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--name", "kindling-connect", "--master", master,
            "--driver-memory", os.environ.get("KINDLING_CONNECT_MEMORY", "1g"), "--conf", f"spark.executor.memory={executor_mb}m",
            *shared_server_conf(os.cpu_count() or 1),
            "--driver-java-options", f"-Dderby.stream.error.file={self.work / 'logs' / 'derby.log'}",
            # the local profile's catalogs: Hive tables and Kindling's Iceberg tables (Iceberg's runtime is in the jobs' jar)
            "--jars", str(local_hive.JOBS_JAR),
            *[arg for key, value in local_hive.catalog_settings(self.work).items() for arg in ("--conf", f"{key}={value}")],
            "--conf", "spark.scheduler.mode=FAIR", "--conf", f"spark.scheduler.allocation.file={pools}",
            "--conf", f"spark.connect.grpc.binding.address={HOST}", "--conf", f"spark.connect.grpc.binding.port={port}",
            "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.driver.host=127.0.0.1",
            "--conf", "spark.ui.enabled=false", "spark-internal"]
        with open(self.log, "ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.work,
                                       env=dict(os.environ, SPARK_HOME=home), start_new_session=True)
        self.pid_file.write_text(str(process.pid))
        try:
            wait_for_port(port, "the Spark Connect server", seconds=240, process=process)
        except RuntimeError as failed:
            stop_pid(process.pid)
            self.pid_file.unlink(missing_ok=True)
            raise SystemExit(f"connect-server: {failed}; its log: {self.log}")
        url = f"sc://{HOST}:{port}"
        self.url_file.write_text(url + "\n")
        self.start_warm_up(url, seconds)
        return url

    def start_warm_up(self, url: str, seconds: str) -> None:
        """A thin client beside the server (dev.kindling.audience.ConnectWarmUp) that asks the marketplace of
        $KINDLING_ENV representative audiences for KINDLING_CONNECT_WARMUP_SECONDS (120; 0: none), in the
        background: analysts may connect at once, their queries share the cores with it until it ends."""
        self.warm_up_log.unlink(missing_ok=True)
        if int(seconds) == 0:
            return
        command = ["java", *jvm_module_options(), "-Xmx256m", f"-Dlog4j2.configurationFile={ROOT / 'conf' / 'log4j2-bootstrap.properties'}",
                   "-cp", f"{ROOT / 'jobs' / 'target' / 'kindling-jobs.jar'}:{connect_client_classpath()}",
                   "dev.kindling.audience.ConnectWarmUp", url, os.environ.get("KINDLING_ENV", "local"), seconds]
        with open(self.warm_up_log, "ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.work,
                                       start_new_session=True)
        self.warm_up_pid.write_text(str(process.pid))

    def warm(self) -> str:
        """Waits until the warm-up has ended; its one line (what it asked, or why it asked nothing)."""
        if self.warm_up_pid.exists():
            pid = int(self.warm_up_pid.read_text())
            while running(pid):
                time.sleep(0.5)
            self.warm_up_pid.unlink(missing_ok=True)
        if not self.warm_up_log.exists():
            return "connect-server warm-up: none (KINDLING_CONNECT_WARMUP_SECONDS=0)"
        lines = [line for line in self.warm_up_log.read_text(errors="replace").splitlines() if line.startswith("connect-server warm-up: ")]
        return lines[-1] if lines else f"connect-server warm-up: ended without a summary; its log: {self.warm_up_log}"

    def stop(self) -> None:
        if self.warm_up_pid.exists():
            stop_pid(int(self.warm_up_pid.read_text()))
            self.warm_up_pid.unlink(missing_ok=True)
        if self.pid_file.exists():
            stop_pid(int(self.pid_file.read_text()), seconds=60)
        self.pid_file.unlink(missing_ok=True)
        self.url_file.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    server = Server(pathlib.Path(os.environ["KINDLING_WORK_DIR"]).resolve())
    command = argv[0] if argv else ""
    if command == "start":
        print(server.start())
    elif command == "url":
        url = server.url()
        if url is None:
            print("connect-server: no server runs on this work dir (bin/connect-server start)", file=sys.stderr)
            return 1
        print(url)
    elif command == "warm":
        print(server.warm())
    elif command == "stop":
        server.stop()
    else:
        print("usage: bin/connect-server start|url|warm|stop", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
