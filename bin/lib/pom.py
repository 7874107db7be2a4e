"""Facts the scripts read from pom.xml, the one place they are kept: versions, and the JVM options Spark needs on
Java 17 (spark.test.jvm.args, the openings spark-submit's launcher adds) for any JVM that runs Spark or its client."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def pom_property(name: str) -> str:
    return re.search(rf"<{re.escape(name)}>(.*?)</{re.escape(name)}>", (ROOT / "pom.xml").read_text()).group(1)


def jvm_module_options() -> list[str]:
    return pom_property("spark.test.jvm.args").split()
