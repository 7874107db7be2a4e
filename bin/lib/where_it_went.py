"""Says where a local Kindling run put its table, logs, quarantine and metrics (used by bin/demo)."""
import argparse
import json
import pathlib

import local_hive


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--partition", required=True, help="column=value")
    parser.add_argument("--run-id", required=True)
    args = parser.parse_args()
    work = pathlib.Path(args.work_dir)
    column, value = args.partition.split("=", 1)

    log_file = work / "logs" / "kindling.jsonl"
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if f'"run_id":"{args.run_id}"' in line]
    summary = [line["message"] for line in lines if " finished: exit code" in line["message"]]

    spark = local_hive.session(work, "where-it-went", derby_log=work / "logs" / "derby.log")
    rows = spark.sql(f"SELECT * FROM {args.table} WHERE {column} = '{value}' ORDER BY 1")
    publish = spark.sql(f"SELECT snapshot_id, summary['added-records'] AS added FROM {args.table}.snapshots"
                        f" WHERE summary['kindling.run_id'] = '{args.run_id}'").collect()
    published = f"Iceberg snapshot {publish[-1].snapshot_id}" if publish else "not published by this run"

    print(f"\ntable      {args.table}, partition {args.partition}: {rows.count()} rows ({published})")
    rows.show(5, truncate=False)
    quarantine = f"{args.table}_quarantine"
    if spark.catalog.tableExists(quarantine):
        rejected = spark.sql(f"SELECT record, reason FROM {quarantine} WHERE {column} = '{value}' ORDER BY record").collect()
        print(f"quarantine {quarantine}, partition {args.partition}: {len(rejected)} rejected records")
        for record in rejected:
            print(f"           {record.reason}: {record.record}")
    print(f"logs       {log_file} (JSON lines; {len(lines)} of them for run {args.run_id})")
    print(f"metrics    {work / 'metrics'} (CSV, a line per run; set graphite.host to send them to Graphite)")
    for message in summary[-1:]:
        print(f"           {message}")
    spark.stop()


if __name__ == "__main__":
    main()
