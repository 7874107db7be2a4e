"""bin/audience-shell run non-interactively with a script, as an analyst would type it."""
import os
import re
import subprocess

from audience_support import EXAMPLE, NEAR_TORUN, ROOT, mailing_size

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
    assert re.search(r"mailing list mailings\.sellers_in_sports_category_living_near_torun: \d+ users?; CSV in ", out)
    near = int(re.search(r"near=(\d+)", out).group(1))
    assert near > 0
    assert f"mailing list mailings.shell_near_torun: {near} users; CSV in " in out
    # a mistake is explained in one line, no stack trace under it, and the session goes on
    lines = (out + shell.stderr).splitlines()
    (mistake,) = [i for i, line in enumerate(lines) if "'category' \"Sprots\" is not a known category. Did you mean 'Sports'?" in line]
    assert not lines[mistake + 1].strip(" |").startswith("at "), lines[mistake:mistake + 6]
    # an audience without consent has no prepareForMailing: JShell rejects the line before it runs
    assert "cannot find symbol\n  symbol:   method prepareForMailing(java.lang.String)" in out + shell.stderr


def test_the_shell_and_the_audience_job_agree(demo_work_dir):
    shell = run_shell(demo_work_dir, f'System.out.println("near=" + {NEAR_TORUN}.count())\n/exit\n')
    assert shell.returncode == 0, shell.stderr[-3000:]
    near = int(re.search(r"near=(\d+)", shell.stdout).group(1))
    assert mailing_size(demo_work_dir, NEAR_TORUN, "job_near_torun") == near
