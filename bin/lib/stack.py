"""Kindling's cluster stack on one machine, every part the one a production user runs, on 127.0.0.1:
PostgreSQL (Debian's) holding the Hive metastore database, the Hive 2.3 metastore thrift service, a Spark
standalone master and workers, the Spark history server, a Spark Connect server, and Graphite.

    bin/stack up       start what is not running, wait until each part answers, print where each listens
    bin/stack down     stop every part; data (metastore, warehouse, event logs) stays for the next up
    bin/stack status   each part: running or not, and its address
    bin/stack env      the shell exports that point spark-submit and Kindling at the stack

Settings are environment variables (see SETTINGS); a port of 0 means any free port. State lives in
$KINDLING_STACK_DIR (default <repo>/work/stack): conf/ (what `up` writes for clients), logs/, run/ (pid
files and stack.json, the addresses of the running stack), postgres/, warehouse/, spark-events/.
"""
import json
import os
import pathlib
import secrets
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import graphite_server  # noqa: E402 (found through the path above)
from analyst_server import shared_server_conf  # noqa: E402
import postgres  # noqa: E402
from pom import jvm_module_options, pom_property  # noqa: E402
from processes import free_ports, running, stop_pid, wait_for_port  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"

# name: (default, meaning). Each is read from the environment variable of the same name.
SETTINGS = {
    "KINDLING_STACK_DIR": (str(ROOT / "work" / "stack"), "where the stack keeps its state"),
    "KINDLING_STACK_POSTGRES_PORT": ("15432", "PostgreSQL (the metastore database)"),
    "KINDLING_STACK_METASTORE_PORT": ("19083", "Hive metastore thrift service"),
    "KINDLING_STACK_MASTER_PORT": ("17077", "Spark master (spark://)"),
    "KINDLING_STACK_MASTER_REST_PORT": ("16066", "Spark master REST submission server (cluster deploy mode status)"),
    "KINDLING_STACK_MASTER_WEB_PORT": ("18080", "Spark master web UI"),
    "KINDLING_STACK_HISTORY_PORT": ("18018", "Spark history server web UI"),
    "KINDLING_STACK_CONNECT_PORT": ("15002", "Spark Connect server (sc://)"),
    "KINDLING_STACK_GRAPHITE_PORT": ("12003", "Graphite plaintext receiver (carbon)"),
    "KINDLING_STACK_GRAPHITE_WEB_PORT": ("18090", "graphite-web render API"),
    "KINDLING_STACK_WORKERS": ("2", "number of Spark workers"),
    "KINDLING_STACK_WORKER_CORES": ("4", "cores each worker offers (may exceed the machine's)"),
    "KINDLING_STACK_WORKER_MEMORY": ("8g", "memory each worker offers to drivers and executors (the DAGs ask 2g + 4g)"),
    "KINDLING_STACK_EXECUTOR_JAVA_OPTIONS": ("", "JVM options of every application's executors, before the application's own "
                                                 "(bin/test: -XX:TieredStopAtLevel=1, as its runs are short)"),
}


def setting(name: str) -> str:
    return os.environ.get(name, SETTINGS[name][0])


def executor_java_options() -> str:
    """The spark-defaults line of KINDLING_STACK_EXECUTOR_JAVA_OPTIONS, if set (an application's own extraJavaOptions come after it)."""
    options = setting("KINDLING_STACK_EXECUTOR_JAVA_OPTIONS").strip()
    return f"spark.executor.defaultJavaOptions {options}\n" if options else ""


def port_setting(name: str) -> int:
    """The port a setting names; 0 (any free one) is chosen with the others, in Stack.addresses."""
    value = setting(name)
    if not value.isdigit() or int(value) > 65535:
        raise SystemExit(f"stack: {name} is '{value}': expected a port from 0 (any free one) to 65535")
    return int(value)


