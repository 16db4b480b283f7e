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
