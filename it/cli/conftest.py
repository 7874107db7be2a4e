"""Runs bin/kindling (spark-submit on the shaded jar) as a user or Airflow would."""
import pytest

import kindling_it
from kindling_it import run_kindling


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
        return kindling_it.read_partition(table, column, value, work_dir=work_dir)
    return read
