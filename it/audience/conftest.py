"""Fixtures for the analysts' tools: a tiny demo marketplace made by bin/kindling demo-data in a
work dir of its own (the embedded Derby metastore admits one JVM at a time)."""
import os
import subprocess

import pytest

from audience_support import ROOT


@pytest.fixture(scope="session")
def demo_work_dir(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("audience-work")
    completed = subprocess.run(
        [str(ROOT / "bin" / "kindling"), "demo-data", "--logical-date", "2017-01-01", "--users", "3000",
         "--transactions", "60000", "--conf", "log.format=plain"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=dict(os.environ, KINDLING_WORK_DIR=str(work_dir)))
    assert completed.returncode == 0, completed.stderr[-3000:]
    return work_dir
