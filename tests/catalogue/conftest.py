"""The catalogue's tests run against both stores: an SQLite file and a PostgreSQL database on a
real server the session starts (`tests/pgserver.py`: initdb into a temporary folder, a loopback
port, stopped afterwards). Without PostgreSQL installed the PostgreSQL cases skip with one
reason — except under ``CI=true``, where they fail (.ci/run installs Debian's postgresql)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.pgserver import NOT_INSTALLED, Server, programs, running_postgres

BACKENDS = ["sqlite", "postgresql"]


def no_postgres(reason: str) -> None:
    """Skip — or fail under CI=true, where the PostgreSQL cases must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    """A PostgreSQL server for the session (`Server.create` makes a new database)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        no_postgres("psycopg is not installed: pip install -e '.[dev]' (or '.[postgres]')")
    if programs() is None:
        no_postgres(NOT_INSTALLED)
    with running_postgres() as server:
        yield server


StoreMaker = Callable[[str], "Path | str"]


def _maker(backend: str, request: pytest.FixtureRequest, folder: Path) -> StoreMaker:
    if backend == "sqlite":
        return lambda name: folder / f"{name}.sqlite"
    server: Server = request.getfixturevalue("postgres")
    return lambda name: server.create(name.replace("-", "_"))


@pytest.fixture(params=BACKENDS)
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreMaker:
    """Makes the location of a new, empty store: an SQLite file name, or the URL of a new
    PostgreSQL database (the test runs once for each)."""
    return _maker(request.param, request, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def module_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> StoreMaker:
    """`new_store` for module-scoped fixtures."""
    return _maker(request.param, request, tmp_path_factory.mktemp("catalogue"))
