"""Runs bin/kindling (spark-submit on the shaded jar) as a user or Airflow would."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

from kindling_it import ROOT, run_kindling


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("kindling-work")


@pytest.fixture(scope="module")
def kindling(work_dir):
    def run(*args, env=None, timeout=300):
        return run_kindling(*args, work_dir=work_dir, env=env, timeout=timeout)
    return run


@pytest.fixture(scope="module")
def read_partition(work_dir):
    def read(table, column, value):
        env = dict(os.environ, PYSPARK_SUBMIT_ARGS=(
            f"--driver-java-options \"-Dlog4j2.configurationFile={ROOT / 'conf' / 'log4j2-bootstrap.properties'}"
            f" -Dderby.stream.error.file={work_dir / 'derby-reader.log'}\" pyspark-shell"))
        completed = subprocess.run([sys.executable, str(pathlib.Path(__file__).parent / "read_table.py"),
                                    str(work_dir), table, column, value],
                                   capture_output=True, text=True, env=env, timeout=300, check=True)
        return json.loads(completed.stdout.strip().splitlines()[-1])
    return read
