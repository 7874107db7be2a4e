"""bin/kindling verify through spark-submit on the embedded default, on a table bin/kindling snapshot created."""
from kindling_it import ROOT

ORDERS_SCHEMA = "order_id INT, customer STRING, category STRING, amount DECIMAL(10,2), ordered_at TIMESTAMP"
DATE = "2024-01-15"


def test_verify_records_each_check_and_fails_on_an_error_check(kindling, read_partition, tmp_path):
    snapshot = kindling("snapshot", "--source", str(ROOT / "samples" / "orders.csv"), "--format", "csv", "--schema", ORDERS_SCHEMA,
                        "--target", "cli_verify.orders", "--logical-date", DATE, "--key", "order_id", "--on-duplicate", "drop",
                        "--max-bad-ratio", "0.1")
    assert snapshot.code == 0, snapshot.err_lines[-20:]

    run = kindling("verify", "--table", "cli_verify.orders", "--checks", str(ROOT / "samples" / "orders.checks.yaml"),
                   "--logical-date", DATE, "--run-id", "cli-verify-1")
    assert run.code == 0, run.err_lines[-20:]
    history = read_partition("quality.check_results", "ds", DATE)["rows"]
    statuses = {row["check_name"]: (row["status"], row["value"]) for row in history}
    # the sample: 19 orders after the malformed record and the duplicate, none without a customer
    assert statuses == {
        "has_orders": ("pass", 19.0), "order_volume": ("warn", 19.0), "unique_order_id": ("pass", 0.0),
        "customer_known": ("pass", 0.0), "amount_plausible": ("pass", 0.0), "known_category": ("pass", 0.0),
        "fresh_orders": ("pass", 4 * 3600 + 14 * 60 + 10.0)}  # the latest order at 19:45:50
    assert {row["run_id"] for row in history} == {"cli-verify-1"}

    too_many = tmp_path / "too_many.yaml"
    too_many.write_text("checks: [{name: at_least_100, kind: row_count, severity: error, min: 100}]\n")
    failed = kindling("verify", "--table", "cli_verify.orders", "--checks", str(too_many), "--logical-date", DATE,
                      "--run-id", "cli-verify-2", "--conf", "quality.history.table=quality.cli_failed")
    assert failed.code == 3
    assert ("kindling verify: data quality check failed: 1 error check failed on cli_verify.orders partition"
            " ds=2024-01-15: at_least_100 (19 rows (allowed [100, +inf]))") in failed.err_lines
    assert [row["status"] for row in read_partition("quality.cli_failed", "ds", DATE)["rows"]] == ["fail"]
