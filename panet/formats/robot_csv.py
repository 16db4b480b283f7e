"""ROBOT template CSV reader (PaNET's editable source)."""

from __future__ import annotations

from pathlib import Path

from panet.errors import OntologyLoadError
from panet.formats import OntologyData


def read(path: Path, content: bytes) -> OntologyData:
    """Not implemented yet: see the issue "PaNET from source and across versions"."""
    raise OntologyLoadError(path, "reading ROBOT template CSV is not supported yet; load a built .owl file instead")
