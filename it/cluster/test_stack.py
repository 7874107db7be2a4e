"""bin/stack itself: every part answers on 127.0.0.1 only, and `up` again changes nothing."""
import re
import subprocess


LOOPBACK = ("127.0.0.1", "[::ffff:127.0.0.1]")  # Java's sockets show the IPv4 address mapped into IPv6


def listening_addresses(pid: int) -> set[str]:
    """The local addresses a process and its children listen on (from ss)."""
    pids = {str(pid), *subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()}
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    return {line.split()[3] for line in out.splitlines() if set(re.findall(r"pid=(\d+)", line)) & pids}


def test_every_part_is_up_on_loopback_and_a_second_up_keeps_them(stack):
    status = stack.command("status").stdout
    parts = ["postgres", "graphite", "metastore", "master", "worker-1", "worker-2", "history", "connect"]
    for part in parts:
        assert re.search(rf"^{part} +up +\S", status, re.MULTILINE), status
    assert f"thrift://127.0.0.1:{stack.ports['metastore']}" in status
    assert f"sc://127.0.0.1:{stack.ports['connect']}" in status

    pids = {part: (stack.dir / "run" / f"{part}.pid").read_text() for part in parts if part not in ("postgres", "graphite")}
    for part, pid in pids.items():
        addresses = listening_addresses(int(pid))
        assert addresses, f"{part} listens nowhere"
        assert all(address.rsplit(":", 1)[0] in LOOPBACK for address in addresses), f"{part} listens on {addresses}"

    again = stack.command("up")
    assert again.stdout == status
    assert pids == {part: (stack.dir / "run" / f"{part}.pid").read_text() for part in pids}
