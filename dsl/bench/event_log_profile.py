"""Where a Spark server's query time goes, read from its event log (docs/benchmarks.md, "Through Connect").

    .venv/bin/python dsl/bench/event_log_profile.py EVENT_LOG_DIR [LAST_N]

EVENT_LOG_DIR holds one uncompressed, non-rolling event log (spark.eventLog.compress=false,
spark.eventLog.rolling.enabled=false); the newest file in it is read. For the last LAST_N (default 9) SQL
executions it prints the medians, in ms, of: the execution's wall time, the time before its first job
(planning left after the execution started), the span of its jobs, and its tasks' summed run and
deserialization times, their CPU time and garbage collection time; then the stages of the last execution, each task as (waited for a core,
deserialized, ran).
"""
import json
import pathlib
import statistics
import sys


def read(log: pathlib.Path):
    executions, jobs, stages, tasks = {}, {}, {}, []
    for line in log.open():
        event = json.loads(line)
        kind = event["Event"]
        if kind.endswith("SQLExecutionStart"):
            executions[event["executionId"]] = {"start": event["time"]}
        elif kind.endswith("SQLExecutionEnd"):
            executions[event["executionId"]]["end"] = event["time"]
        elif kind == "SparkListenerJobStart":
            execution = event.get("Properties", {}).get("spark.sql.execution.id")
            jobs[event["Job ID"]] = {"start": event["Submission Time"], "execution": int(execution) if execution else None,
                                     "stages": event["Stage IDs"]}
        elif kind == "SparkListenerJobEnd":
            jobs[event["Job ID"]]["end"] = event["Completion Time"]
        elif kind == "SparkListenerStageCompleted":
            info = event["Stage Info"]
            stages[info["Stage ID"]] = {"submitted": info.get("Submission Time") or 0, "tasks": info["Number of Tasks"]}
        elif kind == "SparkListenerTaskEnd":
            info, metrics = event["Task Info"], event.get("Task Metrics", {})
            tasks.append({"stage": event["Stage ID"], "launch": info["Launch Time"],
                          "deserialize": metrics.get("Executor Deserialize Time", 0), "run": metrics.get("Executor Run Time", 0),
                          "cpu": metrics.get("Executor CPU Time", 0) // 1_000_000, "gc": metrics.get("JVM GC Time", 0)})
    return executions, jobs, stages, tasks


def main(directory: str, last: int = 9) -> None:
    log = max(pathlib.Path(directory).iterdir(), key=lambda path: path.stat().st_mtime)
    executions, jobs, stages, tasks = read(log)
    finished = [(key, value) for key, value in sorted(executions.items()) if "end" in value][-last:]
    rows = []
    for execution_id, execution in finished:
        own = [job for job in jobs.values() if job["execution"] == execution_id]
        own_stages = {stage for job in own for stage in job["stages"]}
        own_tasks = [task for task in tasks if task["stage"] in own_stages]
        first = min((job["start"] for job in own), default=execution["start"])
        end = max((job.get("end", first) for job in own), default=first)
        rows.append({"wall": execution["end"] - execution["start"], "before jobs": first - execution["start"], "jobs": end - first,
                     "task run": sum(task["run"] for task in own_tasks), "task deserialize": sum(task["deserialize"] for task in own_tasks),
                     "task cpu": sum(task["cpu"] for task in own_tasks), "task gc": sum(task["gc"] for task in own_tasks),
                     "job count": len(own), "task count": len(own_tasks)})
    print(f"{log.name}: medians of the last {len(rows)} SQL executions (ms):")
    for key in rows[0]:
        print(f"  {key:17} {statistics.median(row[key] for row in rows)}")
    last_id = finished[-1][0]
    print("the last execution's stages: tasks as (waited for a core, deserialized, ran) in ms")
    for job_id, job in sorted(jobs.items()):
        if job["execution"] == last_id:
            for stage in job["stages"]:
                if stage in stages:
                    submitted = stages[stage]["submitted"]
                    print(f"  job {job_id} stage {stage}, started {submitted - executions[last_id]['start']} ms in:",
                          [(task["launch"] - submitted, task["deserialize"], task["run"]) for task in tasks if task["stage"] == stage])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 9)
