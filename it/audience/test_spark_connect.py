"""The DSL, unchanged, through a Spark Connect client session (a thin client, the driver in a server)."""
import glob
import os
import re
import subprocess
import sys

from audience_support import NEAR_TORUN, ROOT, mailing_report, run_mailing_job
from kindling_it import free_port, wait_for_port

sys.path.insert(0, str(ROOT / "bin" / "lib"))
import local_hive  # noqa: E402 (the local profile's catalogs: the marketplace and the lists are Iceberg tables)


def spark_home():
    return subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", "import os, pyspark; print(os.path.dirname(pyspark.__file__))"],
                          capture_output=True, text=True, check=True).stdout.strip()


def jvm_args():
    pom = (ROOT / "pom.xml").read_text()
    return re.search(r"<spark.test.jvm.args>(.*)</spark.test.jvm.args>", pom).group(1).split()


def test_an_audience_runs_over_spark_connect(demo_work_dir):
    # the embedded metastore admits one JVM: the job runs before the server starts
    expected = run_mailing_job(demo_work_dir, NEAR_TORUN, "job_near_torun_for_connect")
    home, port = spark_home(), free_port()
    log = open(demo_work_dir / "logs" / "connect-server.log", "w")
    server = subprocess.Popen(
        [f"{home}/bin/spark-submit", "--class", "org.apache.spark.sql.connect.service.SparkConnectServer", "--master", "local[2]",
         "--driver-java-options", f"-Dderby.stream.error.file={demo_work_dir}/logs/derby.log",
         "--jars", str(local_hive.JOBS_JAR),
         *[arg for key, value in local_hive.catalog_settings(demo_work_dir).items() for arg in ("--conf", f"{key}={value}")],
         "--conf", "spark.connect.grpc.binding.address=127.0.0.1", "--conf", f"spark.connect.grpc.binding.port={port}",
         "--conf", "spark.ui.enabled=false", "spark-internal"],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=dict(os.environ, SPARK_HOME=home))
    try:
        wait_for_port(port, "the Spark Connect server", seconds=180, process=server)
        classpath = os.pathsep.join([str(ROOT / "dsl" / "target" / "classes"), str(ROOT / "dsl" / "target" / "test-classes"),
                                     *glob.glob(f"{home}/jars/connect-repl/spark-connect-client-jvm_*.jar"), f"{home}/jars/*"])
        client = subprocess.run(
            ["java", *jvm_args(), f"-Dlog4j2.configurationFile={ROOT / 'conf' / 'log4j2-bootstrap.properties'}", "-cp", classpath,
             "dev.kindling.dsl.ConnectClientProbe", f"sc://127.0.0.1:{port}", NEAR_TORUN, "connect_near_torun"],
            capture_output=True, text=True, timeout=300, cwd=ROOT)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()

    assert client.returncode == 0, client.stderr[-3000:]
    assert "session org.apache.spark.sql.connect.SparkSession" in client.stdout
    assert f"count {expected.audience}" in client.stdout
    connect = mailing_report(client.stdout, "connect_near_torun")
    assert (connect.users, connect.suppressed, connect.first) == (expected.users, expected.suppressed, True)
    # a mistake reads over Connect word for word as locally (AudienceValidationTest), with no stack trace
    mistakes = [line for line in client.stdout.splitlines() if line.startswith("mistake: ")]
    assert mistakes[0] == "mistake: soldAtLeast: 'category' \"Sprots\" is not a known category. Did you mean 'Sports'? (0 frames)"
    assert mistakes[1].startswith("mistake: livingNear: 'radiusKm' is -5, but it must be a number of kilometres above 0")
    assert mistakes[1].endswith("(0 frames)") and len(mistakes) == 2
    assert ("unguarded: prepareForMailing: the suppression list marketplace.no_such_list does not exist; nothing was published."
            " Create it (user_id BIGINT, reason STRING, since DATE) or point setting marketplace.suppressions.table at it") in client.stdout
