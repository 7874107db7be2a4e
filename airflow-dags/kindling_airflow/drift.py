"""Checks a rendered job command line against the jar's own description of its jobs.

The description is `kindling spec --json` (bin/kindling spec --json): every job's options with their
names, type (string, date, integer, number, flag, choice), choices, and whether they are required
or repeatable. A DAG that passes an option the job does not have, a value of the wrong type, or
leaves out a required option is reported here, before Airflow ever runs it.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def problems(jar_spec: Mapping, args: Sequence[str]) -> list[str]:
    """Everything wrong with `args` (job name first, then its options); empty when the jar accepts them."""
    jobs = {job["name"]: job for job in jar_spec["jobs"]}
    if not args or args[0] not in jobs:
        return [f"job {args[0] if args else None!r} is not in the jar; it has {sorted(jobs)}"]
    job = jobs[args[0]]
    by_name = {name: option for option in job["options"] for name in option["names"]}
    found: list[str] = []
    given: Counter = Counter()
    tokens = list(args[1:])
    while tokens:
        token = tokens.pop(0)
        name, has_inline, inline = token.partition("=")
        option = by_name.get(name)
        if option is None:
            found.append(f"{job['name']}: {name!r} is not an option of the job"
                         if name.startswith("-") else f"{job['name']}: stray argument {token!r}")
            continue
        given[option["name"]] += 1
        if option["type"] == "flag":
            if has_inline:
                found.append(f"{job['name']}: {name} is a flag and takes no value, got {inline!r}")
            continue
        if has_inline:
            value = inline
        elif tokens and not tokens[0].startswith("--"):
            value = tokens.pop(0)
        else:
            found.append(f"{job['name']}: {name} needs a value ({option.get('param') or option['type']})")
            continue
        error = _type_error(option, value)
        if error:
            found.append(f"{job['name']}: {name} {value!r}: {error}")
    for option in job["options"]:
        if option["required"] and not given[option["name"]]:
            found.append(f"{job['name']}: required option {option['name']} is missing")
        if not option["repeatable"] and given[option["name"]] > 1:
            found.append(f"{job['name']}: {option['name']} is given {given[option['name']]} times but is not repeatable")
    return found


def _type_error(option: Mapping, value: str) -> str | None:
    kind = option["type"]
    if kind == "date":
        try:
            if ISO_DATE.fullmatch(value):
                date.fromisoformat(value)
                return None
        except ValueError:
            pass
        return "expected a date YYYY-MM-DD"
    if kind == "integer":
        return None if re.fullmatch(r"-?\d+", value) else "expected an integer"
    if kind == "number":
        try:
            float(value)
            return None
        except ValueError:
            return "expected a number"
    if kind == "choice":
        return None if value in option["choices"] else f"expected one of {option['choices']}"
    if kind == "string":
        return None if value.strip() else "expected a non-empty value"
    return f"the jar reports an option type {kind!r} this check does not know; extend drift.py"
