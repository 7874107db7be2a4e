"""Shared by the bin/kindling tests (a module of its own: pytest loads every conftest.py of it/ under
the same name, so tests must not import from conftest)."""
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
KINDLING = ROOT / "bin" / "kindling"
JVM_NOISE = ("WARNING: Using incubator modules",)


class Run:
    def __init__(self, completed: subprocess.CompletedProcess):
        self.code = completed.returncode
        self.out = completed.stdout
        self.err_lines = [line for line in completed.stderr.splitlines() if not line.startswith(JVM_NOISE)]

    def json_lines(self):
        return [json.loads(line) for line in self.err_lines if line.startswith("{")]
