"""A small Spark session on the catalogs of a Kindling work dir (the `local` profile's layout: Hive tables
on an embedded Derby metastore, Kindling's own tables in an Iceberg catalog beside them), for the helpers
that read back what a local run wrote. Derby admits one JVM at a time: open it only while no job runs on
the same work dir."""
import pathlib
import re

from pyspark.sql import SparkSession

ROOT = pathlib.Path(__file__).resolve().parents[2]
LOCAL_PROFILE = ROOT / "jobs" / "src" / "main" / "resources" / "kindling" / "profiles" / "local.properties"
# The jobs' jar holds Iceberg's Spark runtime (shaded in by its own makers' relocations).
JOBS_JAR = ROOT / "jobs" / "target" / "kindling-jobs.jar"
# Where the catalogs and the warehouse are: the profile's keys for these, read from the profile itself.
CATALOG_KEYS = re.compile(r"spark\.sql\.(catalogImplementation|warehouse\.dir|extensions|catalog\..*)|spark\.hadoop\.javax\.jdo\..*")


def catalog_settings(work: pathlib.Path) -> dict[str, str]:
    """The local profile's catalog settings, with ${work.dir} resolved: the same tables as a local run sees."""
    settings = {}
    for line in LOCAL_PROFILE.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#") and CATALOG_KEYS.fullmatch(key.strip()):
            settings[key.strip()] = value.strip().replace("${work.dir}", str(work))
    return settings


def session(work: pathlib.Path, app_name: str, derby_log: pathlib.Path | None = None) -> SparkSession:
    builder = SparkSession.builder
    if derby_log is not None:
        builder = builder.config("spark.driver.extraJavaOptions", f"-Dderby.stream.error.file={derby_log}")
    builder = (builder.master("local[1]").appName(app_name)
               .config("spark.ui.enabled", "false")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.jars", str(JOBS_JAR)))
    for key, value in catalog_settings(work).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
