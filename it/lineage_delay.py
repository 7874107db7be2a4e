"""What lineage costs a run, with its receiver answering, down or hanging, against lineage off (docs/benchmarks.md):
the same small snapshot through bin/kindling, the modes taking turns each round; medians of the wall time
and of the two waits at a run's end where a stuck receiver would show (see split()).

    .venv/bin/python it/lineage_delay.py [rounds, default 3]
"""
import datetime
import pathlib
import statistics
import sys
import tempfile

from kindling_it import free_port, run_kindling
from lineage_receiver import LineageReceiver

MODES = ("off", "answering", "down", "hanging")


def run(mode: str, work: pathlib.Path, source: pathlib.Path, day: str):
    args = ("snapshot", "--source", str(source), "--format", "csv", "--schema", "id INT, name STRING, amount INT",
            "--target", f"delay.{mode}", "--logical-date", day)
    if mode == "off":
        return run_kindling(*args, work_dir=work)
    if mode == "down":
        return run_kindling(*args, "--conf", f"lineage.url=http://127.0.0.1:{free_port()}", work_dir=work)
    with LineageReceiver(hang=mode == "hanging") as receiver:
        return run_kindling(*args, "--conf", f"lineage.url={receiver.url}", work_dir=work)


def seconds_after(result, prefix: str) -> float:
    """From the first log line that starts with prefix to the process's end."""
    lines = result.json_lines()
    line = next(line for line in lines if line["message"].startswith(prefix))
    at = datetime.datetime.fromisoformat(line["timestamp"].replace("Z", "+00:00"))
    first = datetime.datetime.fromisoformat(lines[0]["timestamp"].replace("Z", "+00:00"))
    return result.seconds - (at - first).total_seconds()


def split(result) -> tuple[float, float]:
    """The end of a run where lineage waits: from the job's own summary ("snapshot of csv ...") to its final
    line (Kindling's event), and from the final line to the process's end (the session's stop, with the
    listener's queue)."""
    after_summary = seconds_after(result, "snapshot of csv")
    after_final = seconds_after(result, "snapshot finished")
    return after_summary - after_final, after_final


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lineage-delay-") as tmp:
        work = pathlib.Path(tmp)
        source = work / "orders.csv"
        source.write_text("id,name,amount\n" + "".join(f"{i},name{i},{i * 3}\n" for i in range(1, 1001)))
        walls, events, stops = ({m: [] for m in MODES} for _ in range(3))
        for r in range(rounds):
            for mode in MODES[r % len(MODES):] + MODES[:r % len(MODES)]:
                result = run(mode, work, source, f"2024-03-{r + 1:02d}")
                if result.code != 0:
                    raise SystemExit(f"{mode}: exit code {result.code}\n" + "\n".join(result.err_lines[-10:]))
                event, stop = split(result)
                walls[mode].append(result.seconds)
                events[mode].append(event)
                stops[mode].append(stop)
                print(f"round {r + 1} {mode}: {result.seconds:.1f} s wall, Kindling's event {event:.1f} s, stop {stop:.1f} s", flush=True)
        print("mode: medians of wall time, summary to final line (Kindling's event), final line to exit (stop)")
        for mode in MODES:
            print(f"{mode}: {statistics.median(walls[mode]):.1f} s, {statistics.median(events[mode]):.2f} s, {statistics.median(stops[mode]):.1f} s")

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
