"""notebooks/audiences.ipynb executed headless (nbclient) on the JJava kernel, outputs checked: once with Spark in
the kernel's JVM, once with the kernel a thin client of a shared Spark Connect server (KINDLING_CONNECT_URL), whose
answers must be the same. Each run appends one probe cell to a copy: whether the kernel's JVM can load Spark's driver."""
import json
import os
import re
import subprocess

import pytest

from audience_support import ROOT, mailing_report, shared_server

NOTEBOOK = ROOT / "notebooks" / "audiences.ipynb"
PROBE = ('try { Class.forName("org.apache.spark.SparkContext"); System.out.println("driver classes: present"); }'
         ' catch (ClassNotFoundException e) { System.out.println("driver classes: absent"); }\n'
         'System.out.println("session " + spark.getClass().getName());')
CELLS = ["opened", "example", "count", "by_city", "by_category", "except_count", "mailing", "table", "mistake", "probe"]


def code_outputs(notebook):
    """For each code cell in order: {mime type or 'stream': text}."""
    cells = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            outputs = {}
            for output in cell.get("outputs", []):
                if output["output_type"] == "stream":
                    outputs["stream"] = outputs.get("stream", "") + "".join(output["text"])
                for mime, text in output.get("data", {}).items():
                    outputs[mime] = "".join(text)
                if output["output_type"] == "error":
                    outputs["error"] = output["ename"] + ": " + output["evalue"]
            cells.append(outputs)
    return cells


def execute(work_dir, folder, **env):
    """Runs a copy of the notebook with the probe cell through notebooks/with-kernel-env; its outputs by cell name."""
    notebook = json.loads(NOTEBOOK.read_text())
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "id": "probe", "metadata": {}, "outputs": [], "source": PROBE})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "audiences.ipynb").write_text(json.dumps(notebook))
    completed = subprocess.run(
        [str(ROOT / "notebooks" / "with-kernel-env"), str(ROOT / ".venv" / "bin" / "jupyter"), "execute", str(folder / "audiences.ipynb"),
         f"--output={folder / 'executed'}", "--timeout=600", "--startup_timeout=120"],
        capture_output=True, text=True, timeout=900, cwd=ROOT, env=dict(os.environ, KINDLING_WORK_DIR=str(work_dir), **env))
    assert completed.returncode == 0, completed.stderr[-3000:]
    outputs = code_outputs(json.loads((folder / "executed.ipynb").read_text()))
    assert len(outputs) == len(CELLS)
    return dict(zip(CELLS, outputs))


def breakdown_rows(html):
    """(key, users) of a breakdown's HTML table."""
    return [(key, int(users)) for key, users in re.findall(r'<tr><td>([^<]*)</td><td style="text-align:right">(\d+)</td></tr>', html)]


def shown_size(audience_html):
    return int(re.search(r"</b>: (\d+) users?</p>", audience_html).group(1))


@pytest.fixture(scope="module")
def local_run(demo_work_dir, tmp_path_factory):
    return execute(demo_work_dir, tmp_path_factory.mktemp("notebook-local"))