class Stack:
    def __init__(self, directory: pathlib.Path):
        self.dir = directory
        self.conf = directory / "conf"
        self.logs = directory / "logs"
        self.run = directory / "run"
        self.state_file = self.run / "stack.json"

    # ---- state: the addresses chosen at the last up, kept while anything runs ----

    def state(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def addresses(self) -> dict:
        state = self.state()
        if state and any(self.alive(part) for part in state["parts"]):
            return state["ports"]
        workers = int(setting("KINDLING_STACK_WORKERS"))
        named = {part: port_setting(name) for part, name in (
            ("postgres", "KINDLING_STACK_POSTGRES_PORT"), ("metastore", "KINDLING_STACK_METASTORE_PORT"),
            ("master", "KINDLING_STACK_MASTER_PORT"), ("master_rest", "KINDLING_STACK_MASTER_REST_PORT"),
            ("master_web", "KINDLING_STACK_MASTER_WEB_PORT"), ("history", "KINDLING_STACK_HISTORY_PORT"),
            ("connect", "KINDLING_STACK_CONNECT_PORT"), ("graphite", "KINDLING_STACK_GRAPHITE_PORT"),
            ("graphite_web", "KINDLING_STACK_GRAPHITE_WEB_PORT"))}
        # every port a setting leaves to chance (0), and the internal ones, chosen at once: all different
        chosen = iter(free_ports(sum(1 for port in named.values() if port == 0) + workers + 2))
        ports = {part: port or next(chosen) for part, port in named.items()}
        ports.update(workers=[next(chosen) for _ in range(workers)], graphite_pickle=next(chosen),
                     graphite_cache_query=next(chosen))
        return ports

    def pid_file(self, part: str) -> pathlib.Path:
        return self.run / f"{part}.pid"

    def pid(self, part: str) -> int | None:
        if part == "postgres":
            pid_file = self.dir / "postgres" / "data" / "postmaster.pid"
        elif part == "graphite":
            pid_file = self.dir / "graphite" / "run" / "carbon.pid"
        else:
            pid_file = self.pid_file(part)
        try:
            return int(pid_file.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None

    def alive(self, part: str) -> bool:
        pid = self.pid(part)
        return pid is not None and running(pid)

    # ---- up ----

    def up(self) -> dict:
        for folder in (self.conf, self.logs, self.run, self.dir / "warehouse", self.dir / "spark-events"):
            folder.mkdir(parents=True, exist_ok=True)
        ports = self.addresses()
        worker_names = [f"worker-{n + 1}" for n in range(len(ports["workers"]))]
        parts = ["postgres", "graphite", "metastore", "master", *worker_names, "history", "connect"]
        self.state_file.write_text(json.dumps({"ports": ports, "parts": parts}, indent=1))
        self.write_client_conf(ports)
        home = spark_home()
        starters = {
            "postgres": lambda: self.start_postgres(ports),
            "graphite": lambda: self.start_graphite(ports),
            "metastore": lambda: self.start_metastore(ports, home),
            "master": lambda: self.start_master(ports, home),
            "history": lambda: self.start_history(ports, home),
            "connect": lambda: self.start_connect(ports, home),
        }
        for n, name in enumerate(worker_names):
            starters[name] = lambda n=n, name=name: self.start_worker(ports, home, name, ports["workers"][n])
        for part in parts:
            if self.alive(part):
                continue
            try:
                starters[part]()
            except Exception as failure:  # name the part and show the end of its log, then stop
                raise SystemExit(f"stack: {part} did not start: {failure}\n{self.log_tail(part)}")
        self.wait_for_workers(ports, len(worker_names))
        return ports

    def log_tail(self, part: str, lines: int = 20) -> str:
        log = self.logs / f"{part}.log"
        if part == "graphite":
            log = self.dir / "graphite" / "log" / "webapp.log"
        if not log.exists():
            return f"(no log at {log})"
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        return f"last lines of {log}:\n" + "\n".join("  " + line for line in tail)

    def spawn(self, part: str, command: list[str], env: dict | None = None) -> subprocess.Popen:
        """Starts a long-running part in its own session, output to logs/<part>.log, pid in run/."""
        log = open(self.logs / f"{part}.log", "ab")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   cwd=self.dir, env=dict(os.environ, **(env or {})), start_new_session=True)
        log.close()
        self.pid_file(part).write_text(str(process.pid))
        return process

    def spark_env(self) -> dict:
        return {"SPARK_CONF_DIR": str(self.conf / "spark"), "SPARK_LOG_DIR": str(self.logs),
                "SPARK_LOCAL_IP": HOST, "SPARK_DAEMON_MEMORY": "512m", "SPARK_HOME": spark_home()}

    # PostgreSQL: Debian's server binaries; it refuses to run as root, so under root it runs as `postgres`.

    def start_postgres(self, ports: dict) -> None:
        data = self.postgres_data()
        secret_dir = self.dir / "secrets"
        secret_dir.mkdir(mode=0o700, exist_ok=True)
        superuser_password = read_or_create_secret(secret_dir / "postgres-superuser")
        if not (data / "PG_VERSION").exists():
            postgres.initdb(data, "kindling", superuser_password, self.logs / "postgres.log")
        postgres.start(data, ports["postgres"], self.logs / "postgres.log")
        metastore_password = read_or_create_secret(secret_dir / "metastore")
        self.psql(ports, superuser_password,
                  "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hive') THEN "
                  f"CREATE ROLE hive LOGIN PASSWORD '{metastore_password}'; END IF; END $$;")
        exists = self.psql(ports, superuser_password, "SELECT 1 FROM pg_database WHERE datname = 'metastore'")
        if "1" not in exists:
            self.psql(ports, superuser_password, "CREATE DATABASE metastore OWNER hive")
        # Iceberg's catalog: its own role and database (Iceberg creates its two tables in it on first use)
        catalog_password = read_or_create_secret(secret_dir / "iceberg-catalog")
        self.psql(ports, superuser_password,
                  "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'iceberg') THEN "
                  f"CREATE ROLE iceberg LOGIN PASSWORD '{catalog_password}'; END IF; END $$;")
        if "1" not in self.psql(ports, superuser_password, "SELECT 1 FROM pg_database WHERE datname = 'iceberg'"):
            self.psql(ports, superuser_password, "CREATE DATABASE iceberg OWNER iceberg")

    def postgres_data(self) -> pathlib.Path:
        """postgres/data in the stack dir, or, where the `postgres` user cannot reach the stack dir (a
        checkout under /root), in a folder in /var/tmp that postgres/ links to."""
        return postgres.reachable_dir(self.dir / "postgres") / "data"

    def psql(self, ports: dict, password: str, sql: str) -> str:
        return postgres.psql(ports["postgres"], "kindling", password, sql)

    def stop_postgres(self) -> None:
        postgres.stop(self.dir / "postgres" / "data", self.logs / "postgres.log")

    # Graphite: the same server as the metrics tests.

    def start_graphite(self, ports: dict) -> None:
        graphite_server.start(self.dir / "graphite", {"line_port": ports["graphite"], "web_port": ports["graphite_web"],
                                                      "pickle_port": ports["graphite_pickle"],
                                                      "cache_query_port": ports["graphite_cache_query"]})

    # Hive metastore: Hive 2.3.10 from pyspark's jars, its database in PostgreSQL.

    def start_metastore(self, ports: dict, home: str) -> None:
        marker = self.dir / "postgres" / "metastore-schema-created"
        classpath = os.pathsep.join([str(self.conf / "metastore"), f"{home}/jars/*", str(postgresql_jar(self.dir))])
        command = ["java", "-Xmx512m", *jvm_module_options(), f"-Dlog4j2.configurationFile={self.conf / 'metastore' / 'log4j2.properties'}",
                   "-cp", classpath, str(ROOT / "bin" / "lib" / "LoopbackMetastore.java"), HOST, str(ports["metastore"])]
        if not marker.exists():
            command.append("--create-schema")
        process = self.spawn("metastore", command)
        wait_for_port(ports["metastore"], "the Hive metastore", seconds=240, process=process)
        marker.touch()

    # Spark standalone: master, workers, history server from pyspark's distribution.

    def start_master(self, ports: dict, home: str) -> None:
        process = self.spawn("master", [f"{home}/bin/spark-class", "org.apache.spark.deploy.master.Master", "--host", HOST,
                                        "--port", str(ports["master"])], self.spark_env())
        wait_for_port(ports["master"], "the Spark master", seconds=120, process=process)
        wait_for_port(ports["master_rest"], "the Spark master's REST server", seconds=60, process=process)

    def start_worker(self, ports: dict, home: str, name: str, web_port: int) -> None:
        work = self.dir / "workers" / name
        (work / "local").mkdir(parents=True, exist_ok=True)
        env = dict(self.spark_env(), SPARK_LOCAL_DIRS=str(work / "local"))
        process = self.spawn(name, [f"{home}/bin/spark-class", "org.apache.spark.deploy.worker.Worker", "--host", HOST,
                                    "--webui-port", str(web_port), "--cores", setting("KINDLING_STACK_WORKER_CORES"),
                                    "--memory", setting("KINDLING_STACK_WORKER_MEMORY"), "--work-dir", str(work),
                                    f"spark://{HOST}:{ports['master']}"], env)
        wait_for_port(web_port, f"Spark {name}", seconds=120, process=process)

    def wait_for_workers(self, ports: dict, expected: int, seconds: float = 120) -> None:
        deadline = time.time() + seconds
        alive = 0
        while time.time() < deadline:
            alive = master_json(ports).get("aliveworkers", 0)
            if alive >= expected:
                return
            time.sleep(0.5)
        raise SystemExit(f"stack: {alive} of {expected} Spark workers registered with the master within {seconds} s\n"
                         + self.log_tail("worker-1"))

    def start_history(self, ports: dict, home: str) -> None:
        process = self.spawn("history", [f"{home}/bin/spark-class", "org.apache.spark.deploy.history.HistoryServer"],
                             dict(self.spark_env(), SPARK_HISTORY_OPTS=f"-Dspark.history.ui.port={ports['history']}"))
        wait_for_port(ports["history"], "the Spark history server", seconds=120, process=process)

    def start_connect(self, ports: dict, home: str) -> None:
        process = self.spawn("connect", [
            f"{home}/bin/spark-submit", "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--name", "kindling-connect", "--conf", "spark.cores.max=1", "--conf", "spark.executor.memory=1g", *shared_server_conf(1),
            "--conf", f"spark.connect.grpc.binding.address={HOST}", "--conf", f"spark.connect.grpc.binding.port={ports['connect']}",
            "spark-internal"], self.spark_env())
        wait_for_port(ports["connect"], "the Spark Connect server", seconds=240, process=process)

    # ---- what clients read: spark-defaults, hive-site, spark-env and Kindling's cluster profile ----

    def write_client_conf(self, ports: dict) -> None:
        spark, kindling, metastore = self.conf / "spark", self.conf / "kindling", self.conf / "metastore"
        for folder in (spark, kindling, metastore):
            folder.mkdir(parents=True, exist_ok=True)
        master = f"spark://{HOST}:{ports['master']}"
        events = f"file:{self.dir / 'spark-events'}"
        warehouse = f"file:{self.dir / 'warehouse'}"
        metastore_uri = f"thrift://{HOST}:{ports['metastore']}"
        (self.dir / "secrets").mkdir(mode=0o700, exist_ok=True)
        catalog = iceberg_catalog(self.dir, ports, read_or_create_secret(self.dir / "secrets" / "iceberg-catalog"), warehouse)
        (spark / "spark-defaults.conf").touch(mode=0o600)
        (spark / "spark-defaults.conf").write_text(f"""# Written by bin/stack up: how every Spark process finds the stack at {self.dir}.
spark.master                      {master}
spark.driver.host                 {HOST}
spark.driver.bindAddress          {HOST}
spark.sql.catalogImplementation   hive
spark.sql.warehouse.dir           {warehouse}
spark.eventLog.enabled            true
spark.eventLog.dir                {events}
spark.history.fs.logDirectory     {events}
spark.history.fs.update.interval  2s
spark.master.rest.enabled         true
spark.master.rest.host            {HOST}
spark.master.rest.port            {ports['master_rest']}
spark.master.ui.port              {ports['master_web']}
spark.ui.showConsoleProgress      false
""" + "".join(f"{key}   {value}\n" for key, value in catalog.items()) + executor_java_options())
        (spark / "spark-defaults.conf").chmod(0o600)  # it holds the catalog database's password
        (spark / "hive-site.xml").write_text(hive_site({"hive.metastore.uris": metastore_uri}))
        (spark / "spark-env.sh").write_text(f"""# Written by bin/stack up: the environment of every Spark process of the stack, drivers included.
export SPARK_LOCAL_IP={HOST}
export KINDLING_CONF_DIR={kindling}
""")
        (kindling / "cluster.properties").touch(mode=0o600)
        (kindling / "cluster.properties").write_text(f"""# The `cluster` env, written by bin/stack up: Kindling's jobs on the stack at {self.dir}.
spark.master={master}
spark.driver.host={HOST}
spark.driver.bindAddress={HOST}
spark.sql.catalogImplementation=hive
spark.hadoop.hive.metastore.uris={metastore_uri}
spark.sql.warehouse.dir={warehouse}
spark.eventLog.enabled=true
spark.eventLog.dir={events}
# each job takes at most two of the workers' cores, so that two jobs and the analysts' server run at once
spark.cores.max=2
spark.executor.memory=1g
graphite.host={HOST}
graphite.port={ports['graphite']}
metrics.period.seconds=10
# the stack's Iceberg catalog, as in spark-defaults.conf: also for the cluster env's sessions that no spark-submit starts (the audience shell)
""" + "".join(f"{key}={value}\n" for key, value in catalog.items()))
        (kindling / "cluster.properties").chmod(0o600)  # it holds the catalog database's password
        metastore_password = read_or_create_secret(self.dir / "secrets" / "metastore")
        server_site = metastore / "hive-site.xml"
        server_site.touch(mode=0o600)
        server_site.write_text(hive_site({
            "javax.jdo.option.ConnectionURL": f"jdbc:postgresql://{HOST}:{ports['postgres']}/metastore",
            "javax.jdo.option.ConnectionDriverName": "org.postgresql.Driver",
            "javax.jdo.option.ConnectionUserName": "hive",
            "javax.jdo.option.ConnectionPassword": metastore_password,
            "datanucleus.connectionPoolingType": "HikariCP",  # Hive 2.3's default, BoneCP, is not in Spark's jars
            # DataNucleus creates the schema (Hive's schema tool needs SQL scripts that no jar ships);
            # `up` creates it once, on the first start, before the service takes clients.
            "datanucleus.schema.autoCreateAll": "true",
            "hive.metastore.schema.verification": "false",
            "hive.metastore.warehouse.dir": warehouse,
        }))
        (metastore / "log4j2.properties").write_text(
            "rootLogger.level = warn\nrootLogger.appenderRef.console.ref = console\n"
            "appender.console.type = Console\nappender.console.name = console\n"
            "appender.console.layout.type = PatternLayout\nappender.console.layout.pattern = %d %p %c{1}: %m%n\n")

    # ---- down, status, env ----

    def down(self) -> None:
        state = self.state()
        parts = state.get("parts", [])
        for part in reversed(parts):
            if part == "postgres":
                self.stop_postgres()
            elif part == "graphite":
                graphite_server.stop(self.dir / "graphite")
            else:
                stop_process_group(self.pid(part))
                self.pid_file(part).unlink(missing_ok=True)
        left = [part for part in parts if self.alive(part)]
        if left:
            raise SystemExit(f"stack: still running after down: {', '.join(left)}")

    def status(self) -> list[tuple[str, bool, str]]:
        state = self.state()
        if not state:
            return []
        ports = state["ports"]
        where = {
            "postgres": f"postgresql://{HOST}:{ports['postgres']}/metastore",
            "graphite": f"{HOST}:{ports['graphite']} (plaintext), http://{HOST}:{ports['graphite_web']} (render)",
            "metastore": f"thrift://{HOST}:{ports['metastore']}",
            "master": f"spark://{HOST}:{ports['master']}, http://{HOST}:{ports['master_web']} (UI), "
                      f"http://{HOST}:{ports['master_rest']} (REST)",
            "history": f"http://{HOST}:{ports['history']}",
            "connect": f"sc://{HOST}:{ports['connect']}",
        }
        for n, port in enumerate(ports["workers"]):
            where[f"worker-{n + 1}"] = f"http://{HOST}:{port} (UI)"
        return [(part, self.alive(part), where[part]) for part in state["parts"]]

    def env(self) -> str:
        return (f"export SPARK_CONF_DIR={self.conf / 'spark'}\n"
                f"export KINDLING_CONF_DIR={self.conf / 'kindling'}\n"
                f"export SPARK_HOME={spark_home()}\n")


def hive_site(properties: dict) -> str:
    entries = "".join(f"  <property><name>{name}</name><value>{value}</value></property>\n" for name, value in properties.items())
    return f'<?xml version="1.0"?>\n<!-- Written by bin/stack up. -->\n<configuration>\n{entries}</configuration>\n'


def read_or_create_secret(path: pathlib.Path) -> str:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(24))
    return path.read_text().strip()


