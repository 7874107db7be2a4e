"""Analysts read while a job writes: an analyst's audience shell (bin/audience-shell on the cluster env, its
driver on the stack's master and metastore) and a Spark Connect client on the stack's server read the partition
a snapshot rewrites, at once, and every read sees the old partition or the new one, never a mix, never an error."""
import glob
import subprocess
import threading

from kindling_it import ROOT
from test_jobs_on_the_cluster import snapshot, write_orders

import stack_support

TABLE, DATE = "shop.read_while_written", "2026-11-20"

# the loop an analyst would type, in the shell's own session (`spark`, opened by its startup on $KINDLING_ENV)
SHELL_READER = """
var query = "SELECT label, count(*) FROM {table} WHERE ds = '{date}' GROUP BY label ORDER BY label";
var stop = java.nio.file.Path.of("{stop}");
boolean last = false;
while (!last) {{
    last = java.nio.file.Files.exists(stop);
    try {{
        var rows = spark.sql(query).collectAsList();
        System.out.println("read " + rows.stream().map(row -> row.getString(0) + "=" + row.getLong(1))
                .collect(java.util.stream.Collectors.joining(",")));
    }} catch (RuntimeException e) {{
        System.out.println("error " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }}
    System.out.flush();
}}
/exit
"""


class Reader:
    """A reader process printing `read old=5000` (label=rows) or `error ...` a read, until the stop file exists."""

    def __init__(self, name, command, env=None):
        self.name = name
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=env)
        self.reads = []
        self.first_read = threading.Event()
        self.collector = threading.Thread(target=self.collect)
        self.collector.start()

    def collect(self):
        for line in self.process.stdout:
            if line.startswith(("read ", "error ")):
                self.reads.append(line.strip())
                self.first_read.set()

    def wait(self):
        self.process.wait(timeout=180)
        self.collector.join()


def test_a_shell_and_a_connect_client_reading_during_a_rewrite_see_old_or_new_never_a_mix_nor_an_error(stack, tmp_path):
    assert snapshot(stack, tmp_path / "work", write_orders(tmp_path / "old.csv", 5000, "old"), TABLE, DATE).code == 0
    stop = tmp_path / "stop"
    home = stack_support.spark_home()
    classpath = ":".join([str(ROOT / "dsl" / "target" / "classes"), str(ROOT / "dsl" / "target" / "test-classes"),
                          *glob.glob(f"{home}/jars/connect-repl/spark-connect-client-jvm_*.jar"), f"{home}/jars/*"])
    script = tmp_path / "reader.jsh"
    script.write_text(SHELL_READER.format(table=TABLE, date=DATE, stop=stop))
    readers = [
        Reader("connect client", ["java", *stack_support.jvm_module_options(),
                                  f"-Dlog4j2.configurationFile={ROOT / 'conf' / 'log4j2-bootstrap.properties'}", "-cp", classpath,
                                  "dev.kindling.dsl.ConnectReaderProbe", f"sc://127.0.0.1:{stack.ports['connect']}", TABLE, DATE, str(stop)]),
        Reader("audience shell", [str(ROOT / "bin" / "audience-shell"), str(script)],
               env=dict(stack.env, KINDLING_ENV="cluster", KINDLING_WORK_DIR=str(tmp_path / "shell"), KINDLING_SHELL_MEMORY="1g")),
    ]
    try:
        for reader in readers:
            assert reader.first_read.wait(240), f"the {reader.name} never read"
        rewrite = snapshot(stack, tmp_path / "work", write_orders(tmp_path / "new.csv", 200_000, "new"), TABLE, DATE)
        assert rewrite.code == 0, "\n".join(rewrite.err_lines[-20:])
    finally:
        stop.touch()
        for reader in readers:
            reader.wait()

    for reader in readers:
        reads = reader.reads
        assert reads and reads[0] == "read old=5000", (reader.name, reads[:3])
        assert set(reads) <= {"read old=5000", "read new=200000"}, (reader.name, sorted(set(reads))[:5])
        assert reads[-1] == "read new=200000", (reader.name, reads[-3:])
    # the shell's driver ran its queries on the stack's master, not in a local Spark
    master = stack_support.stack.master_json(stack.ports)
    assert "kindling-cluster-interactive" in {app["name"] for app in master["activeapps"] + master["completedapps"]}, master
