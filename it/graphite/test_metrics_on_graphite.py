"""The shipped snapshot job against a real Graphite: exact values read back through graphite-web's
render API, and the faults a metrics pipeline meets (Graphite down, coming back, black-holed, restarted)."""
import signal
import socket
import threading
import time
import uuid

SCHEMA = "id INT, name STRING, amount INT"


def prefix():
    return f"kindling.it{uuid.uuid4().hex[:8]}"


def snapshot(kindling, source, graphite_port, metrics_prefix, *extra, **kwargs):
    return kindling("snapshot", "--source", str(source), "--format", "csv", "--schema", SCHEMA,
                    "--target", "metrics.orders", "--logical-date", "2024-03-01", "--key", "id",
                    "--conf", "graphite.host=127.0.0.1", "--conf", f"graphite.port={graphite_port}",
                    "--conf", f"metrics.prefix={metrics_prefix}", *extra, **kwargs)


def test_a_run_reports_exactly_what_it_did(graphite, kindling, orders_csv):
    p = prefix()
    run = snapshot(kindling, orders_csv, graphite.line_port, p, "--max-bad-ratio", "0.1")
    assert run.code == 0, run.err_lines

    job = f"{p}.snapshot"
    assert graphite.last(f"{job}.rows_read") == 22
    assert graphite.last(f"{job}.rows_written") == 21
    assert graphite.last(f"{job}.rows_quarantined") == 1
    assert graphite.last(f"{job}.duplicates") == 1
    assert graphite.last(f"{job}.success") == 1
    assert graphite.last(f"{job}.failed") == 0
    assert graphite.last(f"{job}.exit_code") == 0
    assert graphite.last(f"{job}.quality_check_failed") == 0
    assert graphite.last(f"{job}.duration_ms") > 0
    assert abs(graphite.last(f"{job}.last_success_timestamp") - time.time()) < 600


def test_a_data_quality_failure_is_reported_as_such(graphite, kindling, orders_csv):
    p = prefix()
    run = snapshot(kindling, orders_csv, graphite.line_port, p)  # 1 bad row of 22 is above the default 1%
    assert run.code == 3

    job = f"{p}.snapshot"
    assert graphite.last(f"{job}.failed") == 1
    assert graphite.last(f"{job}.exit_code") == 3
    assert graphite.last(f"{job}.quality_check_failed") == 1
    assert graphite.last(f"{job}.rows_quarantined") == 1
    assert graphite.points(f"{job}.last_success_timestamp") == []


def test_graphite_down_for_the_whole_run(graphite, kindling, orders_csv):
    graphite.server("stop-carbon")
    try:
        run = snapshot(kindling, orders_csv, graphite.line_port, prefix(), "--max-bad-ratio", "0.1",
                       "--conf", "metrics.flush.timeout.ms=2000")
    finally:
        graphite.server("start-carbon")
    assert run.code == 0
    graphite_warnings = [w["message"] for w in run.warnings() if "Graphite" in w["message"]]
    assert len(graphite_warnings) == 1 and "is unreachable" in graphite_warnings[0]
    # the job waited for Graphite at most the flush deadline: the warning comes right after the summary
    logs = run.json_lines()
    finished = next(line for line in logs if "finished: exit code 0" in line["message"])
    warned = next(line for line in logs if line["message"] == graphite_warnings[0])
    assert logs.index(warned) == logs.index(finished) + 1


def test_graphite_down_at_start_and_up_before_the_end_gets_every_point(graphite, kindling, big_csv):
    graphite.server("stop-carbon")
    came_back = {}

    def bring_graphite_back(line, _process):
        if "to staging" in line and not came_back:
            time.sleep(2)  # a few periodic reports queue up while carbon is down
            graphite.server("start-carbon")
            came_back["at"] = time.time()

    p = prefix()
    run = snapshot(kindling, big_csv, graphite.line_port, p, "--conf", "metrics.period.seconds=1",
                   on_line=bring_graphite_back)
    if not came_back:
        graphite.server("start-carbon")
    assert run.code == 0, run.err_lines
    assert came_back, "the run never reached its write"

    job = f"{p}.snapshot"
    assert graphite.last(f"{job}.rows_written", expect=2_000_000) == 2_000_000
    queued = [ts for _, ts in graphite.points(f"{job}.metrics_points_dropped") if ts < came_back["at"] - 1]
    assert len(queued) >= 2, "reports made while carbon was down arrive later with their own timestamps"
    assert not [w for w in run.warnings() if "Graphite" in w["message"]]


def test_a_black_holed_graphite_cannot_hold_the_run(kindling, orders_csv):
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)
    accepted = []
    threading.Thread(target=lambda: accepted.append(hole.accept()), daemon=True).start()  # accepts, never reads
    try:
        run = snapshot(kindling, orders_csv, hole.getsockname()[1], prefix(), "--max-bad-ratio", "0.1",
                       "--conf", "metrics.flush.timeout.ms=1500", "--conf", "graphite.timeout.ms=500")
    finally:
        hole.close()
    assert run.code == 0
    logs = run.json_lines()
    assert any("finished: exit code 0" in line["message"] for line in logs)


def test_carbon_restarted_mid_run_loses_no_point(graphite, kindling, big_csv):
    restarted = {}

    def restart(line, _process):
        if "to staging" in line and not restarted:
            restarted["at"] = time.time()
            graphite.server("restart-carbon")

    p = prefix()
    run = snapshot(kindling, big_csv, graphite.line_port, p, "--conf", "metrics.period.seconds=1", on_line=restart)
    assert run.code == 0, run.err_lines
    assert restarted, "the run never reached its write"
    job = f"{p}.snapshot"
    assert graphite.last(f"{job}.rows_written", expect=2_000_000) == 2_000_000
    seconds = [ts for _, ts in graphite.points(f"{job}.metrics_points_dropped")]
    assert seconds, "periodic reports arrived"
    gaps = [b - a for a, b in zip(seconds, seconds[1:])]
    assert max(gaps, default=0) <= 3, f"a second of reports went missing around the restart: {seconds}"


def test_sparks_own_graphite_sink_reports_beside_the_job(graphite, kindling, orders_csv):
    p = prefix()
    run = snapshot(kindling, orders_csv, graphite.line_port, p, "--max-bad-ratio", "0.1",
                   "--conf", "metrics.spark.sink=true", "--conf", "metrics.period.seconds=1")
    assert run.code == 0, run.err_lines
    assert graphite.last(f"{p}.snapshot.spark.driver.jvm.heap.used", wait_seconds=15) > 0


def test_a_killed_run_still_sends_its_final_report(graphite, kindling, big_csv):
    def terminate(line, process):
        if "to staging" in line:
            process.send_signal(signal.SIGTERM)

    p = prefix()
    run = snapshot(kindling, big_csv, graphite.line_port, p, on_line=terminate)
    assert run.code == 143
    job = f"{p}.snapshot"
    assert graphite.last(f"{job}.failed") == 1
    assert graphite.last(f"{job}.success") == 0
    assert graphite.last(f"{job}.exit_code") == 143, "the metric tells the exit status"
    assert graphite.last(f"{job}.duration_ms") > 0
    assert graphite.points(f"{job}.rows_written") == [], "a killed run wrote nothing"
