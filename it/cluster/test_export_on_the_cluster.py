"""The export job on the cluster stack: a partition of the stack's Hive metastore into PostgreSQL, its
COPY running in the executors on the stack's workers."""
import postgres  # bin/lib
from test_jobs_on_the_cluster import snapshot, write_orders


def test_export_on_the_cluster_copies_a_partition_into_postgresql_and_a_rerun_is_identical(stack, tmp_path):
    assert snapshot(stack, tmp_path / "work", write_orders(tmp_path / "orders.csv", 3000, "cluster"), "shop.exported",
                    "2026-11-20").code == 0
    with postgres.Throwaway(tmp_path / "reporting") as pg:
        credentials = {"KINDLING_JDBC_USER": pg.user, "KINDLING_JDBC_PASSWORD": pg.password}
        export = ("export", "--source", "shop.exported", "--logical-date", "2026-11-20", "--target-url", pg.url,
                  "--target-table", "public.orders", "--mode", "replace-date")
        first = stack.kindling(*export, work_dir=tmp_path / "work", env=credentials)
        assert first.code == 0, "\n".join(first.err_lines[-20:])
        finished = next(line for line in first.json_lines() if line["message"].startswith("export finished"))
        assert "rows_read=3000, rows_written=3000" in finished["message"], finished["message"]
        content = "SELECT count(*), sum(id), round(sum(amount)::numeric, 1), min(label), max(label), min(ds) FROM public.orders"
        expected = f"3000|{sum(range(3000))}|{sum(i * 1.5 for i in range(3000)):.1f}|cluster|cluster|2026-11-20"
        assert pg.sql(content).strip() == expected

        again = stack.kindling(*export, work_dir=tmp_path / "work", env=credentials)
        assert again.code == 0, "\n".join(again.err_lines[-20:])
        assert pg.sql(content).strip() == expected
        assert all(pg.password not in line for line in first.err_lines + again.err_lines)

        # the driver on a worker (cluster deploy mode): the credentials reach it, and no file of the stack
        # (its logs, the drivers' and executors' logs on the workers, the event logs) holds the password
        on_a_worker = stack.kindling(*export, work_dir=tmp_path / "work", env=credentials, deploy_mode="cluster")
        assert on_a_worker.code == 0, "\n".join(on_a_worker.err_lines[-20:])
        assert pg.sql(content).strip() == expected
        assert all(pg.password not in line for line in on_a_worker.err_lines)
        leaks = [path for path in stack.dir.rglob("*") if path.is_file() and pg.password.encode() in path.read_bytes()]
        assert leaks == []

        # without credentials the run says which variable is missing (exit 2, not retried)
        anonymous = stack.kindling(*export, work_dir=tmp_path / "work")
        assert anonymous.code == 2, "\n".join(anonymous.err_lines[-20:])
        assert any("KINDLING_JDBC_USER and KINDLING_JDBC_PASSWORD are not set in the driver's environment" in line
                   for line in anonymous.err_lines), \
            anonymous.err_lines[-10:]
