"""Analysts as thin clients of one shared Spark Connect server (bin/connect-server on the embedded default):
bin/audience-shell --remote, four at once, each with its own audience, one of them running a long query
meanwhile. Every answer equals the audience job's for the same sentence, on the same marketplace. Then an
analyst asks for more than memory holds (a whole table collected): that query is refused, and the server
outlives it and answers the same analyst's audience right after."""
import os
import subprocess

from audience_support import ROOT, mailing_report, run_mailing_job, shared_server

# each analyst's sentence; the job's text and the shell's are the same DSL
ANALYSTS = {
    "near_20": 'users().withPermissionToMailing().livingNear("87-100", 20)',
    "near_60": 'users().withPermissionToMailing().livingNear("87-100", 60)',
    "sports_buyers": 'users().withPermissionToMailing().boughtAtLeast(1, "Sports", between("2017-01-01", "2017-12-31"))',
    "sellers": 'users().withPermissionToMailing().soldAtLeast(1, "Electronics", between("2017-01-01", "2017-06-30"))',
}
HEAVY = 'System.out.println("heavy=" + spark.range(0, 300_000_000L).selectExpr("sum(id % 7) AS s").first().getLong(0));'
# about 5 GB of rows brought back to the client: more than the server's executor (2 GB) or a result (256 MB) may hold
GREEDY = ('try { spark.range(0, 50_000_000L).selectExpr("id", "repeat(\'x\', 100) AS pad").collectAsList(); System.out.println("greedy: collected"); }'
          ' catch (Exception e) { System.out.println("greedy: refused"); }')


def script(name, sentence, first=""):
    return "\n".join([
        # the thin client has the Connect client and no Spark driver classes
        'System.out.println("session " + spark.getClass().getName());',
        'try { Class.forName("org.apache.spark.SparkContext"); System.out.println("driver classes: present"); }'
        ' catch (ClassNotFoundException e) { System.out.println("driver classes: absent"); }',
        first,
        f'System.out.println("count=" + {sentence}.count());',
        f'System.out.println({sentence}.prepareForMailing("{name}"));',
        'users().livingNear("87-100", -5)',
        "/exit", ""])


def test_four_analysts_share_one_server_each_with_their_own_correct_answers(demo_work_dir, tmp_path):
    # the job's answers first: Derby admits one JVM, and the server holds it while it runs
    expected = {name: run_mailing_job(demo_work_dir, sentence, f"job_{name}") for name, sentence in ANALYSTS.items()}
    assert len(set(expected.values())) > 1, expected

    shells = {}
    with shared_server(demo_work_dir) as url:
        try:
            for i, (name, sentence) in enumerate(ANALYSTS.items()):
                path = tmp_path / f"{name}.jsh"
                path.write_text(script(f"shared_{name}", sentence, first=HEAVY if i == 0 else ""))
                shells[name] = subprocess.Popen([str(ROOT / "bin" / "audience-shell"), "--remote", url, str(path)], cwd=ROOT, text=True,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                env=dict(os.environ, KINDLING_WORK_DIR=str(tmp_path / name)))
            outputs = {name: shell.communicate(timeout=900) for name, shell in shells.items()}
            # The greedy analyst comes alone: its task's OutOfMemoryError ends the server's executor, and
            # tasks of other sessions running on that executor at that moment are lost with it (see README).
            greedy = tmp_path / "greedy.jsh"
            greedy.write_text(script("shared_greedy", ANALYSTS["near_60"], first=GREEDY))
            after = subprocess.run([str(ROOT / "bin" / "audience-shell"), "--remote", url, str(greedy)], cwd=ROOT, text=True,
                                   capture_output=True, timeout=900, env=dict(os.environ, KINDLING_WORK_DIR=str(tmp_path / "greedy")))
        finally:
            for shell in shells.values():
                if shell.poll() is None:
                    shell.kill()

    for name, (out, err) in outputs.items():
        assert shells[name].returncode == 0, err[-3000:]
        assert f"Kindling audiences on {url}: users in marketplace.users" in out, out + err[-2000:]
        assert "session org.apache.spark.sql.connect.SparkSession" in out
        assert "driver classes: absent" in out
        assert f"count={expected[name].audience}" in out, (name, expected, out)
        shared = mailing_report(out, f"shared_{name}")
        assert (shared.users, shared.suppressed) == (expected[name].users, expected[name].suppressed)
        # a mistake is one line, as locally
        lines = (out + err).splitlines()
        (mistake,) = [i for i, line in enumerate(lines) if "livingNear: 'radiusKm' is -5, but it must be a number of kilometres above 0" in line]
        assert not [line for line in lines[mistake + 1:mistake + 2] if line.strip(" |").startswith("at ")]
    assert "heavy=899999997" in outputs["near_20"][0]
    # the greedy query was refused; the server went on, and the same shell's audience came right after it
    assert after.returncode == 0, after.stderr[-3000:]
    assert "greedy: refused" in after.stdout, after.stdout[-3000:]
    assert f"count={expected['near_60'].audience}" in after.stdout, after.stdout[-3000:]


def test_the_shell_refuses_a_remote_that_is_not_a_connect_url():
    refused = subprocess.run([str(ROOT / "bin" / "audience-shell"), "--remote", "http://127.0.0.1:15002"], capture_output=True, text=True,
                             timeout=60, cwd=ROOT)
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("audience-shell: --remote needs a Spark Connect URL, sc://host:port (bin/connect-server url prints it);"
                                      " got 'http://127.0.0.1:15002'")
