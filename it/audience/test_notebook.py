"""notebooks/audiences.ipynb executed headless (nbclient) on the JJava kernel, outputs checked."""
import json
import os
import subprocess

from audience_support import ROOT, mailing_report

NOTEBOOK = ROOT / "notebooks" / "audiences.ipynb"


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


def test_the_committed_notebook_has_no_outputs():
    notebook = json.loads(NOTEBOOK.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "java"
    assert all(not cell.get("outputs") and not cell.get("execution_count")
               for cell in notebook["cells"] if cell["cell_type"] == "code")


def test_the_notebook_runs_and_shows_audiences_as_html(demo_work_dir, tmp_path):
    completed = subprocess.run(
        [str(ROOT / "notebooks" / "with-kernel-env"), str(ROOT / ".venv" / "bin" / "jupyter"), "execute", str(NOTEBOOK),
         f"--output={tmp_path / 'executed'}", "--timeout=600", "--startup_timeout=120"],
        capture_output=True, text=True, timeout=900, cwd=ROOT, env=dict(os.environ, KINDLING_WORK_DIR=str(demo_work_dir)))
    assert completed.returncode == 0, completed.stderr[-3000:]
    opened, example, count, mailing, table, mistake = code_outputs(json.loads((tmp_path / "executed.ipynb").read_text()))

    assert "users=marketplace.users" in opened["text/plain"]
    assert example["text/html"].startswith(
        "<p><b>users who gave permission to mailing, and sold at least 4 times in &#39;Sports&#39; (subcategories included)"
        " between 2017-01-01 and 2017-01-20, and live within 10 km of 87-100</b>: ")
    assert "<th>user_id</th><th>first_name</th><th>email</th><th>postal_code</th><th>mailing_consent</th>" in example["text/html"]
    users = int(count["text/plain"])
    assert users > 0
    written = mailing_report(mailing["text/plain"], "notebook_near_torun_not_cyclists")
    assert written.audience == users
    rows = table["text/html"].count("<tr>") - 1  # minus the header row
    assert rows == min(written.users, 20)
    assert table["text/html"].startswith("<table class=\"kindling\"><thead><tr><th>user_id</th><th>first_name</th><th>email</th><th>postal_code</th></tr>")
    assert mistake["stream"].strip() == "soldAtLeast: 'category' \"Sprots\" is not a known category. Did you mean 'Sports'?"
