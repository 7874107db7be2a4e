"""Analysts read while a job writes: a Spark Connect client on the stack's server reads the partition a
snapshot rewrites, and every read sees the old partition or the new one, never a mix, never an error."""
import glob
import subprocess
import threading

from kindling_it import ROOT
from test_jobs_on_the_cluster import snapshot, write_orders

import stack_support


def test_a_connect_client_reading_during_a_rewrite_sees_old_or_new_never_a_mix_nor_an_error(stack, tmp_path):
    assert snapshot(stack, tmp_path / "work", write_orders(tmp_path / "old.csv", 5000, "old"), "shop.read_while_written",
                    "2026-11-20").code == 0
    home = stack_support.spark_home()
    classpath = ":".join([str(ROOT / "dsl" / "target" / "classes"), str(ROOT / "dsl" / "target" / "test-classes"),
                          *glob.glob(f"{home}/jars/connect-repl/spark-connect-client-jvm_*.jar"), f"{home}/jars/*"])
    stop = tmp_path / "stop"
    reader = subprocess.Popen(["java", *stack_support.jvm_module_options(),
                               f"-Dlog4j2.configurationFile={ROOT / 'conf' / 'log4j2-bootstrap.properties'}", "-cp", classpath,
                               "dev.kindling.dsl.ConnectReaderProbe", f"sc://127.0.0.1:{stack.ports['connect']}",
                               "shop.read_while_written", "2026-11-20", str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    reads = []
    first_read = threading.Event()

    def collect():
        for line in reader.stdout:
            reads.append(line.strip())
            first_read.set()

    collector = threading.Thread(target=collect)
    collector.start()
    try:
        assert first_read.wait(180), "the reader never read"
        rewrite = snapshot(stack, tmp_path / "work", write_orders(tmp_path / "new.csv", 200_000, "new"),
                           "shop.read_while_written", "2026-11-20")
        assert rewrite.code == 0, "\n".join(rewrite.err_lines[-20:])
    finally:
        stop.touch()
        reader.wait(timeout=180)
        collector.join()

    assert reads and reads[0] == "read old=5000", reads[:3]
    assert set(reads) <= {"read old=5000", "read new=200000"}, sorted(set(reads))[:5]
    assert reads[-1] == "read new=200000", reads[-3:]