def test_the_committed_notebook_has_no_outputs():
    notebook = json.loads(NOTEBOOK.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "java"
    assert all(not cell.get("outputs") and not cell.get("execution_count")
               for cell in notebook["cells"] if cell["cell_type"] == "code")


def test_the_notebook_runs_and_shows_audiences_as_html(local_run):
    cells = local_run
    assert "users=marketplace.users" in cells["opened"]["text/plain"]
    assert cells["example"]["text/html"].startswith(
        "<p><b>users who gave permission to mailing, and sold at least 4 times in &#39;Sports&#39; (subcategories included)"
        " between 2017-01-01 and 2017-01-20, and live within 10 km of 87-100</b>: ")
    assert "<th>user_id</th><th>first_name</th><th>email</th><th>postal_code</th><th>mailing_consent</th>" in cells["example"]["text/html"]

    # size first: the count, then the same users by city (each once: they add up to the count), as a table and bars
    nearby = int(cells["count"]["text/plain"])
    assert nearby > 0
    by_city = cells["by_city"]["text/html"]
    assert by_city.startswith("<p><b>users who gave permission to mailing, and live within 60 km of 87-100</b>, by city (each user counts once)</p>"
                              "<table class=\"kindling-breakdown\"><thead><tr><th>city</th><th>users</th></tr></thead><tbody>")
    cities = breakdown_rows(by_city)
    assert sum(users for _, users in cities) == nearby
    assert len(cities) > 1 and "Toruń" in dict(cities), cities  # 60 km reach Bydgoszcz's codes too
    assert [users for _, users in cities] == sorted((users for _, users in cities), reverse=True)
    assert by_city.count("<rect ") == len(cities) and by_city.endswith("</svg>")
    assert cells["by_city"]["text/plain"].startswith("users who gave permission to mailing, and live within 60 km of 87-100, by city")
    categories = breakdown_rows(cells["by_category"]["text/html"])
    assert "Sports" in dict(categories) and "by category (a user counts once in each top-level category" in cells["by_category"]["text/html"]

    users = int(cells["except_count"]["text/plain"])
    assert users > 0
    written = mailing_report(cells["mailing"]["text/plain"], "notebook_near_torun_not_cyclists")
    assert written.audience == users
    rows = cells["table"]["text/html"].count("<tr>") - 1  # minus the header row
    assert rows == min(written.users, 20)
    assert cells["table"]["text/html"].startswith("<table class=\"kindling\"><thead><tr><th>user_id</th><th>first_name</th><th>email</th><th>postal_code</th></tr>")
    assert cells["mistake"]["stream"].strip() == "soldAtLeast: 'category' \"Sprots\" is not a known category. Did you mean 'Sports'?"
    assert "driver classes: present" in cells["probe"]["stream"]


def test_the_notebook_runs_the_same_on_a_shared_connect_server(demo_work_dir, local_run, tmp_path):
    # the local run is over (its kernel, and so Derby's lock, gone) before the server takes the metastore
    with shared_server(demo_work_dir) as url:
        cells = execute(demo_work_dir, tmp_path / "notebook-remote", KINDLING_CONNECT_URL=url)

    assert "driver classes: absent" in cells["probe"]["stream"]
    assert "session org.apache.spark.sql.connect.SparkSession" in cells["probe"]["stream"]
    assert "users=marketplace.users" in cells["opened"]["text/plain"]
    # the same answers as in the kernel's own Spark, shown the same way
    assert shown_size(cells["example"]["text/html"]) == shown_size(local_run["example"]["text/html"])
    for cell in ["count", "except_count"]:
        assert cells[cell]["text/plain"] == local_run[cell]["text/plain"], cell
    for cell in ["by_city", "by_category"]:
        assert cells[cell]["text/html"] == local_run[cell]["text/html"], cell
        assert cells[cell]["text/plain"] == local_run[cell]["text/plain"], cell
    users = int(cells["except_count"]["text/plain"])
    written = mailing_report(cells["mailing"]["text/plain"], "notebook_near_torun_not_cyclists")
    assert written.audience == users
    assert cells["table"]["text/html"].count("<tr>") - 1 == min(written.users, 20)
    # a mistake is its one line, as locally
    assert cells["mistake"]["stream"].strip() == local_run["mistake"]["stream"].strip()
    assert "error" not in cells["mistake"]


def test_the_kernel_env_refuses_a_connect_url_that_is_not_one():
    refused = subprocess.run([str(ROOT / "notebooks" / "with-kernel-env"), "true"], capture_output=True, text=True, timeout=60, cwd=ROOT,
                             env=dict(os.environ, KINDLING_CONNECT_URL="http://127.0.0.1:15002"))
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("with-kernel-env: KINDLING_CONNECT_URL must be a Spark Connect URL, sc://host:port"
                                      " (bin/connect-server url prints it); got 'http://127.0.0.1:15002'")
