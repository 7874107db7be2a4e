"""What every Spark Connect server that analysts share is started with (bin/connect-server, the stack's):
one analyst who asks for too much is refused alone, and the server and the other sessions go on."""


def shared_server_conf(cores: int) -> list[str]:
    """spark-submit arguments for a Connect server whose tasks run on `cores` cores.

    Results travel through the server's driver, capped so that a query whose result would not fit fails
    alone. A task's share of a result is held whole in its executor until sent, so generated rows (range,
    local data) are cut in many slices: the driver's cap refuses an analyst who collects too much before
    any task's slice can fill the executor that every session shares. File scans keep their usual split,
    one per core at least (files.minPartitionNum).

    Analysts' queries are small and asked often: a shuffle writes 4 partitions a core, not Spark's 200
    (locally, in one JVM, alternating: the README's example audience took 0.61 s against 0.41 s with 2 or 8)."""
    return ["--conf", "spark.driver.maxResultSize=256m",
            "--conf", f"spark.sql.leafNodeDefaultParallelism={64 * cores}",
            "--conf", f"spark.sql.files.minPartitionNum={cores}",
            "--conf", f"spark.sql.shuffle.partitions={4 * cores}"]
