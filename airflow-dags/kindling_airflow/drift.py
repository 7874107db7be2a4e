"""Asks the jar itself whether it accepts a rendered job command line: `kindling check-args`.

The jar parses the arguments exactly as a run would (picocli, the job's typed options, strict dates
and numbers, --env, --conf and the Spark settings with their declared types) and answers exit 0, or
one line naming the problem and exit 2, without starting Spark or touching the job's inputs. So the
DAGs are checked by the code that will run them, not by a second implementation of it.
"""
from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence


def check_args(kindling: Sequence[str], args: Sequence[str], spark_conf: Mapping[str, str] | None = None) -> str | None:
    """None when the jar accepts `args` (job name first), else its one-line reason.

    kindling is the command that runs the jar (e.g. [".../bin/kindling"]). spark_conf, the DAG's
    spark-submit settings, is checked as --conf entries: the jar knows which values Spark accepts.
    """
    conf = [item for key, value in (spark_conf or {}).items() for item in ("--conf", f"{key}={value}")]
    completed = subprocess.run([*kindling, "check-args", *args, *conf], capture_output=True, text=True, timeout=300)
    if completed.returncode == 0:
        return None
    verdict = [line for line in completed.stderr.splitlines() if line.startswith("kindling")]
    if completed.returncode != 2 or not verdict:
        raise RuntimeError(f"kindling check-args exited with {completed.returncode}: {completed.stderr[-2000:]}")
    return verdict[-1]