def stop_process_group(pid: int | None) -> None:
    if pid is None:
        return
    try:
        os.killpg(pid, 15)
    except (ProcessLookupError, PermissionError):
        pass
    stop_pid(pid, seconds=30)


def master_json(ports: dict) -> dict:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{ports['master_web']}/json/", timeout=5) as response:
            return json.load(response)
    except OSError:
        return {}


def iceberg_catalog(stack_dir: pathlib.Path, ports: dict, password: str, warehouse: str) -> dict[str, str]:
    """The settings that make every Spark process of the stack (jobs in both deploy modes, the audience shell, the
    Connect and history servers, readers) resolve Kindling's Iceberg tables and the metastore's Hive tables by the
    same names: Iceberg's session catalog over Iceberg's JDBC catalog in the stack's PostgreSQL, Iceberg's runtime
    and the driver on drivers' and executors' class paths. Its commits are a compare-and-swap in PostgreSQL, safe
    across processes; Iceberg's Hive catalog would need the metastore's lock tables, which Hive 2.3's
    DataNucleus-made schema lacks (docs/tables.md)."""
    jars = os.pathsep.join(str(jar) for jar in (iceberg_runtime_jar(stack_dir), postgresql_jar(stack_dir)))
    catalog = "spark.sql.catalog.spark_catalog"
    return {
        "spark.driver.extraClassPath": jars,
        "spark.executor.extraClassPath": jars,
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        catalog: "org.apache.iceberg.spark.SparkSessionCatalog",
        f"{catalog}.type": "jdbc",
        f"{catalog}.uri": f"jdbc:postgresql://{HOST}:{ports['postgres']}/iceberg",
        f"{catalog}.jdbc.user": "iceberg",
        f"{catalog}.jdbc.password": password,
        f"{catalog}.jdbc.schema-version": "V1",
        f"{catalog}.warehouse": warehouse,
        # a long-lived session (the Connect server, an analyst's shell) sees each publish at its next query,
        # not after Iceberg's 30 s table cache expires
        f"{catalog}.cache-enabled": "false",
    }


