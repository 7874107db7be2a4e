"""The audience DSL and the mailing job on the cluster stack (the job and demo-data in both deploy modes) give
the same audience as on the embedded default, from the same generated marketplace."""
import pathlib
import re
import subprocess

from kindling_it import ROOT, run_kindling
from kindling_it import SMALL_MARKETPLACE as MARKETPLACE, SPORTS_NEAR_TORUN as DEFINITION


def mailing(run, name) -> tuple[int, list[str]]:
    """The list's size from the job's own line, and the CSV's lines (sorted) that the line names."""
    line = next(line for line in run.err_lines if f"mailing list mailings.{name}: " in line)
    size, csv = re.search(rf"mailing list mailings\.{name}: (\d+) users? \(\d+ suppressed\); [^;]+; CSV in ([^\s\";]+)", line).groups()
    folder = pathlib.Path(csv.removeprefix("file:"))
    lines = sorted(row for part in sorted(folder.glob("part-*")) for row in part.read_text().splitlines()[1:])
    return int(size), lines


def test_the_mailing_job_and_the_dsl_give_the_embedded_defaults_audience_on_the_cluster(stack, tmp_path):
    definition = tmp_path / "sports.audience"
    definition.write_text(DEFINITION)
    audience = ("audience", "--logical-date", "2017-02-01", "--definition", str(definition), "--name", "sports")

    local_work = tmp_path / "local"
    assert run_kindling("demo-data", *MARKETPLACE, work_dir=local_work).code == 0
    local = run_kindling(*audience, work_dir=local_work)
    assert local.code == 0, "\n".join(local.err_lines[-20:])

    # the marketplace generated on the stack in both deploy modes (the same seed gives the same tables), and
    # the mailing job in both
    expected_size, expected_rows = mailing(local, "sports")
    assert expected_size > 0
    for deploy_mode in ("cluster", "client"):
        generated = stack.kindling("demo-data", *MARKETPLACE, work_dir=tmp_path / "cluster", deploy_mode=deploy_mode)
        assert generated.code == 0, "\n".join(generated.err_lines[-20:])
        on_cluster = stack.kindling(*audience, work_dir=tmp_path / "cluster", deploy_mode=deploy_mode)
        assert on_cluster.code == 0, "\n".join(on_cluster.err_lines[-20:])
        assert mailing(on_cluster, "sports") == (expected_size, expected_rows), deploy_mode

    # the DSL itself, typed in an analyst's thin client (bin/audience-shell --remote) on the stack's own Spark
    # Connect server: the same count, and a mailing list with the job's rows
    script = tmp_path / "analyst.jsh"
    script.write_text('var sports = marketplace.parseForMailing(System.getenv("ANALYST_SENTENCE"));\n'
                      'System.out.println("count " + sports.count());\n'
                      'System.out.println(sports.prepareForMailing("sports_connect"));\n'
                      '/exit\n')
    client = subprocess.run([str(ROOT / "bin" / "audience-shell"), "--remote", f"sc://127.0.0.1:{stack.ports['connect']}", str(script)],
                            capture_output=True, text=True, timeout=300, cwd=ROOT,
                            env=dict(stack.env, KINDLING_ENV="cluster", ANALYST_SENTENCE=DEFINITION,
                                     KINDLING_WORK_DIR=str(tmp_path / "analyst")))
    assert client.returncode == 0, client.stderr[-3000:]
    shell_list = re.search(r"mailing list mailings\.sports_connect: (\d+) users? \((\d+) suppressed\); [^;]+; CSV in ([^\s;]+)", client.stdout)
    assert shell_list, client.stdout[-3000:]
    users, suppressed, csv = int(shell_list.group(1)), int(shell_list.group(2)), shell_list.group(3)
    assert users == expected_size
    assert f"count {users + suppressed}\n" in client.stdout, client.stdout[-3000:]
    folder = pathlib.Path(csv.removeprefix("file:"))
    assert sorted(row for part in sorted(folder.glob("part-*")) for row in part.read_text().splitlines()[1:]) == expected_rows
