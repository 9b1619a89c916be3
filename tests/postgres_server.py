"""A real PostgreSQL server for the tests and benches: `initdb` into a temporary folder,
`pg_ctl start` on a free loopback port, stopped (and the folder removed) by `stop()`.

The server is the one in the machine image (`/usr/lib/postgresql/<version>/bin`, or
`pg_config --bindir`, or PATH). `initdb` refuses to run as root, so as root the server
runs as the `postgres` user (`runuser`), which owns the folder. About a second to start;
fsync is off (a test server's data need not survive a power cut).

`POSTGRES_TESTS=required` (set by .ci/run) makes a server that cannot start an error;
otherwise tests that need one are skipped, saying why.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

REQUIRED = "POSTGRES_TESTS"


class PostgresUnavailable(RuntimeError):
    pass


def required() -> bool:
    return os.environ.get(REQUIRED, "") == "required"


def bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if found.returncode == 0 and (Path(found.stdout.strip()) / "initdb").exists():
            return Path(found.stdout.strip())
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("no PostgreSQL server found (initdb is not installed)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="paperclub-pg-"))
        self.port = 0
        self._bin = bin_dir()
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root and there is no `postgres` user to run the server as"
                ) from None
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root without runuser")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        """The server's `postgres` database (for administration: create the test ones)."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql://paperclub@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._as, *command], capture_output=True, text=True, timeout=120, cwd=self.folder
        )

    def start(self) -> PostgresServer:
        data = self.folder / "data"
        made = self._run(
            str(self._bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "paperclub",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        if made.returncode != 0:
            self.stop()
            raise PostgresUnavailable(f"initdb failed: {made.stderr.strip()[-500:]}")
        for _attempt in range(3):
            self.port = free_port()
            started = self._run(
                str(self._bin / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.folder / "server.log"),
                "-o",
                f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200",
                "-w",
                "-t",
                "60",
                "start",
            )
            if started.returncode == 0:
                return self
        log = (self.folder / "server.log").read_text("utf-8", "replace")[-800:]
        self.stop()
        raise PostgresUnavailable(f"pg_ctl start failed: {started.stderr.strip()} {log}")

    def new_database(self) -> str:
        """A fresh, empty database on the server; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.url_for(name)

    def stop(self) -> None:
        if self.port and (self.folder / "data" / "postmaster.pid").exists():
            self._run(
                str(self._bin / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def main() -> None:
    """`python -m tests.postgres_server`: start a server, print its URL, stop on Enter."""
    server = PostgresServer().start()
    try:
        print(server.url, flush=True)
        input()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
