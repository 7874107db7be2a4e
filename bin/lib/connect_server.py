"""bin/connect-server: a Spark Connect server on the embedded metastore of a Kindling work dir, started in
its own session, its pid, URL and log under <work dir>/connect-server/."""
import os
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from analyst_server import shared_server_conf  # noqa: E402
from processes import free_port, running, stop_pid, wait_for_port  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# every job of every session in one FAIR pool: a long query shares the cores instead of queueing the others
FAIR_POOLS = """<?xml version="1.0"?>
<allocations>
  <pool name="default"><schedulingMode>FAIR</schedulingMode><weight>1</weight><minShare>0</minShare></pool>
</allocations>
"""


def spark_home() -> str:
    import pyspark
    return os.path.dirname(pyspark.__file__)


class Server:
    def __init__(self, work: pathlib.Path):
        self.work = work
        self.dir = work / "connect-server"
        self.pid_file, self.url_file, self.log = self.dir / "pid", self.dir / "url", self.dir / "server.log"

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
            "--conf", "spark.sql.catalogImplementation=hive", "--conf", f"spark.sql.warehouse.dir={self.work / 'warehouse'}",
            "--conf", f"spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName={self.work / 'metastore_db'};create=true",
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
        return url

    def stop(self) -> None:
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
    elif command == "stop":
        server.stop()
    else:
        print("usage: bin/connect-server start|url|stop", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
