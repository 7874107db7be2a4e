"""Memory of an analyst's shell: bin/audience-shell as today (a local Spark driver in the shell's JVM)
against bin/audience-shell --remote (a thin Spark Connect client of bin/connect-server), both running the
same script (the README's example, counted and prepared for mailing) on the same demo marketplace.
A shell session is two JVMs: JShell itself (the same either way) and the one that runs the snippets,
which holds the local Spark driver or only the Connect client. Each one's peak resident memory (VmHWM) is
read from /proc while the session runs; the server's resident memory likewise. Prints a Markdown table.

    dsl/bench/shell-memory [USERS] [REPETITIONS]     (default 10000 3)"""
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ('users().withPermissionToMailing().soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20"))'
           '.livingNear("87-100", 10)')
SCRIPT = f'System.out.println("count=" + {EXAMPLE}.count());\nSystem.out.println({EXAMPLE}.prepareForMailing("memory"));\n/exit\n'


def run(command, env, **kwargs):
    return subprocess.run(command, cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True, **kwargs)


def descendants(pid: int) -> list[int]:
    children = {}
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def peak_mib(pid: int) -> tuple[str, int] | None:
    """A JVM's main class or module and its peak resident memory so far."""
    try:
        command = pathlib.Path(f"/proc/{pid}/cmdline").read_text().split("\0")
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    if not command or not command[0].endswith(("java", "jshell")):
        return None
    role = "snippets" if any("RemoteExecutionControl" in part for part in command) else "jshell"
    return role, int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) // 1024


def shell(work: pathlib.Path, *remote: str) -> tuple[dict, str]:
    """Peak RSS (MiB) of each JVM of one shell session running the script, and its count line."""
    work.mkdir(parents=True, exist_ok=True)
    script = work / "memory.jsh"
    script.write_text(SCRIPT)
    process = subprocess.Popen([str(ROOT / "bin" / "audience-shell"), *remote, str(script)], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, KINDLING_WORK_DIR=str(work)))
    peaks: dict[str, int] = {}

    def sample():
        for pid in descendants(process.pid) + [process.pid]:
            found = peak_mib(pid)
            if found:
                peaks[found[0]] = max(peaks.get(found[0], 0), found[1])

    out = err = ""
    while True:
        sample()
        try:
            out, err = process.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            continue
    count = re.search(r"count=(\d+)", out)
    if process.returncode != 0 or not count or set(peaks) != {"jshell", "snippets"}:
        raise SystemExit(f"the shell failed ({peaks}):\n{out[-2000:]}\n{err[-2000:]}")
    return peaks, count.group(1)


def resident_mib(pid: int) -> int:
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) // 1024


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    work = pathlib.Path(tempfile.mkdtemp(prefix="kindling-shell-memory-"))
    try:
        generated = run([str(ROOT / "bin" / "kindling"), "demo-data", "--logical-date", "2017-01-01", "--users", str(users),
                         "--transactions", str(users * 20)], {"KINDLING_WORK_DIR": str(work)}, timeout=900)
        if generated.returncode != 0:
            raise SystemExit(generated.stderr[-3000:])
        local = [shell(work) for _ in range(repetitions)]
        started = run([str(ROOT / "bin" / "connect-server"), "start"], {"KINDLING_WORK_DIR": str(work)}, timeout=300)
        if started.returncode != 0:
            raise SystemExit(started.stderr[-3000:])
        try:
            url = started.stdout.strip()
            remote = [shell(work / "client", "--remote", url) for _ in range(repetitions)]
            # the server's own JVM and its executor's (a process of its own beside it)
            server_pid = int((work / "connect-server" / "pid").read_text())
            server = sum(resident_mib(pid) for pid in [server_pid, *descendants(server_pid)]
                         if pathlib.Path(f"/proc/{pid}/cmdline").read_text().split("\0")[0].endswith("java"))
        finally:
            run([str(ROOT / "bin" / "connect-server"), "stop"], {"KINDLING_WORK_DIR": str(work)}, timeout=300)
        if {count for _, count in local} != {count for _, count in remote}:
            raise SystemExit(f"the shells disagree: local {local}, remote {remote}")
        print(f"\n{users:,} users, {users * 20:,} transactions; {repetitions} sessions of each; audience size {local[0][1]}\n")
        print("| shell | the snippets' JVM: peak RSS, MiB (each session) | median | JShell's JVM: median peak RSS, MiB | both, median |")
        print("| --- | --- | --- | --- | --- |")
        for label, runs in (("`bin/audience-shell` (local driver)", local), ("`bin/audience-shell --remote` (thin client)", remote)):
            snippets = [peaks["snippets"] for peaks, _ in runs]
            print(f"| {label} | {', '.join(map(str, snippets))} | {statistics.median(snippets):.0f}"
                  f" | {statistics.median(p['jshell'] for p, _ in runs):.0f} | {statistics.median(p['jshell'] + p['snippets'] for p, _ in runs):.0f} |")
        print(f"| `bin/connect-server` (the shared driver and its executor, one for all clients; resident after the sessions) | {server} | | | |")
        print(f"\nmachine: {os.cpu_count()} cores")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
