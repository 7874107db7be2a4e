"""The verify job on the cluster stack, in both deploy modes: the checks of a stack table's partition, their
results in the stack's history table, a rerun of the date replacing its rows."""
import pytest

from test_jobs_on_the_cluster import snapshot, write_orders

CHECKS = """checks:
  - {name: all_orders, kind: row_count, severity: error, min: 500, max: 500}
  - {name: unique_id, kind: uniqueness, severity: error, columns: [id]}
  - {name: labelled, kind: completeness, severity: error, column: label, max_null_share: 0.0}
"""


@pytest.mark.parametrize("deploy_mode", ["client", "cluster"])
def test_verify_runs_on_the_cluster_and_records_each_check_once_a_date(stack, tmp_path, deploy_mode):
    day = "2026-11-20" if deploy_mode == "client" else "2026-11-21"
    assert snapshot(stack, tmp_path / "work", write_orders(tmp_path / "orders.csv", 500, "v"), "shop.verified", day).code == 0
    checks = tmp_path / "orders.yaml"
    checks.write_text(CHECKS)
    verify = ("verify", "--table", "shop.verified", "--checks", str(checks), "--logical-date", day)

    for _ in range(2):  # the rerun replaces the date's results
        run = stack.kindling(*verify, work_dir=tmp_path / "work", deploy_mode=deploy_mode)
        assert run.code == 0, "\n".join(run.err_lines[-20:])
    history = stack.read_partition("quality.check_results", "ds", day)["rows"]
    assert sorted((row["table_name"], row["check_name"], row["status"]) for row in history) == [
        ("shop.verified", "all_orders", "pass"), ("shop.verified", "labelled", "pass"), ("shop.verified", "unique_id", "pass")]
