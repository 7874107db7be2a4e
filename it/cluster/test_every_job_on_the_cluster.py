"""Every job of the jar runs on the stack in client and in cluster deploy mode. The jobs come from the jar's
own spec, each mapped to the test that runs it both ways, so a new job fails here until it has one."""
import json

import kindling_it
import test_audiences_on_the_cluster as audiences
import test_export_on_the_cluster as export
import test_jobs_on_the_cluster as jobs
import test_recommend_on_the_cluster as recommend
import test_verify_on_the_cluster as verify

BOTH_DEPLOY_MODES = {
    "snapshot": jobs.test_a_snapshot_runs_on_the_cluster,
    "demo-data": audiences.test_the_mailing_job_and_the_dsl_give_the_embedded_defaults_audience_on_the_cluster,
    "audience": audiences.test_the_mailing_job_and_the_dsl_give_the_embedded_defaults_audience_on_the_cluster,
    "export": export.test_export_on_the_cluster_copies_a_partition_into_postgresql_and_a_rerun_is_identical,
    "verify": verify.test_verify_runs_of_different_tables_for_one_date_at_once_all_keep_their_results,
    "train": recommend.test_train_and_score_run_on_the_cluster_and_agree_across_deploy_modes,
    "score": recommend.test_train_and_score_run_on_the_cluster_and_agree_across_deploy_modes,
    "maintain": jobs.test_maintain_runs_on_the_cluster,
}


def test_every_job_of_the_jar_has_a_test_running_it_in_both_deploy_modes():
    spec = json.loads((kindling_it.ROOT / "airflow-dags" / "kindling-spec.json").read_text())
    assert sorted(BOTH_DEPLOY_MODES) == sorted(job["name"] for job in spec["jobs"])
    assert all(callable(test) for test in BOTH_DEPLOY_MODES.values())
