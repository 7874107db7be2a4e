"""bin/audience-shell run non-interactively with a script, as an analyst would type it."""
import os
import re
import subprocess

from audience_support import EXAMPLE, NEAR_TORUN, ROOT, mailing_report, run_mailing_job

CONSENTING = "users().withPermissionToMailing()"

SCRIPT = f"""
help()
System.out.println("example: " + {EXAMPLE})
System.out.println({EXAMPLE}.prepareForMailing("sellers_in_sports_category_living_near_Torun"))
System.out.println("near=" + {NEAR_TORUN}.count())
System.out.println({NEAR_TORUN}.prepareForMailing("shell_near_torun"))
users().soldAtLeast(4, "Sprots", between("2017-01-01", "2017-01-20"))
users().livingNear("87-100", 10).prepareForMailing("no_consent")
/exit
"""


def run_shell(work_dir, script):
    path = work_dir / "script.jsh"
    path.write_text(script)
    completed = subprocess.run([str(ROOT / "bin" / "audience-shell"), str(path)], capture_output=True, text=True,
                               timeout=600, cwd=ROOT, env=dict(os.environ, KINDLING_WORK_DIR=str(work_dir)))
    return completed


def test_the_shell_runs_the_readme_example_as_typed(demo_work_dir):
    shell = run_shell(demo_work_dir, SCRIPT)
    out = shell.stdout

    assert shell.returncode == 0, shell.stderr[-3000:]
    assert "Kindling audiences on env local: users in marketplace.users" in out
    # help() lists the steps, one line each
    for step in ("withPermissionToMailing()", "soldAtLeast(n, category, period)", "boughtAtLeast(n, category, period)",
                 "livingNear(postalCode, radiusKm)", "registeredBetween(period)", ".prepareForMailing(name)"):
        assert step in out
    assert ("example: users who gave permission to mailing, and sold at least 4 times in 'Sports' (subcategories included)"
            " between 2017-01-01 and 2017-01-20, and live within 10 km of 87-100") in out
    assert mailing_report(out, "sellers_in_sports_category_living_near_torun").first
    near = int(re.search(r"near=(\d+)", out).group(1))
    assert near > 0
    shell_list = mailing_report(out, "shell_near_torun")
    assert shell_list.audience == near and shell_list.first and shell_list.added == shell_list.users
    # a mistake is explained in one line, no stack trace under it, and the session goes on
    lines = (out + shell.stderr).splitlines()
    (mistake,) = [i for i, line in enumerate(lines) if "'category' \"Sprots\" is not a known category. Did you mean 'Sports'?" in line]
    assert not lines[mistake + 1].strip(" |").startswith("at "), lines[mistake:mistake + 6]
    # an audience without consent has no prepareForMailing: JShell rejects the line before it runs
    assert "cannot find symbol\n  symbol:   method prepareForMailing(java.lang.String)" in out + shell.stderr


def test_the_shell_and_the_audience_job_agree(demo_work_dir):
    near = run_mailing_job(demo_work_dir, NEAR_TORUN, "job_near_torun")
    assert near.first and near.added == near.users
    # every consenting user includes NEAR_TORUN's: as the next list of the name it only adds users, and the demo
    # data's suppression list (one user in a hundred, consent or not) leaves some of them out
    everyone = run_mailing_job(demo_work_dir, CONSENTING, "job_near_torun")
    assert not everyone.first and (everyone.added, everyone.removed) == (everyone.users - near.users, 0)
    assert everyone.suppressed > 0
    # the shell counts the same audiences, and their suppressed users from the table; none of them is in the list
    shell = run_shell(demo_work_dir, "\n".join([
        f'System.out.println("near=" + {NEAR_TORUN}.count());',
        'var suppressions = spark.table("marketplace.suppressions");',
        f'System.out.println("suppressed=" + {NEAR_TORUN}.toDataset().join(suppressions, "user_id", "left_semi").count()'
        f' + "," + {CONSENTING}.toDataset().join(suppressions, "user_id", "left_semi").count());',
        'System.out.println("listed=" + spark.table("mailings.job_near_torun").join(suppressions, "user_id").count());',
        "/exit", ""]))
    assert shell.returncode == 0, shell.stderr[-3000:]
    assert re.search(r"near=(\d+)", shell.stdout).group(1) == str(near.audience)
    assert f"suppressed={near.suppressed},{everyone.suppressed}" in shell.stdout and "listed=0" in shell.stdout, shell.stdout[-2000:]
