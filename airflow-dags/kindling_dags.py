"""Every Kindling job DAG, built from jobs.yaml (or the file named by $KINDLING_DAGS_SPEC).

To schedule a job add an entry to jobs.yaml; nothing else changes here.
"""
import os
import pathlib

from kindling_airflow import spec
from kindling_airflow.factory import build_dag

SPEC_FILE = os.environ.get("KINDLING_DAGS_SPEC") or pathlib.Path(__file__).with_name("jobs.yaml")

for entry in spec.load(SPEC_FILE).dags:
    globals()[entry.dag_id] = build_dag(entry)
