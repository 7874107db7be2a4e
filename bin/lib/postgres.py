"""Debian's PostgreSQL server for the scripts and the tests: initdb, start and stop a cluster on
127.0.0.1, run SQL. The server refuses to run as root, so under root every server command runs as the
`postgres` user (runuser), and its data dir must be a folder that user can reach. Used by bin/stack
(the metastore's database) and by the export job's tests (a throwaway server per test module)."""
import hashlib
import os
import pathlib
import secrets
import shutil
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from processes import free_port, wait_for_port  # noqa: E402

HOST = "127.0.0.1"


def binary(name: str) -> str:
    """A PostgreSQL server program (initdb, pg_ctl): the newest of Debian's versions, else one on PATH."""
    candidates = sorted(pathlib.Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"no {name}: install Debian's postgresql package (bin/install-services does)")
    return found


def installed() -> bool:
    return bool(list(pathlib.Path("/usr/lib/postgresql").glob("*/bin/initdb")) or shutil.which("initdb"))


def as_owner(path: pathlib.Path) -> None:
    """Under root, hands path to the `postgres` user."""
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def run_as_postgres(command: list[str], log: pathlib.Path, check: bool = True) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    with open(log, "ab") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode} (see {log})")


def reachable_dir(link: pathlib.Path) -> pathlib.Path:
    """link as a folder the `postgres` user can write: link itself, or, where that user cannot reach it (a
    checkout under /root), a folder in /var/tmp that link points to. Returns the real folder."""
    if link.exists():
        return link.resolve()
    link.mkdir(parents=True)
    as_owner(link)
    if os.geteuid() == 0 and subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(link)]).returncode != 0:
        link.rmdir()
        elsewhere = pathlib.Path("/var/tmp") / f"kindling-pg-{hashlib.sha1(str(link).encode()).hexdigest()[:10]}"
        elsewhere.mkdir(exist_ok=True)
        as_owner(elsewhere)
        link.symlink_to(elsewhere)
    return link.resolve()


def initdb(data: pathlib.Path, superuser: str, password: str, log: pathlib.Path) -> None:
    """A new cluster in data (whose parent the `postgres` user owns) with a password-only superuser."""
    password_file = data.parent / "initdb-password"
    password_file.write_text(password)
    as_owner(password_file)
    try:
        run_as_postgres([binary("initdb"), "-D", str(data), "-U", superuser, "--auth=scram-sha-256",
                         f"--pwfile={password_file}", "-E", "UTF8", "--locale=C.UTF-8"], log)
    finally:
        password_file.unlink()


def start(data: pathlib.Path, port: int, log: pathlib.Path) -> None:
    """Starts the cluster in data listening on 127.0.0.1:port only (its socket beside data), waits until it answers."""
    sockets = data.parent / "run"
    sockets.mkdir(exist_ok=True)
    as_owner(sockets)
    run_as_postgres([binary("pg_ctl"), "-D", str(data), "-l", str(data.parent / "postgres.log"), "-w", "-t", "60",
                     "-o", f"-c listen_addresses={HOST} -c port={port} -c unix_socket_directories={sockets}",
                     "start"], log)
    wait_for_port(port, "PostgreSQL")


def stop(data: pathlib.Path, log: pathlib.Path) -> None:
    """A fast shutdown (sessions cut), if the cluster runs."""
    if (data / "postmaster.pid").exists():
        run_as_postgres([binary("pg_ctl"), "-D", str(data.resolve()), "-m", "fast", "-w", "stop"], log, check=False)


def psql(port: int, user: str, password: str, sql: str, database: str = "postgres") -> str:
    result = subprocess.run(["psql", "-h", HOST, "-p", str(port), "-U", user, "-d", database, "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql],
                            env=dict(os.environ, PGPASSWORD=password), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return result.stdout


class Throwaway:
    """A server of its own in directory on a free port, with a database and a login role of generated
    password: `with Throwaway(dir) as pg:` stops it at the end, whatever happened."""

    def __init__(self, directory: pathlib.Path, database: str = "exports", user: str = "exporter"):
        self.dir = reachable_dir(directory / "postgres")
        self.data = self.dir / "data"
        self.log = self.dir / "commands.log"
        self.port = free_port()
        self.superuser, self.superuser_password = "kindling", secrets.token_urlsafe(18)
        self.database, self.user, self.password = database, user, secrets.token_urlsafe(18)

    def __enter__(self) -> "Throwaway":
        initdb(self.data, self.superuser, self.superuser_password, self.log)
        try:
            start(self.data, self.port, self.log)
            self.admin(f"CREATE ROLE {self.user} LOGIN PASSWORD '{self.password}'")
            self.admin(f"CREATE DATABASE {self.database} OWNER {self.user}")
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"jdbc:postgresql://{HOST}:{self.port}/{self.database}"

    def admin(self, sql: str, database: str = "postgres") -> str:
        return psql(self.port, self.superuser, self.superuser_password, sql, database)

    def sql(self, sql: str) -> str:
        """SQL as the login role in its database; the output unaligned, `|` between columns."""
        return psql(self.port, self.user, self.password, sql, self.database)

    def start(self) -> None:
        start(self.data, self.port, self.log)

    def stop(self) -> None:
        stop(self.data, self.log)
