"""Analysts as thin clients of one shared Spark Connect server (bin/connect-server on the embedded default):
bin/audience-shell --remote, five at once, each with its own audience: one of them runs a long query
meanwhile, and another first asks for more than memory holds (5 GB of rows collected). That query is
refused; every other query of every session, the long one included, is answered, and every answer equals
the audience job's for the same sentence, on the same marketplace. The server's warm-up asks its own
audiences beside them meanwhile."""
import os
import re
import subprocess

from audience_support import ROOT, connect_server, mailing_report, run_mailing_job, shared_server

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
    server_log = demo_work_dir / "connect-server" / "server.log"
    logged_before = server_log.stat().st_size if server_log.exists() else 0
    with shared_server(demo_work_dir, warm_up_seconds=10) as url:
        try:
            analysts = {**{name: (sentence, HEAVY if i == 0 else "") for i, (name, sentence) in enumerate(ANALYSTS.items())},
                        "greedy": (ANALYSTS["near_60"], GREEDY)}
            for name, (sentence, first) in analysts.items():
                path = tmp_path / f"{name}.jsh"
                path.write_text(script(f"shared_{name}", sentence, first=first))
                shells[name] = subprocess.Popen([str(ROOT / "bin" / "audience-shell"), "--remote", url, str(path)], cwd=ROOT, text=True,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                env=dict(os.environ, KINDLING_WORK_DIR=str(tmp_path / name)))
            outputs = {name: shell.communicate(timeout=900) for name, shell in shells.items()}
            warm_up = connect_server(demo_work_dir, "warm")
            with server_log.open("rb") as log:  # before the server stops, which ends its executor
                log.seek(logged_before)
                logged = log.read().decode(errors="replace")
        finally:
            for shell in shells.values():
                if shell.poll() is None:
                    shell.kill()

    # the warm-up, a session of its own beside the analysts, ended when its time was up (with six sessions on 2 cores,
    # its first questions may not be answered within it: how many it asked is not known in advance)
    assert warm_up.returncode == 0, warm_up.stderr
    assert re.fullmatch(r"connect-server warm-up: \d+ audiences in \d+\.\d s\n", warm_up.stdout), warm_up.stdout
    expected["greedy"] = expected["near_60"]
    for name, (out, err) in outputs.items():
        assert shells[name].returncode == 0, err[-3000:]
        assert f"Kindling audiences on {url}: users in marketplace.users" in out, out + err[-2000:]
        assert "session org.apache.spark.sql.connect.SparkSession" in out
        assert "driver classes: absent" in out
        assert f"count={expected[name].audience}" in out, (name, expected, out)
        assert f"mailing list mailings.shared_{name}:" in out, (name, err[-4000:])
        shared = mailing_report(out, f"shared_{name}")
        assert (shared.users, shared.suppressed) == (expected[name].users, expected[name].suppressed)
        # a mistake is one line, as locally
        lines = (out + err).splitlines()
        (mistake,) = [i for i, line in enumerate(lines) if "livingNear: 'radiusKm' is -5, but it must be a number of kilometres above 0" in line]
        assert not [line for line in lines[mistake + 1:mistake + 2] if line.strip(" |").startswith("at ")]
    assert "heavy=899999997" in outputs["near_20"][0]
    # the greedy query was refused, as a query of its own; its session went on with its audience
    assert "greedy: refused" in outputs["greedy"][0], outputs["greedy"][0][-3000:]
    # refused by the result's cap, before any task's share of it could fill the executor every session shares
    assert "spark.driver.maxResultSize" in logged, logged[-3000:]
    assert "OutOfMemoryError" not in logged and "Lost executor" not in logged, logged[-3000:]


def test_a_fresh_server_asks_the_marketplace_audiences_until_its_warm_up_time_is_up(demo_work_dir):
    with shared_server(demo_work_dir, warm_up_seconds=5):
        warm_up = connect_server(demo_work_dir, "warm")
        assert warm_up.returncode == 0, warm_up.stderr
        asked = re.fullmatch(r"connect-server warm-up: (\d+) audiences in (\d+\.\d) s\n", warm_up.stdout)
        assert asked and int(asked[1]) >= 1 and float(asked[2]) >= 5, warm_up.stdout
        # the warm-up's process is gone; warm again says the same
        assert connect_server(demo_work_dir, "warm").stdout == warm_up.stdout


def test_a_warm_up_time_that_is_not_one_starts_no_server(tmp_path):
    refused = connect_server(tmp_path, "start", warm_up_seconds="2 minutes")
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.strip() == "connect-server: KINDLING_CONNECT_WARMUP_SECONDS '2 minutes' is not a number of seconds from 0 to 999999"
    assert connect_server(tmp_path, "url").returncode == 1, "no server was started"
