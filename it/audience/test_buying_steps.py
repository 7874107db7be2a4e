"""The buying steps on the demo data (amounts DECIMAL(10,2)), each against a hand-written Spark SQL query
of the same question, in one bin/audience-shell session; then a saved definition with all of them
through the audience job."""
import re

from audience_support import run_mailing_job
from test_audience_shell import run_shell

SPORTS = "('Sports', 'Cycling', 'Bikes', 'Helmets', 'Running', 'Football', 'Swimming')"  # the demo tree under Sports
MARCH = 'between("2017-03-01", "2017-03-31")'
ALL_STEPS = ('users().withPermissionToMailing().notBoughtIn("Electronics", between("2017-03-01", "2017-03-31"))'
             '.boughtAtMost(3, "Sports", between("2017-01-01", "2017-06-30")).lastBoughtBefore("2017-12-20")'
             '.spentAtLeast(500, "Sports", between("2017-01-01", "2017-12-31"))'
             '.excluding(users().boughtAtLeast(1, "Books", between("2017-12-01", "2017-12-31")))')

# each line prints "<name> dsl=<count> sql=<count>"
SCRIPT = f"""
long sql(String query) {{ return spark.sql(query).first().getLong(0); }}
void compare(String name, Audience audience, String query) {{ System.out.println(name + " dsl=" + audience.count() + " sql=" + sql(query)); }}
String sportsIds = "(SELECT category_id FROM marketplace.categories WHERE name IN {SPORTS})";
compare("notBoughtIn", users().withPermissionToMailing().notBoughtIn("Sports", {MARCH}),
    "SELECT count(*) FROM marketplace.users WHERE mailing_consent = true AND user_id NOT IN (SELECT buyer_id FROM marketplace.transactions"
    + " WHERE category_id IN " + sportsIds + " AND transaction_date BETWEEN DATE'2017-03-01' AND DATE'2017-03-31')")
compare("excluding", users().withPermissionToMailing().excluding(users().boughtAtLeast(1, "Sports", {MARCH})),
    "SELECT count(*) FROM marketplace.users WHERE mailing_consent = true AND user_id NOT IN (SELECT buyer_id FROM marketplace.transactions"
    + " WHERE category_id IN " + sportsIds + " AND transaction_date BETWEEN DATE'2017-03-01' AND DATE'2017-03-31')")
compare("boughtAtMost", users().boughtAtMost(1, "Bikes", between("2017-01-01", "2017-06-30")),
    "SELECT count(*) FROM marketplace.users u LEFT JOIN (SELECT buyer_id, count(*) AS n FROM marketplace.transactions"
    + " WHERE category_id IN (SELECT category_id FROM marketplace.categories WHERE name = 'Bikes')"
    + " AND transaction_date BETWEEN DATE'2017-01-01' AND DATE'2017-06-30' GROUP BY buyer_id) b ON u.user_id = b.buyer_id"
    + " WHERE coalesce(b.n, 0) <= 1")
compare("lastBoughtBefore", users().lastBoughtBefore("2017-12-20"),
    "SELECT count(*) FROM (SELECT buyer_id FROM marketplace.transactions GROUP BY buyer_id HAVING max(transaction_date) < DATE'2017-12-20') l"
    + " JOIN marketplace.users u ON u.user_id = l.buyer_id")
String sportsSpent = "SELECT buyer_id, sum(amount) AS spent FROM marketplace.transactions WHERE category_id IN " + sportsIds +
    " AND transaction_date BETWEEN DATE'2017-01-01' AND DATE'2017-12-31' GROUP BY buyer_id";
compare("spentAtLeast", users().spentAtLeast(2000, "Sports", between("2017-01-01", "2017-12-31")),
    "SELECT count(*) FROM (" + sportsSpent + ") s JOIN marketplace.users u ON u.user_id = s.buyer_id WHERE s.spent >= 2000")
// an exact boundary: user 1's own sum is reached by user 1
var edge = spark.sql("SELECT spent FROM (" + sportsSpent + ") WHERE buyer_id = 1").first().getDecimal(0);
System.out.println("edge " + edge);
compare("spentAtEdge", users().spentAtLeast(edge.doubleValue(), "Sports", between("2017-01-01", "2017-12-31")),
    "SELECT count(*) FROM (" + sportsSpent + ") s JOIN marketplace.users u ON u.user_id = s.buyer_id WHERE s.spent >= " + edge)
System.out.println("user 1 at the edge: " + users().spentAtLeast(edge.doubleValue(), "Sports", between("2017-01-01", "2017-12-31"))
    .toDataset().where("user_id = 1").count())
System.out.println("allSteps=" + {ALL_STEPS}.count())
System.out.println("users=" + users().count())
/exit
"""


def test_each_buying_step_agrees_with_hand_written_sql_on_the_demo_data(demo_work_dir):
    shell = run_shell(demo_work_dir, SCRIPT)
    out = shell.stdout
    assert shell.returncode == 0, shell.stderr[-3000:]
    everyone = int(re.search(r"users=(\d+)", out).group(1))
    counts = {name: (int(dsl), int(sql)) for name, dsl, sql in re.findall(r"^(\w+) dsl=(\d+) sql=(\d+)$", out, re.MULTILINE)}
    assert set(counts) == {"notBoughtIn", "excluding", "boughtAtMost", "lastBoughtBefore", "spentAtLeast", "spentAtEdge"}, out[-3000:]
    for name, (dsl, sql) in counts.items():
        assert dsl == sql, f"{name}: the DSL found {dsl}, SQL {sql}"
        # the data must make each question mean something: some users in, some out
        assert 0 < dsl < everyone, f"{name}: {dsl} of {everyone}"
    assert "user 1 at the edge: 1" in out
    assert re.search(r"^edge \d+\.\d\d$", out, re.MULTILINE)
    # the same sentence as a saved definition, through the scheduled job (run after the shell: one JVM at a time)
    all_steps = int(re.search(r"allSteps=(\d+)", out).group(1))
    assert all_steps > 0
    assert run_mailing_job(demo_work_dir, ALL_STEPS, "job_buying_steps").audience == all_steps
