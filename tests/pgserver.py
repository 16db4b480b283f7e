"""A throw-away PostgreSQL server for tests and benchmarks: ``initdb`` into a temporary folder,
``pg_ctl start`` on a free 127.0.0.1 port (its unix socket in that folder too), stopped and
removed afterwards. Debian's ``postgresql`` package puts the programs in
``/usr/lib/postgresql/<version>/bin``; ``$PANET_PG_BIN`` names another folder.

PostgreSQL refuses to run as root: under root the server runs as ``nobody`` (the folder is
given to it), with trust authentication on loopback only.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NOT_INSTALLED = (
    "PostgreSQL is not installed (no initdb/pg_ctl on PATH, in $PANET_PG_BIN or /usr/lib/postgresql/*/bin); "
    "install Debian's postgresql package"
)


def programs() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None."""
    folders = [os.environ.get("PANET_PG_BIN", "")]
    found = shutil.which("initdb")
    if found:
        folders.append(str(Path(found).resolve().parent))
    folders += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    for folder in folders:
        if folder and all(os.access(Path(folder) / name, os.X_OK) for name in ("initdb", "pg_ctl")):
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running server: `url` gives a connection URL of a database (`create` makes new ones),
    `stop` stops it (as a crash would: connections are cut)."""

    def __init__(self, port: int, user: str, stop: list[str]) -> None:
        self.port = port
        self.user = user
        self._databases = 0
        self._stop = stop

    def stop(self) -> None:
        subprocess.run(self._stop, check=False, capture_output=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create(self, prefix: str = "catalogue") -> str:
        """A new empty database (UTF-8, C collation); its URL."""
        import psycopg

        self._databases += 1
        name = f"{prefix}_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'")
        return self.url(name)


@contextmanager
def running_postgres() -> Iterator[Server]:
    """Start a server; raise `FileNotFoundError` (`NOT_INSTALLED`) when PostgreSQL is not installed."""
    folder_of_programs = programs()
    if folder_of_programs is None:
        raise FileNotFoundError(NOT_INSTALLED)
    root = os.geteuid() == 0
    user = "nobody" if root else pwd.getpwuid(os.geteuid()).pw_name
    folder = Path(tempfile.mkdtemp(prefix="panet-pg-"))
    data = folder / "data"
    if root:
        shutil.chown(folder, user)
    as_user = ["runuser", "-u", user, "--"] if root else []
    port = _free_port()
    settings = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    log = folder / "server.log"
    try:
        subprocess.run(
            [*as_user, str(folder_of_programs / "initdb"), "-D", str(data), "-U", user, "--auth=trust",
             "--no-sync", "-E", "UTF8", "--locale=C"],
            check=True, capture_output=True, cwd=folder,
        )  # fmt: skip
        subprocess.run(
            [*as_user, str(folder_of_programs / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", settings, "-w",
             "start"],
            check=True, capture_output=True, cwd=folder,
        )  # fmt: skip
        stop = [*as_user, str(folder_of_programs / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        yield Server(port, user, stop)
    except subprocess.CalledProcessError as err:
        detail = (err.stderr or b"").decode(errors="replace").strip()
        server_log = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {detail}\n{server_log}") from None
    finally:
        if (data / "postmaster.pid").exists():
            stop = [*as_user, str(folder_of_programs / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            subprocess.run(stop, check=False, capture_output=True, cwd=folder)
        shutil.rmtree(folder, ignore_errors=True)