def iceberg_runtime_jar(stack_dir: pathlib.Path) -> pathlib.Path:
    """Iceberg's Spark runtime of the version the pom names, from Maven Central (cached in ~/.m2)."""
    version = pom_property("iceberg.version")
    artifact = f"iceberg-spark-runtime-4.1_{pom_property('scala.binary.version')}"
    jar = stack_dir / "lib" / f"{artifact}-{version}.jar"
    if not jar.exists():
        subprocess.run(["mvn", "-B", "-q", "-ntp", "dependency:copy", f"-Dartifact=org.apache.iceberg:{artifact}:{version}",
                        f"-DoutputDirectory={jar.parent}", "-Dstyle.color=never"], check=True, cwd=stack_dir, stdout=subprocess.DEVNULL)
    return jar


def postgresql_jar(stack_dir: pathlib.Path) -> pathlib.Path:
    """The PostgreSQL JDBC driver of the version the pom names, from Maven Central (cached in ~/.m2)."""
    version = pom_property("postgresql.version")
    jar = stack_dir / "lib" / f"postgresql-{version}.jar"
    if not jar.exists():
        subprocess.run(["mvn", "-B", "-q", "-ntp", "dependency:copy", f"-Dartifact=org.postgresql:postgresql:{version}",
                        f"-DoutputDirectory={jar.parent}", "-Dstyle.color=never"], check=True, cwd=stack_dir, stdout=subprocess.DEVNULL)
    return jar


def spark_home() -> str:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", "import os, pyspark; print(os.path.dirname(pyspark.__file__))"],
                          capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in ("up", "down", "status", "env"):
        settings = "\n".join(f"  {name:36} {meaning} (default {default})" for name, (default, meaning) in SETTINGS.items())
        raise SystemExit(f"{__doc__}\nSettings:\n{settings}")
    stack = Stack(pathlib.Path(setting("KINDLING_STACK_DIR")).resolve())
    command = sys.argv[1]
    if command == "up":
        stack.up()
        command = "status"
    if command == "down":
        stack.down()
    elif command == "env":
        print(stack.env(), end="")
    else:
        rows = stack.status()
        if not rows:
            print(f"stack: nothing at {stack.dir} (run bin/stack up)")
        for part, up, where in rows:
            print(f"{part:10} {'up' if up else 'DOWN':5} {where}")
        if any(not up for _, up, _ in rows):
            sys.exit(1)


if __name__ == "__main__":
    main()
