"""Shared fixtures. Every test session uses its own index cache directory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Set before panet is imported anywhere, so no test reads or writes the user's cache.
os.environ["PANET_CACHE_DIR"] = tempfile.mkdtemp(prefix="panet-test-cache-")

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"


@pytest.fixture(scope="session")
def onto():
    """The shipped current PaNET (PaNET_reasoned.owl)."""
    import panet

    return panet.load()


@pytest.fixture(scope="session")
def ontology_dir() -> Path:
    """The repository's ontology/ folder (the files the package ships)."""
    return ONTOLOGY_DIR


@pytest.fixture(scope="session")
def reasoned_graph():
    """PaNET_reasoned.owl read independently with rdflib, to check the index against."""
    import rdflib

    return rdflib.Graph().parse(ONTOLOGY_DIR / "PaNET_reasoned.owl")


@pytest.fixture(scope="session")
def records_ttl() -> Path:
    """Three dataset records tagged with PaNET techniques (served by `live_server`'s /sparql)."""
    return Path(__file__).resolve().parent / "data" / "records.ttl"


@pytest.fixture(scope="session")
def live_server(records_ttl: Path):
    """Base URL of the real service (``panet serve`` under uvicorn, default settings, with
    ``--data tests/data/records.ttl``), started once per session on a free 127.0.0.1 port."""
    from server import running_server

    with running_server("--data", str(records_ttl)) as base:
        yield base


@pytest.fixture(scope="session")
def limited_server(tmp_path_factory):
    """The real service with small limits: 1 s query time, 50 rows, 2 000-byte bodies, one
    SPARQL worker, CORS for https://catalogue.example.org, and an on-disk store (--store)."""
    from server import running_server

    store = tmp_path_factory.mktemp("store")
    env = {
        "PANET_QUERY_TIMEOUT": "1",
        "PANET_MAX_ROWS": "50",
        "PANET_MAX_BODY_BYTES": "2000",
        "PANET_SPARQL_WORKERS": "1",
        "PANET_CORS_ORIGINS": "https://catalogue.example.org",
    }
    with running_server("--store", str(store), env=env) as base:
        yield base
