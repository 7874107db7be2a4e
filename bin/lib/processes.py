"""Local servers for the scripts and the tests: free ports on 127.0.0.1, waiting until a port answers,
stopping a process for good. Used by the Graphite test server and the Spark Connect test."""
import os
import signal
import socket
import time


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_ports(count: int) -> list[int]:
    """`count` different ports that are free now: held open together while chosen, because the system
    may hand a port just released to the next bind, and two servers of one stack given one port collide."""
    probes = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            probes.append(probe)
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def wait_for_port(port: int, what: str, seconds: float = 60, process=None) -> None:
    """Returns once 127.0.0.1:port accepts connections; fails naming `what` after `seconds`, or as
    soon as `process` (a Popen) has ended."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} ended with exit code {process.returncode} before listening on 127.0.0.1:{port}")
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {seconds} s")


def running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (one that no parent has reaped, as happens to
    daemons whose parent exited when PID 1 does not reap)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def stop_pid(pid: int, seconds: float = 10) -> None:
    """SIGTERM, then SIGKILL if the process is still there after `seconds`."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not running(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
