"""train and score on the cluster stack, in both deploy modes: a model fitted on a marketplace generated on the
stack, its version and current pointer under models.dir, the same metrics whichever way the driver ran, and the
top-N recommendations published into a stack table."""
import pathlib

from kindling_it import model_pointer

MARKETPLACE = ("--logical-date", "2017-01-01", "--users", "250", "--transactions", "4000", "--seed", "11",
               "--conf", "marketplace.database=reco_market")
# small data: a few shuffle partitions and a small model keep each run's Spark stages short
SMALL = ("--conf", "spark.sql.shuffle.partitions=4")
DATE = "2017-12-31"


def test_train_and_score_run_on_the_cluster_and_agree_across_deploy_modes(stack, tmp_path):
    work = tmp_path / "work"
    generated = stack.kindling("demo-data", *MARKETPLACE, *SMALL, work_dir=work)
    assert generated.code == 0, "\n".join(generated.err_lines[-20:])

    models = tmp_path / "models"
    metrics = {}
    for deploy_mode in ("client", "cluster"):
        settings = ("--conf", "marketplace.database=reco_market", "--conf", f"models.dir={models}", "--logical-date", DATE, *SMALL)
        trained = stack.kindling("train", "--name", deploy_mode, "--rank", "4", "--iterations", "3", "--run-id", f"train-{deploy_mode}",
                                 *settings, work_dir=work, deploy_mode=deploy_mode)
        assert trained.code == 0, "\n".join(trained.err_lines[-20:])
        current = model_pointer(models / deploy_mode)
        version = pathlib.Path(current["version"].removeprefix("file:"))  # each attempt's folder: <run id>_<attempt>
        assert version.parent == models / deploy_mode / DATE and version.name.startswith(f"train-{deploy_mode}_")
        assert (version / "metadata").is_dir() and (version / "ids" / "users").is_dir()
        metrics[deploy_mode] = {key: current[key] for key in ("rmse", "precision_at_k", "training_rows")}

        table = f"reco.top_{deploy_mode}"
        scored = stack.kindling("score", "--name", deploy_mode, "--table", table, "--top", "3",
                                "--experiment-salt", "winter", "--experiment-share", "0.5", *settings,
                                work_dir=work, deploy_mode=deploy_mode)
        assert scored.code == 0, "\n".join(scored.err_lines[-20:])
        rows = stack.read_partition(table, "ds", DATE)["rows"]
        users = {row["user_id"] for row in rows}
        assert len(users) > 150 and len(rows) == 3 * len(users)
        assert {row["arm"] for row in rows} == {"model", "baseline"}
        assert {row["model_version"] for row in rows} == {current["version"]}

    # the same data, seed and split give the same model wherever the driver runs
    assert metrics["client"] == metrics["cluster"]
    assert int(metrics["client"]["training_rows"]) > 0
