"""What the Kindling jar says about itself (`kindling spec --json`), as committed beside the DAGs.

airflow-dags/kindling-spec.json is generated from the jar: jobs/ LauncherTest fails when it is stale
(and rewrites it with -DupdateSpec=true), tests/test_drift.py compares it with the built jar's output.
DAG parsing, the operator and the Grafana generator read it without a jar or a JVM.
"""
from __future__ import annotations

import functools
import json
import pathlib
from collections.abc import Mapping
from types import MappingProxyType

SPEC_FILE = pathlib.Path(__file__).resolve().parents[1] / "kindling-spec.json"


@functools.cache
def load(path: pathlib.Path = SPEC_FILE) -> Mapping:
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def not_retried(spec: Mapping) -> Mapping[int, str]:
    """Failure exit codes that a retry cannot fix, with their meaning."""
    return MappingProxyType({code["code"]: code["meaning"] for code in spec["exit_codes"]
                             if code["code"] != 0 and not code["retried"]})


def jobs(spec: Mapping) -> Mapping[str, Mapping]:
    """Every job of the jar by name."""
    return MappingProxyType({job["name"]: job for job in spec["jobs"]})


def option_names(job: Mapping) -> frozenset[str]:
    """Every name an option of the job answers to."""
    return frozenset(name for option in job["options"] for name in option["names"])
